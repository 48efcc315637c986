// Secrets are redacted from everything the bot writes: files, commit messages, the nix log file and
// what it posts to the forge; and a secret read once leaves the bot's environment.
import assert from "node:assert/strict";
import { $ } from "zx";
import { addSecret, takeSecret } from "../../lib/runtime/log.ts";
import { writeFileAtomic } from "../../lib/runtime/files.ts";
import { Git } from "../../lib/runtime/git.ts";
import { makeBuilder } from "../../lib/harvest/builders/make.ts";
import { ForgejoForge } from "../../lib/platform/forgejo/client.ts";

const SECRET = `s3cret-${crypto.randomUUID()}`;
addSecret(SECRET);

Deno.test("files and commit messages the bot writes are redacted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-redact-" });
  try {
    await $({ cwd: dir, quiet: true })`git init -q`;
    await writeFileAtomic(`${dir}/card.md`, `log excerpt: token ${SECRET}\n`);
    const git = new Git(dir, { name: "t", email: "t@localhost" });
    await git.commit(["card.md"], `plan: failed with ${SECRET}`);
    const all = await git.run(["log", "-p"]);
    assert.ok(!all.includes(SECRET), all);
    assert.match(all, /plan: failed with \*\*\*/);
    assert.match(await Deno.readTextFile(`${dir}/card.md`), /token \*\*\*/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the nix log file is redacted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-redact-" });
  try {
    await Deno.writeTextFile(
      `${dir}/say.nix`,
      `derivation { name = "say-${crypto.randomUUID()}"; system = builtins.currentSystem; ` +
        `builder = "/bin/sh"; args = [ "-c" "echo said ${SECRET}; echo > $out" ]; }\n`,
    );
    const result = await makeBuilder("local", { config_file: null, options: [] }).build({
      dir,
      files: ["say.nix"],
      expr: "{ say = import ./say.nix; }",
      args: ["--option", "substituters", ""],
      timeoutSeconds: 60,
      heartbeatSeconds: 30,
      logFile: `${dir}/build.log`,
      label: "test",
    });
    assert.equal(result.exitCode, 0, result.output);
    const log = await Deno.readTextFile(`${dir}/build.log`);
    assert.match(log, /said \*\*\*/);
    assert.ok(!log.includes(SECRET), log);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("comments, pull request titles and bodies posted to the forge are redacted", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push(await req.text());
    const pull = { number: 1, head: { ref: "b" }, base: { ref: "main" }, user: { login: "bot" } };
    const comment = { id: 1, body: "", user: { login: "bot" }, created_at: "", updated_at: "" };
    return Response.json(req.url.endsWith("/comments") ? comment : pull, { status: 201 });
  });
  try {
    const forge = new ForgejoForge(`http://127.0.0.1:${server.addr.port}`, "t0ken-x", {
      retries: 0,
    });
    await forge.comment("o/r", 1, `failed: ${SECRET}`);
    await forge.createPull("o/r", { head: "b", base: "main", title: SECRET, body: SECRET });
    await forge.updatePull("o/r", 1, { title: `t ${SECRET}`, body: `b ${SECRET}` });
    assert.equal(seen.length, 3);
    for (const body of seen) assert.ok(!body.includes(SECRET) && body.includes("***"), body);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a secret read once leaves the bot's environment and is still known", () => {
  const name = `UPGRADE_BOT_TEST_SECRET_${crypto.randomUUID().replaceAll("-", "_")}`;
  Deno.env.set(name, "another-secret-value");
  assert.equal(takeSecret(name), "another-secret-value");
  assert.equal(Deno.env.get(name), undefined);
  assert.equal(takeSecret(name), "another-secret-value");
});
