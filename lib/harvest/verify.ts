// The verified check: each literal is the outputHash of a fixed-output derivation in the closure.
import type { HarvestContext, HarvestFailure } from "./types.ts";
import type { BuildRequest, BuildResult } from "./builders/builder.ts";
import { drvName, renderedTail } from "../nix/build_log_lines.ts";
import { type HashOutcome, sameHash } from "../nix/hash.ts";
import { readHashes } from "./literals.ts";

const FOD_LINE_RE = /^upgrade-bot-fod (\/\S+\.drv) (?:r:|text:)?(\w+) ([0-9a-f]+)$/gm;

/** Every fixed-output derivation the build evaluates with its outputHash (read from the .drv files
 * on the builder), for checkOutputHashes. */
export function listFixedOutputs(
  options: HarvestContext,
  expression: Pick<BuildRequest, "expr" | "exprArgs">,
): Promise<BuildResult> {
  const { build } = options.settings;
  return options.builder.build({
    dir: options.dir,
    files: options.files,
    ...expression,
    args: build.args,
    timeoutSeconds: build.timeout_seconds,
    heartbeatSeconds: build.heartbeat_seconds,
    logFile: options.log,
    label: "hash check",
    listFixedOutputs: true,
  });
}

/** After a passing build: every literal holds a harvested hash, not a placeholder, and is the
 * evaluated `outputHash` of a fixed-output derivation in the built closure (`listing`, of the files
 * as they were built). A literal the build does not actually use as a hash, or uses only while it
 * holds its placeholder, fails here where the placeholder check cannot see it. */
export async function checkOutputHashes(
  options: HarvestContext,
  listing: BuildResult,
  harvested: HashOutcome[],
  placeholders: string[],
): Promise<HarvestFailure | null> {
  const { package: pkg, dir, system } = options;
  const fods = [...listing.output.matchAll(FOD_LINE_RE)].map((m) => ({
    drv: m[1],
    hash: `${m[2]}:${m[3]}`,
  }));
  const failure = (message: string): HarvestFailure => ({
    kind: "unverified-hash",
    message,
    drv: null,
    logTail: renderedTail(listing.output),
  });
  if (listing.exitCode !== 0 || listing.timedOut) {
    return failure(
      `the build passed, but listing its fixed-output derivations to check the ` +
        `hashes failed (exit ${listing.exitCode})`,
    );
  }
  const problems: string[] = [];
  for (const fod of fods) {
    if (placeholders.some((p) => sameHash(p, fod.hash))) {
      problems.push(`${drvName(fod.drv)} still has a placeholder as its outputHash`);
    }
  }
  const current = await readHashes(dir, pkg, system);
  const check = (label: string, file: string, value: string) => {
    if (placeholders.some((p) => sameHash(p, value))) {
      problems.push(`${label} (${file}) still holds its placeholder`);
    } else if (!fods.some((f) => sameHash(value, f.hash))) {
      problems.push(
        `${label} (${file}) holds ${value}, which is the outputHash of no fixed-output ` +
          `derivation the build evaluated`,
      );
    }
  };
  for (const [i, h] of current.entries()) {
    check(h.name, h.file, h.old);
    // Another system's entry counts only when it was harvested; a stale one was never claimed.
    for (const o of h.otherSystems) {
      const state = harvested[i].otherSystems.find((s) => s.system === o.system);
      if (state && state.stale === null) check(`${h.name} (${o.system})`, h.file, o.old);
    }
  }
  if (problems.length === 0) return null;
  return failure(
    `the build passed, but not every hash was harvested: ${problems.join("; ")}. Nothing is ` +
      `verified until each literal is the outputHash its derivation evaluates to`,
  );
}
