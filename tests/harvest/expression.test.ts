// A round's expression, evaluated by Nix: another system's target waits while a fixed-output
// derivation it needs holds a placeholder, and builds once none does.
import assert from "node:assert/strict";
import { buildExpression } from "../../lib/harvest/expression.ts";
import { parseConfig } from "../../lib/runtime/config.ts";

const PLACEHOLDER = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const HARVESTED = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/** An aarch64-linux target that takes a source fixed-output derivation (in a list, as
 * nativeBuildInputs hold them) whose hash is `srcHash`. */
function target(srcHash: string): string {
  return `derivation {
    name = "webui-deps"; system = "aarch64-linux"; builder = "/bin/sh";
    inputs = [ (derivation {
      name = "src"; system = "x86_64-linux"; builder = "/bin/sh";
      outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "${srcHash}";
    }) ];
    outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "${PLACEHOLDER}";
  }`;
}

/** Whether the round's expression holds a derivation for the target. */
async function built(srcHash: string, pending: string[]): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-expression-test-" });
  try {
    await Deno.writeTextFile(`${dir}/test-build.nix`, "{ }\n");
    const config = parseConfig(
      `package: { dir: ".", name: t }\nhashes: [{ name: webui-deps, file: x.nix, key: outputHash }]\nbuild: { file: test-build.nix }\n`,
      "test.yaml",
    );
    const expr = buildExpression(config, {
      targets: [{ attr: "system-webui-deps-aarch64-linux", expr: target(srcHash) }],
      pending,
    });
    const out = await new Deno.Command("nix-instantiate", {
      args: ["--eval", "-E", `(${expr})."system-webui-deps-aarch64-linux" ? drvPath`],
      cwd: dir,
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trim() === "true";
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("another system's target waits while its source holds a placeholder, not for its own", async () => {
  assert.equal(await built(PLACEHOLDER, [PLACEHOLDER]), false, "the source is pending");
  assert.equal(await built(HARVESTED, [PLACEHOLDER]), true, "only its own hash is pending");
  assert.equal(await built(HARVESTED, []), true, "the verifying round");
});
