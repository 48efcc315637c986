// A round's expression, evaluated by Nix: another system's target waits while a fixed-output
// derivation it needs holds a placeholder, and builds once none does.
import assert from "node:assert/strict";
import { buildExpression } from "../../lib/harvest/expression.ts";
import { parseConfig } from "../../lib/runtime/config.ts";
import { run } from "../../lib/runtime/process.ts";

const PLACEHOLDER = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const HARVESTED = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/** An aarch64-linux target (a file taking `pkgs`) that takes a source fixed-output derivation (in
 * a list, as nativeBuildInputs hold them) whose hash is `srcHash`. */
function target(srcHash: string): string {
  return `{ pkgs }: derivation {
    name = "webui-deps"; system = "aarch64-linux"; builder = "/bin/sh";
    inputs = [ (derivation {
      name = "src"; system = "x86_64-linux"; builder = "/bin/sh";
      outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "${srcHash}";
    }) ];
    outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "${PLACEHOLDER}";
  }`;
}

/** Whether the round's expression holds a derivation for the target. The expression is a file in
 * the package directory, as the ssh builder sends it. */
async function built(srcHash: string, pending: string[]): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-expression-test-" });
  try {
    await Deno.writeTextFile(`${dir}/test-build.nix`, "{ }\n");
    await Deno.writeTextFile(`${dir}/webui.nix`, target(srcHash));
    const config = parseConfig(
      `package: { dir: ".", name: t }\nhashes: [{ name: webui-deps, file: webui.nix, key: outputHash }]\nbuild: { file: test-build.nix }\n`,
      "test.yaml",
    );
    const { expr, exprArgs } = await buildExpression(config, {
      targets: [{
        attr: "system-webui-deps-aarch64-linux",
        file: "webui.nix",
        system: "aarch64-linux",
        flake: null,
      }],
      pending,
    });
    await Deno.writeTextFile(`${dir}/round.nix`, expr);
    assert.deepEqual(exprArgs?.slice(0, 2), ["--argstr", "round"]);
    await Deno.writeTextFile(`${dir}/round.json`, exprArgs![2]);
    const out = await run([
      "nix-instantiate",
      "--eval",
      "-E",
      `(import ./round.nix { round = builtins.readFile ./round.json; })."system-webui-deps-aarch64-linux" ? drvPath`,
    ], { cwd: dir, inheritEnv: true });
    return out.stdout.trim() === "true";
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("another system's target waits while its source holds a placeholder, not for its own", async () => {
  assert.equal(await built(PLACEHOLDER, [PLACEHOLDER]), false, "the source is pending");
  assert.equal(await built(HARVESTED, [PLACEHOLDER]), true, "only its own hash is pending");
  assert.equal(await built(HARVESTED, []), true, "the verifying round");
});

Deno.test("the attributes build.verify names, hashes' attributes and expressions (evaluated in the package directory) are what a round instantiates", async () => {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-expression-test-" });
  const drv = (name: string) =>
    `derivation { name = "${name}-${
      crypto.randomUUID().slice(0, 8)
    }"; system = builtins.currentSystem; builder = "/bin/sh"; }`;
  try {
    await Deno.writeTextFile(
      `${dir}/test-build.nix`,
      `{ a.b = ${drv("verified")}; c = ${drv("by-attr")}; d = ${drv("not-built")}; }\n`,
    );
    await Deno.writeTextFile(`${dir}/foo.nix`, `{ }: { fod = ${drv("by-expr")}; }\n`);
    const config = parseConfig(
      `package: { dir: ".", name: t }
hashes:
  - { name: x, attr: c, file: test-build.nix, key: outputHash }
  - { name: y, expr: "(import ./foo.nix { }).fod", file: foo.nix, key: outputHash }
build: { file: test-build.nix, verify: [a.b] }
`,
      "test.yaml",
    );
    const { expr, exprArgs } = await buildExpression(config);
    const out = await run(["nix-instantiate", "-E", expr, ...exprArgs!], {
      cwd: dir,
      inheritEnv: true,
    });
    const names = out.stdout.trim().split("\n").map((p) =>
      p.replace(/^.*?-(.*)-\w{8}\.drv$/, "$1")
    );
    assert.deepEqual(names.sort(), ["by-attr", "by-expr", "verified"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
