// Harvest: every fixed-output hash collected, round after round, from nix-build; the verifying build.
import { join } from "node:path";
import { drvName, renderedTail } from "../nix/build_log_lines.ts";
import { parseNixLog } from "../nix/build_log.ts";
import { sameHash } from "../nix/hash.ts";
import { progress, seconds } from "../runtime/log.ts";
import { renderBuilders } from "../nix/machines.ts";
import { nixpkgsFlake, systemTargetAttr } from "../nix/per_system.ts";
import { placeholderFor, resetHashes, writeHash } from "./literals.ts";
import { buildExpression, targetsOf } from "./expression.ts";
import {
  entryOf,
  labelOf,
  leaveStale,
  type Owner,
  planSystemTargets,
  unbuildableSystems,
} from "./systems.ts";
import { checkOutputHashes, listFixedOutputs } from "./verify.ts";
import type { HarvestContext, HarvestResult, RoundReport } from "./types.ts";

// The harvest's types, from where its callers import them.
export type { HarvestFailure, HarvestResult } from "./types.ts";

/** The job settings of one round. A harvesting round (hashes still pending) lets every FOD it
 * can reach build at once: FODs wait on the network, not the CPU, so one job each, at least as
 * many jobs as pending hashes, with the builder's cores divided among the jobs so CPU-bound work
 * is not oversubscribed. The verifying round (nothing pending) keeps the builder's own nix.conf
 * (or `settings.build.max_jobs`). */
export function jobArgs(
  pending: number,
  configured: number | "auto" | null,
  cores: number,
): string[] {
  const own = configured === null ? [] : ["--max-jobs", String(configured)];
  if (pending === 0) return own;
  const wanted = configured === "auto" ? cores : configured ?? 1;
  const jobs = Math.max(pending, wanted);
  return ["--max-jobs", String(jobs), "--cores", String(Math.max(1, Math.floor(cores / jobs)))];
}

/** Resets every hash to its own placeholder (an old hash whose output is in the store would be
 * silently reused), then builds until a round has no mismatch, writing each got hash back. Other
 * systems' entries of per-system hashes are harvested in the same rounds on machines that build
 * those systems (Nix's distributed builds), or left as they were and said why. */
export async function harvest(options: HarvestContext): Promise<HarvestResult> {
  const listings: Promise<unknown>[] = [];
  try {
    return await rounds(options, listings);
  } finally {
    // A hash check's listing runs beside the verifying round: whatever the round came to, it is
    // over before the harvest returns (the listing of a round that did not pass is not used).
    await Promise.allSettled(listings);
  }
}

