// Harvest: every fixed-output hash collected, round after round, from nix-build; the verifying build.
import { join } from "node:path";
import type { Config } from "../runtime/config.ts";
import type { Builder, BuildResult } from "./builders/builder.ts";
import { drvName, renderNixLog } from "../nix/logread.ts";
import { parseNixLog } from "../nix/log.ts";
import { sameHash } from "../nix/hash.ts";
import { progress, seconds } from "../runtime/log.ts";
import {
  type HashOutcome,
  placeholderFor,
  readHashes,
  resetHashes,
  writeHash,
} from "./literals.ts";

export interface RoundReport {
  built: string[];
  mismatches: string[];
  seconds: number;
}

export interface HarvestFailure {
  kind:
    | "build"
    | "non-reproducible"
    | "timeout"
    | "no-convergence"
    | "unexpected-mismatch"
    | "unused-hash"
    | "unverified-hash";
  message: string;
  drv: string | null;
  logTail: string[];
}

export interface HarvestResult {
  hashes: HashOutcome[];
  rounds: RoundReport[];
  builds: number;
  verified: boolean;
  failure: HarvestFailure | null;
  /** Seconds spent inside nix-build, to tell the bot's own overhead apart. */
  buildSeconds: number;
}

/** The expression a round builds: the build file (all of it, or the attributes `build.verify`
 * names) plus any hash's own attribute, so one `nix-build -k` run reaches every FOD and reports
 * every independent mismatch. */
export function buildExpression(config: Config): string {
  const select = (path: string) => "t" + path.split(".").map((p) => `."${p}"`).join("");
  const extras = config.hashes.filter((h) => h.expr || h.attr).map((h) =>
    `  "hash-${h.name}" = ${h.expr ? `(${h.expr})` : select(h.attr!)};`
  );
  const targets = config.build.verify.length > 0
    ? config.build.verify.map((v, i) => `  "verify-${i}" = ${select(v)};`)
    : null;
  const lines = [
    `let`,
    `  f = import ./${config.build.file};`,
    `  t = if builtins.isFunction f then f { } else f;`,
    // A file that is one derivation (default.nix) builds that; an attribute set, all of it.
    `  all = if t.type or null == "derivation" then { default = t; } else t;`,
    `in`,
    targets ? `{` : `all // {`,
    ...(targets ?? []),
    ...extras,
    `}`,
  ];
  return lines.join("\n");
}

/** What a round builds, in words for progress lines. */
export function targetsOf(config: Config): string[] {
  return config.build.verify.length > 0 ? config.build.verify : [`all of ${config.build.file}`];
}

export interface HarvestOptions {
  config: Config;
  /** The package directory, where files are edited (and built, for the local builder). */
  dir: string;
  /** The files a remote builder needs. */
  files: string[];
  builder: Builder;
  system: string;
  logFile: string;
}

/** The job settings of one round. A harvesting round (hashes still pending) lets every FOD it
 * can reach build at once: FODs wait on the network, not the CPU, so one job each, at least as
 * many jobs as pending hashes, with the builder's cores divided among the jobs so CPU-bound work
 * is not oversubscribed. The verifying round (nothing pending) keeps the builder's own nix.conf
 * (or `build.max_jobs`). */
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
 * silently reused), then builds until a round has no mismatch, writing each got hash back. */
