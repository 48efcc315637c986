// One package's fault stays with it: a cron run over several packages against a forge whose answer
// for one package is a refused permission or Ctrl-C. The forge here is a small fake, said so: Deno
// grants a permission to the whole process, so a refusal in one package only cannot be made with a
// real permission set; each package here stops before it would clone anything.
import assert from "node:assert/strict";
import { runPackages, summaryExitCode } from "../../lib/flow/cron.ts";
import { outcomeText } from "../../lib/dashboard/commands.ts";
import { packageStatus } from "../../lib/dashboard/states.ts";
import { Interrupted } from "../../lib/runtime/errors.ts";
import type { Forge } from "../../lib/platform/forge.ts";
import { baseFiles } from "../../lib/flow/context.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";
import { type PackageSpec, packageSpecs, runSettings } from "../../lib/runtime/config.ts";

const settings = {
  ...runSettings(defaultConfig(), { builder: "local", dryRun: true }),
  deploy: null,
  packages_at_once: 1,
};
const base = packageSpecs(defaultConfig())[0];

/** Three packages; the middle one reads its version from the forge (the others were read by the
 * run's scan), where `fault` is thrown. */
function specs(): PackageSpec[] {
  return ["first", "middle", "last"].map((name) => ({
    ...structuredClone(base),
    name,
    chain: `upgrade-${name}`,
    ...(name === "middle" ? {} : { base_version: "2026.2.0" }),
  }));
}

/** The forge as far as a package with no new release goes: no pull requests, no tags; reading a
 * file throws `fault`. Anything else asked is a test failure. */
function forgeThrowing(fault: Error): Forge {
  const known: Partial<Forge> = {
    requests: 0,
    pulls: () => Promise.resolve([]),
    tagCommits: () => Promise.resolve(new Map()),
    readFile: () => Promise.reject(fault),
  };
  return new Proxy(known as Forge, {
    get: (target, key) => {
      if (key in target) return Reflect.get(target, key);
      if (key === "then") return undefined;
      throw new Error(`the test's forge was asked for ${String(key)}`);
    },
  });
}

/** The run over the three packages against the forge that throws `fault` (no pin step). */
function runFaulty(fault: Error) {
  const forge = forgeThrowing(fault);
  return runPackages(
    settings,
    specs(),
    forge,
    baseFiles(forge, settings),
    undefined,
    undefined,
    null,
  );
}

Deno.test("a permission refused in one package: the packages done keep their outcomes, the rest say they did not run", async () => {
  const refused = new Deno.errors.NotCapable('Requires run access to "nix-build"');
  const s = await runFaulty(refused);
  assert.deepEqual(s.packages.map((p) => [p.package, p.outcome]), [
    ["first", "up to date"],
    ["middle", "failed"],
    ["last", "not run"],
  ]);
  assert.ok(s.packages[0].report?.upToDate, "the first package's report is kept");
  assert.match(s.packages[1].error!.message, /^not permitted: run access to "nix-build"/);
  assert.match(
    s.packages[2].error!.message,
    /^the run stopped before it, at middle: not permitted/,
  );
  assert.match(s.stopped!.message, /^middle: not permitted: run access to "nix-build"/);
  assert.equal(summaryExitCode(s), 2);
  // Each /upgrade reply speaks for its own package; every row is drawn from what is known.
  const [first, middle, last] = s.packages;
  assert.match(outcomeText(first), /nothing to do/);
  assert.match(outcomeText(middle), /^failed: `not permitted: run access to "nix-build"/);
  assert.match(outcomeText(last), /^not run: `the run stopped before it, at middle/);
  const rows = s.packages.map((p, i) => packageStatus(p, specs()[i]).state.kind);
  assert.deepEqual(rows, ["up to date", "failed", "failed"]);
});

Deno.test("Ctrl-C in one package: the others' outcomes kept, exit 130", async () => {
  const s = await runFaulty(new Interrupted("interrupted"));
  assert.deepEqual(s.packages.map((p) => p.outcome), ["up to date", "failed", "not run"]);
  assert.equal(summaryExitCode(s), 130);
});

Deno.test("any other error in one package: the run goes on with the next", async () => {
  const s = await runFaulty(new Error("HTTP 500"));
  assert.deepEqual(s.packages.map((p) => p.outcome), ["up to date", "failed", "up to date"]);
  assert.equal(s.stopped, null);
  assert.equal(summaryExitCode(s), 1);
});