async function rounds(
  options: HarvestContext,
  listings: Promise<unknown>[],
): Promise<HarvestResult> {
  const { package: pkg, dir, system } = options;
  const { settings } = options;
  const hashes = await resetHashes(dir, pkg, system);
  const specs = new Map(pkg.hashes.map((h) => [h.name, h]));
  const placeholders = new Map<string, Owner>();
  for (const [i, h] of pkg.hashes.entries()) {
    placeholders.set(
      placeholderFor(h, hashes[i].old, await Deno.readTextFile(join(dir, h.file))),
      { name: h.name, system: null },
    );
  }
  let systemTargets = await planSystemTargets(options, hashes, placeholders);
  const builders = Object.keys(settings.build.builders).length > 0
    ? ["--builders", renderBuilders(settings.build.builders)]
    : [];
  const buildFileText = systemTargets.length > 0
    ? await Deno.readTextFile(join(dir, pkg.build.file))
    : "";

  const result: HarvestResult = {
    hashes,
    rounds: [],
    builds: 0,
    verified: false,
    failure: null,
    buildSeconds: 0,
  };
  const owners = () => [...placeholders.values()];
  /** The placeholders still in the files, with whose entry each is. */
  const pendingPlaceholders = () =>
    [...placeholders].filter(([, o]) => entryOf(hashes, o).new === null);
  const pendingOwners = () => pendingPlaceholders().map(([, o]) => o);
  const expressionNow = () =>
    buildExpression(
      pkg,
      systemTargets.length === 0 ? undefined : {
        targets: systemTargets.map((t) => ({
          attr: systemTargetAttr(t),
          file: t.file,
          system: t.system,
          flake: nixpkgsFlake(buildFileText),
        })),
        pending: pendingPlaceholders().map(([p]) => p),
      },
    );
  const verifyNames = targetsOf(pkg);
  const cores = await options.builder.cores();
  while (result.rounds.length < settings.build.max_rounds) {
    const round = result.rounds.length + 1;
    const pending = pendingOwners().map(labelOf);
    const built = [...pending, ...verifyNames];
    const jobs = jobArgs(pending.length, settings.build.max_jobs, cores);
    progress(
      `round ${round}: building ${built.join(", ")}${jobs.length ? ` (${jobs.join(" ")})` : ""}`,
    );
    const expression = await expressionNow();
    // Nothing pending: this round verifies. The hash check after it needs these files
    // instantiated, not the build's result, so its listing runs beside the build. It is used only
    // when the round passes without a mismatch, so without a hash written while it ran.
    const listing = pending.length === 0 ? listFixedOutputs(options, expression) : null;
    if (listing) {
      listings.push(listing);
      // Its failure counts only when the build passed (checkOutputHashes awaits it then).
      listing.catch(() => {});
    }
    const build = await options.builder.build({
      dir,
      files: options.files,
      ...expression,
      args: [...jobs, ...builders, ...settings.build.args],
      timeoutSeconds: settings.build.timeout_seconds,
      heartbeatSeconds: settings.build.heartbeat_seconds,
      logFile: options.log,
      label: `round ${round}`,
    });
    result.builds++;
    result.buildSeconds += build.seconds;
    const log = parseNixLog(build.output);
    const report: RoundReport = { built, mismatches: [], seconds: build.seconds };
    result.rounds.push(report);

    for (const m of log.mismatches) {
      const owner = placeholders.get(m.specified);
      if (!owner) {
        const again = owners().find((o) => entryOf(hashes, o).new === m.specified);
        result.failure ??= again
          ? {
            kind: "non-reproducible",
            message: `${labelOf(again)} is not reproducible: one build gave ${m.specified}, the ` +
              `next ${m.got} (${m.drv ?? "unknown derivation"})`,
            drv: m.drv,
            logTail: [],
          }
          : {
            kind: "unexpected-mismatch",
            message: `a fixed-output derivation that is not configured failed its hash check: ` +
              `${
                m.drv ?? m.url ?? "unknown"
              } (specified ${m.specified}, got ${m.got}); add it to "hashes"`,
            drv: m.drv,
            logTail: [],
          };
        continue;
      }
      const entry = entryOf(hashes, owner);
      if (entry.new !== null) {
        // One literal reached twice in a round (a source fetched for two systems): same output.
        if (sameHash(entry.new, m.got)) continue;
        result.failure ??= {
          kind: "non-reproducible",
          message: `${labelOf(owner)} is not reproducible: two builds in round ${round} gave ` +
            `${entry.new} and ${m.got} (${m.drv ?? "unknown derivation"})`,
          drv: m.drv,
          logTail: [],
        };
        continue;
      }
      entry.new = m.got;
      entry.unchanged = sameHash(entry.old, m.got);
      report.mismatches.push(labelOf(owner));
      // An unchanged hash keeps its own spelling (a legacy base32 literal is not rewritten as SRI).
      await writeHash(
        dir,
        specs.get(owner.name)!,
        owner.system ?? system,
        entry.unchanged ? entry.old : m.got,
      );
    }
    progress(
      `round ${round} done in ${seconds(build.seconds)}: ` +
        (report.mismatches.length ? `harvested ${report.mismatches.join(", ")}` : "no mismatch"),
    );
    if (result.failure) return result;
    if (build.timedOut) {
      result.failure = {
        kind: "timeout",
        message:
          `nix-build timed out after ${settings.build.timeout_seconds}s (settings.build.timeout_seconds)`,
        drv: null,
        logTail: renderedTail(build.output),
      };
      return result;
    }
    const unbuildable = unbuildableSystems(log.failures, systemTargets);
    if (unbuildable.size > 0) {
      // Nix stops the whole run when no machine takes a derivation: those systems' entries go back
      // to what they were, and the round runs again without them.
      systemTargets = await leaveStale(options, hashes, systemTargets, unbuildable);
      for (const [p, o] of placeholders) {
        if (o.system !== null && unbuildable.has(o.system)) placeholders.delete(p);
      }
      continue;
    }
    if (log.failures.length > 0) {
      const [first, ...others] = log.failures;
      const name = (f: typeof first) => f.drv ? drvName(f.drv) : "evaluation";
      const also = others.length ? ` (also failed: ${others.map(name).join(", ")})` : "";
      result.failure = {
        kind: "build",
        message: `${name(first)} failed: ${first.message}${also}`,
        drv: first.drv,
        logTail: first.logTail,
      };
      return result;
    }
    if (report.mismatches.length === 0) {
      const unused = pendingOwners();
      if (build.exitCode === 0 && unused.length > 0) {
        // A literal no built derivation uses keeps its placeholder: never call that verified.
        result.failure = {
          kind: "unused-hash",
          message: `the build passed but never used ${
            unused.map((o) => `${labelOf(o)} (${specs.get(o.name)!.file})`).join(", ")
          }: it still holds its placeholder. Name the attribute that builds it (hashes[].attr) ` +
            `or add it to build.verify`,
          drv: null,
          logTail: [],
        };
        return result;
      }
      if (build.exitCode === 0) {
        // No hash pending after a round without mismatches: none was pending before it either, so
        // its listing ran beside it.
        result.failure = await checkOutputHashes(
          options,
          await listing!,
          hashes,
          [...placeholders.keys()],
        );
        result.verified = result.failure === null;
        return result;
      }
      result.failure = {
        kind: "build",
        message:
          `nix-build exited ${build.exitCode} without a hash mismatch or a recognisable error`,
        drv: null,
        logTail: renderedTail(build.output),
      };
      return result;
    }
  }
  result.failure = {
    kind: "no-convergence",
    message:
      `still finding mismatches after ${settings.build.max_rounds} rounds (settings.build.max_rounds)`,
    drv: null,
    logTail: [],
  };
  return result;
}
