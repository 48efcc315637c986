// Harvest: every fixed-output hash collected, round after round, from nix-build; the verifying build.
import { join } from "node:path";
import type { Config } from "../runtime/config.ts";
import type { Builder, BuildResult } from "./builders/builder.ts";
import { drvName, renderNixLog } from "../nix/logread.ts";
import { type BuildFailure, parseNixLog } from "../nix/log.ts";
import { sameHash } from "../nix/hash.ts";
import { progress, seconds } from "../runtime/log.ts";
import { buildableSystems, parseMachines, renderBuilders } from "../nix/machines.ts";
import {
  type SystemTarget,
  systemTargetAttr,
  systemTargetExpr,
  whyNotInstantiable,
} from "../nix/persystem.ts";
import {
  type HashOutcome,
  placeholderFor,
  readHashes,
  resetHashes,
  type SystemOutcome,
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

/** A system target in a round's expression: its attribute and its Nix expression. */
export interface SystemTargets {
  targets: { attr: string; expr: string }[];
  /** The placeholders still in the files: a system target waits while a fixed-output derivation
   * it needs holds one (harvested on the builder's own system; building it again for another
   * system would only fetch the same output twice, one build waiting on the other's lock). */
  pending: string[];
}

/** The expression a round builds: the build file (all of it, or the attributes `build.verify`
 * names), any hash's own attribute, and each other system's instantiation of a per-system hash's
 * file, so one `nix-build -k` run reaches every FOD and reports every independent mismatch. */
export function buildExpression(config: Config, systems?: SystemTargets): string {
  const select = (path: string) => "t" + path.split(".").map((p) => `."${p}"`).join("");
  const extras = config.hashes.filter((h) => h.expr || h.attr).map((h) =>
    `  "hash-${h.name}" = ${h.expr ? `(${h.expr})` : select(h.attr!)};`
  );
  const perSystem = (systems?.targets ?? []).map((t) => `  "${t.attr}" = gate (${t.expr});`);
  const targets = config.build.verify.length > 0
    ? config.build.verify.map((v, i) => `  "verify-${i}" = ${select(v)};`)
    : null;
  const lines = [
    `let`,
    `  f = import ./${config.build.file};`,
    `  t = if builtins.isFunction f then f { } else f;`,
    // A file that is one derivation (default.nix) builds that; an attribute set, all of it.
    `  all = if t.type or null == "derivation" then { default = t; } else t;`,
    ...(perSystem.length > 0 ? gateLines(systems!.pending) : []),
    `in`,
    targets ? `{` : `all // {`,
    ...(targets ?? []),
    ...extras,
    ...perSystem,
    `}`,
  ];
  return lines.join("\n");
}

/** `gate d`: d, or nothing while a fixed-output derivation in its closure (found through the
 * derivations and lists of derivations among its attributes) other than d holds a placeholder. */
function gateLines(pending: string[]): string[] {
  return [
    `  pending = [ ${pending.map((p) => JSON.stringify(p)).join(" ")} ];`,
    `  drvsIn = v: if builtins.isAttrs v && v.type or null == "derivation" then [ v ]`,
    `    else if builtins.isList v then builtins.concatMap drvsIn v else [ ];`,
    `  closure = d: builtins.genericClosure {`,
    `    startSet = [ { key = d.drvPath; inherit d; } ];`,
    `    operator = i: map (d: { key = d.drvPath; inherit d; })`,
    `      (builtins.concatMap drvsIn (builtins.attrValues (i.d.drvAttrs or { })));`,
    `  };`,
    `  waits = d: builtins.any (i: i.key != d.drvPath`,
    `    && builtins.elem (i.d.drvAttrs.outputHash or null) pending) (closure d);`,
    `  gate = d: if waits d then { } else d;`,
  ];
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

/** Whose placeholder it is: a hash's entry for the builder's system (`system` null) or for another. */
interface Owner {
  name: string;
  system: string | null;
}

/** A hash's entry for `owner.system` (null: the builder's) in the harvest's outcomes. */
function entryOf(hashes: HashOutcome[], owner: Owner): HashOutcome | SystemOutcome {
  const h = hashes.find((h) => h.name === owner.name)!;
  return owner.system === null ? h : h.otherSystems.find((o) => o.system === owner.system)!;
}

const labelOf = (owner: Owner) =>
  owner.system === null ? owner.name : `${owner.name} (${owner.system})`;

/** Resets every hash to its own placeholder (an old hash whose output is in the store would be
 * silently reused), then builds until a round has no mismatch, writing each got hash back. Other
 * systems' entries of per-system hashes are harvested in the same rounds on machines that build
 * those systems (Nix's distributed builds), or left as they were and said why. */
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
  const placeholders = new Map<string, Owner>();
  for (const [i, h] of config.hashes.entries()) {
    placeholders.set(
      placeholderFor(h, hashes[i].old, await Deno.readTextFile(join(dir, h.file))),
      { name: h.name, system: null },
    );
  }
  let systemTargets = await planSystemTargets(options, hashes, placeholders);
  const builders = Object.keys(config.build.builders).length > 0
    ? ["--builders", renderBuilders(config.build.builders)]
    : [];
  const buildFileText = systemTargets.length > 0
    ? await Deno.readTextFile(join(dir, config.build.file))
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
  const pendingOwners = () => owners().filter((o) => entryOf(hashes, o).new === null);
  const expressionNow = () =>
    buildExpression(
      config,
      systemTargets.length === 0 ? undefined : {
        targets: systemTargets.map((t) => ({
          attr: systemTargetAttr(t),
          expr: systemTargetExpr(t, buildFileText),
        })),
        pending: [...placeholders].filter(([, o]) => entryOf(hashes, o).new === null).map((
          [p],
        ) => p),
      },
    );
  const verifyNames = targetsOf(config);
  const cores = await options.builder.cores();
  while (result.rounds.length < config.build.max_rounds) {
    const round = result.rounds.length + 1;
    const pending = pendingOwners().map(labelOf);
    const built = [...pending, ...verifyNames];
    const jobs = jobArgs(pending.length, config.build.max_jobs, cores);
    progress(
      `round ${round}: building ${built.join(", ")}${jobs.length ? ` (${jobs.join(" ")})` : ""}`,
    );
    const expr = expressionNow();
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
      args: [...jobs, ...builders, ...config.build.args],
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
          `nix-build timed out after ${config.build.timeout_seconds}s (build.timeout_seconds)`,
        drv: null,
        logTail: tail(build.output),
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

/** Decides, for each other system's entry of a per-system hash, whether it is harvested: its file
 * must be instantiable with that system's nixpkgs and some machine must build that system (config
 * `build.builders`, else the builder's nix.conf `builders`, or the builder itself). Writes each
 * harvested entry's own placeholder; the others are left as they were, with the reason. */
async function planSystemTargets(
  options: HarvestOptions,
  hashes: HashOutcome[],
  placeholders: Map<string, Owner>,
): Promise<SystemTarget[]> {
  const { config, dir } = options;
  if (!hashes.some((h) => h.otherSystems.length > 0)) return [];
  // A host that cannot say (a Nix without `nix show-config`) builds its own system only, and the
  // reason goes with every entry left stale for it.
  let unknown = "";
  const host = await options.builder.platforms().catch((e: Error) => {
    unknown = `the build host could not say which systems it builds: ${e.message}`;
    return { system: options.system, extraPlatforms: [], builders: "", machineFiles: new Map() };
  });
  const configured = Object.keys(config.build.builders).length > 0;
  const machines = configured
    ? parseMachines(renderBuilders(config.build.builders), new Map(), host.system)
    : parseMachines(host.builders, host.machineFiles, host.system);
  const buildable = buildableSystems(host, machines);
  const source = configured
    ? "config build.builders"
    : `the builder's nix.conf builders (${host.builders || "empty"})`;
  const targets: SystemTarget[] = [];
  for (const h of hashes.filter((h) => h.otherSystems.length > 0)) {
    const spec = config.hashes.find((s) => s.name === h.name)!;
    const fileText = await Deno.readTextFile(join(dir, h.file));
    const notInstantiable = whyNotInstantiable(h.file, fileText);
    for (const o of h.otherSystems) {
      const machine = buildable.get(o.system);
      if (notInstantiable) o.stale = `${notInstantiable}: cannot instantiate it for ${o.system}`;
      else if (!machine) {
        o.stale = `no machine builds ${o.system} (${unknown || `${source} names none`})`;
      }
      if (o.stale) {
        progress(`${h.name} for ${o.system}: left as it was, ${o.stale}`);
        continue;
      }
      const placeholder = placeholderFor(spec, o.old, fileText, o.system);
      await writeHash(dir, spec, o.system, placeholder);
      placeholders.set(placeholder, { name: h.name, system: o.system });
      targets.push({ name: h.name, file: h.file, system: o.system });
      progress(`${h.name} for ${o.system}: to be harvested on ${machine}`);
    }
  }
  return targets;
}

/** The systems of `targets` for which Nix found no machine that would take a derivation ("a
 * 'aarch64-linux' with features {} is required to build ..."): a machine that is down, or full. */
function unbuildableSystems(
  failures: BuildFailure[],
  targets: SystemTarget[],
): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of failures) {
    const wanted = /^a '([^']+)' with features \{[^}]*\} is required to build/.exec(f.message)?.[1];
    if (wanted && targets.some((t) => t.system === wanted)) found.set(wanted, f.message);
  }
  return found;
}

/** Puts the entries of `systems` back as they were, says why, and returns the targets left. */
async function leaveStale(
  options: HarvestOptions,
  hashes: HashOutcome[],
  targets: SystemTarget[],
  systems: Map<string, string>,
): Promise<SystemTarget[]> {
  for (const t of targets.filter((t) => systems.has(t.system))) {
    const entry = entryOf(hashes, t) as SystemOutcome;
    entry.new = null;
    entry.unchanged = false;
    entry.stale = `no machine took its build: ${systems.get(t.system)}`;
    progress(`${t.name} for ${t.system}: left as it was, ${entry.stale}`);
    const spec = options.config.hashes.find((s) => s.name === t.name)!;
    await writeHash(options.dir, spec, t.system, entry.old);
  }
  return targets.filter((t) => !systems.has(t.system));
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
  harvested: HashOutcome[],
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

function tail(output: string): string[] {
  return renderNixLog(output).split("\n").filter((l) => l.trim() !== "").slice(-25);
}
