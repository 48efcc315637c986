// The programs lib/ sends to a shell or to Nix, each a file of its own: shellcheck finds nothing in
// the shell ones, and the Nix ones parse.
import assert from "node:assert/strict";
import { run } from "../../lib/runtime/process.ts";
import { which } from "../tools/preflight.ts";

const LIB = new URL("../../lib/", import.meta.url).pathname;

/** Every file under `dir` whose name ends with `suffix`. */
function filesEndingWith(dir: string, suffix: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory
      ? filesEndingWith(`${dir}${e.name}/`, suffix)
      : e.name.endsWith(suffix)
      ? [`${dir}${e.name}`]
      : []
  ).sort();
}

const shellcheck = await which("shellcheck");

Deno.test({
  name: shellcheck
    ? "every shell program in lib/ passes shellcheck"
    : "every shell program in lib/ passes shellcheck (SKIPPED: shellcheck is not installed; " +
      "apt-get install shellcheck)",
  ignore: !shellcheck,
  fn: async () => {
    const scripts = filesEndingWith(LIB, ".sh");
    assert.ok(scripts.length >= 4, `found: ${scripts.join(" ")}`);
    for (const script of scripts) {
      // No shebang (sh reads them from stdin or -c): each says its shell for shellcheck.
      assert.match(await Deno.readTextFile(script), /^# shellcheck shell=sh\n/, script);
      const out = await run([shellcheck!, "--format=gcc", script], { check: false });
      assert.equal(out.code, 0, `${script}:\n${out.stdout}${out.stderr}`);
    }
  },
});

Deno.test("every Nix program in lib/ parses", async () => {
  const files = filesEndingWith(LIB, ".nix");
  assert.ok(files.length >= 1, `found: ${files.join(" ")}`);
  for (const file of files) {
    const out = await run(["nix-instantiate", "--parse", file], { inheritEnv: true, check: false });
    assert.equal(out.code, 0, `${file}: ${out.stderr}`);
  }
});
