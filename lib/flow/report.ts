// Report: what a run did, in one type built once from its phases' results, and how people read it.
import type { Settings } from "../runtime/config.ts";
import { phaseTimings, seconds } from "../runtime/log.ts";
import type { PathFacts, UpgradeResult } from "./context.ts";
import { movedLine, type MovedTag, type TagRecord } from "../mikado/tag_record.ts";
import { upstreamText } from "../upstream/render.ts";
import { pinLeftLine, pinTiedLine } from "../docker/commit_pins.ts";

/** Everything a run did and found: printed as text and as the --json line, and the source of the
 * /rebuild reply. */
export interface Report extends Omit<UpgradeResult, "commits"> {
  package: string;
  version: { from: string; to: string };
  /** Today, YYYY-MM-DD: the date the cards and the history entry carry. */
  date: string;
  /** Nothing to do: already at the version, or no new release, or its pull request is open. */
  upToDate: boolean;
  dryRun: boolean;
  builder: string;
  branch: string | null;
  /** A dry run's commits have no sha: they were made in a scratch copy. */
  commits: { sha: string | null; subject: string }[];
  /** The version on the base branch when the run began. */
  baseVersion: string;
  /** The bot's open pull request as the run found it, before anything changed. */
  open: { number: number; url: string; title: string } | null;
  /** The bot's open pull request was closed: the base branch reached its version by other means. */
  closed: string | null;
  /** Seconds by phase: the run's (Deno's start) and this package's own (lib/runtime/log.ts). */
  timings: Record<string, number>;
  /** Releases seen whose other mirrors lack their tag yet, or too young (min_release_age). */
  waiting: string[];
  /** The newest release above the base's version on the package's own mirror, ready or not
   * (null: none, or not looked for). */
  newest: string | null;
  /** Those younger than min_release_age, with their age. */
  young: { version: string; age: string }[];
  /** The newest release of each later series: the steps still ahead on the upgrade path. */
  ahead: string[];
  /** Series a forced --version skips on a stepwise path, each as its newest release. */
  skipped: string[];
  /** Each mirror's tag of the target and the commit it named when harvested. */
  tags: TagRecord[];
  /** Tags of the open pull request's version that name another commit than harvested. */
  moved: MovedTag[];
  message: string;
  seconds: number;
}

/** What a run found around the upgrade: the versions, and why there was nothing to do. */
export interface RunFacts {
  package: string;
  from: string;
  to: string;
  date: string;
  baseVersion?: string;
  branch?: string | null;
  closed?: string | null;
  /** The bot's open pull request as the run found it. */
  open?: Report["open"];
  waiting?: string[];
  newest?: string | null;
  young?: Report["young"];
  /** Where the target stands on the upgrade path, and the tags it is harvested from. */
  path?: PathFacts;
  moved?: MovedTag[];
  /** Set when there was nothing to do: why. */
  upToDate?: string;
  /** When the run began (performance.now()). */
  began: number;
}

/** The builder as the report names it: none with --no-build. */
export function builderName(settings: Settings): string {
  return settings.noBuild ? "none" : settings.builder;
}

/** Today, YYYY-MM-DD. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The report, once: the run's facts and the upgrade's result (null: nothing was upgraded). */
export function makeReport(
  settings: Settings,
  facts: RunFacts,
  result: UpgradeResult | null,
): Report {
  return {
    package: facts.package,
    version: { from: facts.from, to: facts.to },
    date: facts.date,
    upToDate: facts.upToDate !== undefined,
    dryRun: settings.dryRun,
    builder: builderName(settings),
    hashes: result?.hashes ?? [],
    builds: result?.builds ?? 0,
    rounds: result?.rounds ?? [],
    verified: result?.verified ?? false,
    failure: result?.failure ?? null,
    branch: facts.branch ?? null,
    // A dry run's commits were made in a scratch copy (or never pushed): no sha to show.
    commits: (result?.commits ?? []).map((c) =>
      settings.dryRun ? { sha: null, subject: c.subject } : c
    ),
    prerequisite: result?.prerequisite ?? null,
    graph: result?.graph ?? "",
    mentions: result?.mentions ?? [],
    pins: result?.pins ?? [],
    diff: result?.diff ?? "",
    logFile: result?.logFile ?? null,
    pull: result?.pull ?? null,
    upstream: result?.upstream ?? [],
    waiting: facts.waiting ?? [],
    newest: facts.newest ?? null,
    young: facts.young ?? [],
    ahead: facts.path?.ahead ?? [],
    skipped: facts.path?.skipped ?? [],
    tags: facts.path?.tags ?? [],
    moved: facts.moved ?? [],
    message: facts.upToDate ?? "",
    seconds: (performance.now() - facts.began) / 1000,
    buildSeconds: result?.buildSeconds ?? 0,
    timings: phaseTimings(),
    baseVersion: facts.baseVersion ?? facts.from,
    open: facts.open ?? null,
    closed: facts.closed ?? null,
  };
}

