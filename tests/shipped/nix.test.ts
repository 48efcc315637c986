// The Nix the project ships: nix/ (the NixOS module) and the tests' <nixpkgs> stand-in.
import assert from "node:assert/strict";
import { $ } from "zx";

function nixFiles(dir: string): string[] {
  const root = new URL(`../../${dir}/`, import.meta.url).pathname;
  return [...Deno.readDirSync(root)].filter((e) => e.isFile && e.name.endsWith(".nix")).map((e) =>
    root + e.name
  );
}

Deno.test("every shipped .nix file parses", async () => {
  const files = [...nixFiles("nix"), ...nixFiles("tests/nixpkgs")];
  assert.ok(files.length >= 2, files.join(" "));
  for (const file of files) {
    const p = await $({ nothrow: true, quiet: true })`nix-instantiate --parse ${file}`;
    assert.equal(p.exitCode, 0, `${file}: ${p.stderr}`);
  }
});

Deno.test("the NixOS module is a module function with the options it documents", async () => {
  const module = new URL("../../nix/module.nix", import.meta.url).pathname;
  const args = await $({
    quiet: true,
  })`nix-instantiate --eval --json -E ${`builtins.functionArgs (import ${module})`}`;
  assert.deepEqual(Object.keys(JSON.parse(args.stdout)).sort(), ["config", "lib", "pkgs"]);
  const text = await Deno.readTextFile(module);
  for (const option of ["enable", "src", "settings", "environmentFile", "schedule", "serve"]) {
    assert.match(text, new RegExp(`^ {4}${option} = `, "m"), option);
  }
  for (const command of ['"run"', '"serve"']) assert.ok(text.includes(command), command);
  // The bot runs with deno.json's permission set, never with every permission.
  assert.match(text, / run -P --frozen \$\{cfg\.src\}\/bot\.ts /);
  assert.doesNotMatch(text, / -A | --allow-all /);
});