export async function harvest(options: HarvestOptions): Promise<HarvestResult> {
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
  options: HarvestOptions,
  listings: Promise<unknown>[],
): Promise<HarvestResult> {
  const { config, dir, system } = options;
  const hashes = await resetHashes(dir, config, system);
  const specs = new Map(config.hashes.map((h) => [h.name, h]));
  const placeholders = new Map<string, string>();
  for (const [i, h] of config.hashes.entries()) {
    placeholders.set(
      placeholderFor(h, hashes[i].old, await Deno.readTextFile(join(dir, h.file))),
      h.name,
    );
  }

  const result: HarvestResult = {
    hashes,
    rounds: [],
    builds: 0,
    verified: false,
    failure: null,
    buildSeconds: 0,
  };
  const expr = buildExpression(config);
  const byName = new Map(hashes.map((h) => [h.name, h]));
  const verifyNames = targetsOf(config);
  const cores = await options.builder.cores();
  while (result.rounds.length < config.build.max_rounds) {
    const round = result.rounds.length + 1;
    const pending = hashes.filter((h) => h.new === null).map((h) => h.name);
    const built = [...pending, ...verifyNames];
    const jobs = jobArgs(pending.length, config.build.max_jobs, cores);
    progress(
      `round ${round}: building ${built.join(", ")}${jobs.length ? ` (${jobs.join(" ")})` : ""}`,
    );
    // Nothing pending: this round verifies. The hash check after it needs these files
    // instantiated, not the build's result, so its listing runs beside the build. It is used only
    // when the round passes without a mismatch, so without a hash written while it ran.
    const listing = pending.length === 0 ? listFixedOutputs(options, expr) : null;
    if (listing) {
      listings.push(listing);
      // Its failure counts only when the build passed (checkOutputHashes awaits it then).
      listing.catch(() => {});
    }
    const build = await options.builder.build({
      dir,
      files: options.files,
      expr,
      args: [...jobs, ...config.build.args],
      timeoutSeconds: config.build.timeout_seconds,
      heartbeatSeconds: config.build.heartbeat_seconds,
      logFile: options.logFile,
      label: `round ${round}`,
    });
    result.builds++;
    result.buildSeconds += build.seconds;
    const log = parseNixLog(build.output);
    const report: RoundReport = { built, mismatches: [], seconds: build.seconds };
    result.rounds.push(report);

    for (const m of log.mismatches) {
      const placeholderOf = placeholders.get(m.specified);
      const outcome = placeholderOf
        ? byName.get(placeholderOf)!
        : hashes.find((h) => h.new === m.specified);
      if (!outcome) {
        result.failure ??= {
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
      if (!placeholderOf) {
        result.failure ??= {
          kind: "non-reproducible",
          message: `${outcome.name} is not reproducible: one build gave ${outcome.new}, the next ` +
            `${m.got} (${m.drv ?? "unknown derivation"})`,
          drv: m.drv,
          logTail: [],
        };
        continue;
      }
      outcome.new = m.got;
      outcome.unchanged = sameHash(outcome.old, m.got);
      report.mismatches.push(outcome.name);
      // An unchanged hash keeps its own spelling (a legacy base32 literal is not rewritten as SRI).
      await writeHash(
        dir,
        specs.get(outcome.name)!,
        system,
        outcome.unchanged ? outcome.old : m.got,
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
          `nix-build timed out after ${config.build.timeout_seconds}s (build.timeout_seconds)`,
        drv: null,
        logTail: tail(build.output),
      };
      return result;
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
      const unused = hashes.filter((h) => h.new === null);
      if (build.exitCode === 0 && unused.length > 0) {
        // A literal no built derivation uses keeps its placeholder: never call that verified.
        result.failure = {
          kind: "unused-hash",
          message: `the build passed but never used ${
            unused.map((h) => `${h.name} (${h.file})`).join(", ")
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
        result.failure = await checkOutputHashes(options, await listing!, [...placeholders.keys()]);
        result.verified = result.failure === null;
        return result;
      }
      result.failure = {
        kind: "build",
        message:
          `nix-build exited ${build.exitCode} without a hash mismatch or a recognisable error`,
        drv: null,
        logTail: tail(build.output),
      };
      return result;
    }
  }
  result.failure = {
    kind: "no-convergence",
    message: `still finding mismatches after ${config.build.max_rounds} rounds (build.max_rounds)`,
    drv: null,
    logTail: [],
  };
  return result;
}

const FOD_LINE_RE = /^upgrade-bot-fod (\/\S+\.drv) (?:r:|text:)?(\w+) ([0-9a-f]+)$/gm;

/** Every fixed-output derivation the build evaluates with its outputHash (read from the .drv files
 * on the builder), for checkOutputHashes. */
function listFixedOutputs(options: HarvestOptions, expr: string): Promise<BuildResult> {
  const { config } = options;
  return options.builder.build({
    dir: options.dir,
    files: options.files,
    expr,
    args: config.build.args,
    timeoutSeconds: config.build.timeout_seconds,
    heartbeatSeconds: config.build.heartbeat_seconds,
    logFile: options.logFile,
    label: "hash check",
    listFixedOutputs: true,
  });
}

/** After a passing build: every literal holds a harvested hash, not a placeholder, and is the
 * evaluated `outputHash` of a fixed-output derivation in the built closure (`listing`, of the files
 * as they were built). A literal the build does not actually use as a hash, or uses only while it
 * holds its placeholder, fails here where the placeholder check cannot see it. */
async function checkOutputHashes(
  options: HarvestOptions,
  listing: BuildResult,
  placeholders: string[],
): Promise<HarvestFailure | null> {
  const { config, dir, system } = options;
  const fods = [...listing.output.matchAll(FOD_LINE_RE)].map((m) => ({
    drv: m[1],
    hash: `${m[2]}:${m[3]}`,
  }));
  const failure = (message: string): HarvestFailure => ({
    kind: "unverified-hash",
    message,
    drv: null,
    logTail: tail(listing.output),
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
  const current = await readHashes(dir, config, system);
  for (const h of current) {
    if (placeholders.some((p) => sameHash(p, h.old))) {
      problems.push(`${h.name} (${h.file}) still holds its placeholder`);
    } else if (!fods.some((f) => sameHash(h.old, f.hash))) {
      problems.push(
        `${h.name} (${h.file}) holds ${h.old}, which is the outputHash of no fixed-output ` +
          `derivation the build evaluated`,
      );
    }
  }
  if (problems.length === 0) return null;
  return failure(
    `the build passed, but not every hash was harvested: ${problems.join("; ")}. Nothing is ` +
      `verified until each literal is the outputHash its derivation evaluates to`,
  );
}

function tail(output: string): string[] {
  return renderNixLog(output).split("\n").filter((l) => l.trim() !== "").slice(-25);
}