/** The --json line: the fields docs/commands.md documents (the diff is printed above it). */
export function reportJson(r: Report): string {
  return JSON.stringify({
    package: r.package,
    version: r.version,
    upToDate: r.upToDate,
    dryRun: r.dryRun,
    builder: r.builder,
    hashes: r.hashes,
    builds: r.builds,
    rounds: r.rounds,
    verified: r.verified,
    failure: r.failure,
    branch: r.branch,
    commits: r.commits,
    prerequisite: r.prerequisite,
    pins: r.pins,
    logFile: r.logFile,
    pull: r.pull,
    waiting: r.waiting,
    young: r.young,
    ahead: r.ahead,
    skipped: r.skipped,
    tags: r.tags,
    moved: r.moved,
    upstream: r.upstream,
    closed: r.closed,
    message: r.message,
    seconds: r.seconds,
    buildSeconds: r.buildSeconds,
    timings: r.timings,
  });
}

/** The report as people read it on stdout (--json adds the machine-readable line); `written`:
 * the package's versions as its files write them (an image's `18.4`: lib/images/tags.ts). */
export function reportText(r: Report, written: (version: string) => string = (v) => v): string {
  const path = [
    ...r.moved.map(movedLine),
    ...r.skipped.length ? [`skips release series: ${r.skipped.join(", ")} (forced)`] : [],
    ...r.ahead.length ? [`ahead: next ${r.ahead.join(", then ")}`] : [],
  ];
  if (r.upToDate) return [...(r.closed ? [r.closed] : []), r.message, ...path].join("\n");
  const title = `${r.package} ${written(r.version.from)} -> ${written(r.version.to)}` +
    (r.dryRun ? " (dry run)" : "");
  const lines = [...(r.diff ? [r.diff] : []), title, "hashes:"];
  const width = Math.max(...r.hashes.map((h) => h.name.length));
  const state = (h: { old: string; new: string | null; unchanged: boolean }) =>
    h.new === null ? "not harvested" : h.unchanged ? `unchanged ${h.new}` : `${h.old} -> ${h.new}`;
  for (const h of r.hashes) {
    lines.push(`  ${h.name.padEnd(width)}  ${h.file}: ${state(h)}`);
    for (const o of h.otherSystems) {
      lines.push(
        `  ${"".padEnd(width)}  for ${o.system}: ` +
          (o.stale === null ? state(o) : `left stale at ${o.old}, check it by hand: ${o.stale}`),
      );
    }
  }
  lines.push(
    `builds: ${r.builds} nix-build runs on ${r.builder}, ${seconds(r.buildSeconds)} building, ` +
      `${seconds(r.seconds)} in all`,
  );
  lines.push(`verified: ${r.verified ? "yes, the whole build passes" : "no"}`);
  lines.push(...r.pins.map((p) => p.left === null ? pinTiedLine(p) : pinLeftLine(p)));
  lines.push(...upstreamText(r.upstream));
  if (r.logFile) lines.push(`log: ${r.logFile}`);
  if (r.branch) lines.push(`branch: ${r.branch}`);
  for (const c of r.commits) {
    lines.push(`  ${c.sha ? c.sha.slice(0, 10) : "(would commit)"} ${c.subject}`);
  }
  if (r.failure) {
    lines.push(`FAILED (${r.failure.kind}): ${r.failure.message}`);
    if (r.failure.logTail.length) {
      lines.push("last lines of its log:", ...r.failure.logTail.map((l) => `  > ${l}`));
    }
    if (r.prerequisite) lines.push(`planned prerequisite card: ${r.prerequisite}`);
  }
  if (r.closed) lines.push(r.closed);
  lines.push(...path);
  if (r.pull) {
    lines.push(`pull request: ${r.pull.action} ${r.pull.url || ""}`.trimEnd());
    if (r.dryRun) lines.push(`title: ${r.pull.title}`, "body:", r.pull.body);
  }
  return lines.join("\n");
}
