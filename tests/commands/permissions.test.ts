// Least privilege: the bot runs with deno.json's permission set, and a permission it lacks is named.
import assert from "node:assert/strict";
import { botArgs } from "../support/bot_run.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BOT = `${ROOT}bot.ts`;

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), { args, env, stdin: "null" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno.json declares the bot's permission set: listed programs, never all", async () => {
  const { permissions } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const set = permissions.default;
  assert.equal(set.all, undefined);
  assert.ok(Array.isArray(set.run), "run is a list of programs, not every program");
  for (const program of ["git", "nix-build", "nix-instantiate", "ssh"]) {
    assert.ok(set.run.includes(program), program);
  }
  // No shell: a program allowed to run any other would make the list say nothing.
  for (const shell of ["sh", "bash", "env"]) assert.ok(!set.run.includes(shell), shell);
  assert.ok(!set.ffi, "no ffi");
  // The bot's own code and permission set are not the bot's to write.
  assert.deepEqual(set.write.deny, ["."]);
});

Deno.test("a permission the bot was not given is named, with where the set is declared: exit 2", async () => {
  const repo = await Deno.makeTempDir({ prefix: "upgrade-bot-permissions-" });
  try {
    await new Deno.Command("git", { args: ["init", "-q", repo] }).output();
    // Everything -P grants but running programs: inspect's first git fails.
    const r = await deno([
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      BOT,
      "inspect",
      "--repo",
      repo,
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /upgrade-bot: not permitted: run access to "git"\./);
    assert.match(r.stderr, /deno\.json/);
    assert.doesNotMatch(r.stderr, /--allow-run|\n\s+at /, "no Deno advice, no stack");
  } finally {
    await Deno.remove(repo, { recursive: true });
  }
});

Deno.test("with -P the bot starts (help needs no permission) and refuses to write its own files", async () => {
  const help = await deno(botArgs(["--help"]));
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /deno run -P bot\.ts upgrade/);
  // A config pointing the lock into the bot's checkout: the write is refused by name.
  const config = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(config, `lock: { dir: ${ROOT}lock-here }\nbuilder: local\n`);
    const r = await deno(botArgs(["run", "--config", config, "--no-build"]), {
      FORGE_TOKEN: "token-never-sent",
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`not permitted: write access to "${ROOT}lock-here`));
  } finally {
    await Deno.remove(config);
    await Deno.remove(`${ROOT}lock-here`, { recursive: true }).catch(() => {});
  }
});

Deno.test("the bot is started with -P everywhere it is documented or shipped, never -A", async () => {
  const files = ["README.md", "nix/module.nix", "tests/support/bot_run.ts"];
  // docs/ holds the reference once README.md has moved it there.
  const docs = await Deno.stat(`${ROOT}docs`).then(() => true, () => false);
  for await (const e of docs ? Deno.readDir(`${ROOT}docs`) : []) {
    if (e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  for (const file of files) {
    const text = await Deno.readTextFile(ROOT + file);
    assert.doesNotMatch(text, /(?:-A|--allow-all)\b[^\n]*bot\.ts/, file);
  }
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  assert.match(readme, /deno run -P bot\.ts/);
});
