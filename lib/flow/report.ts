// Report: what a run did, in one type, and how people read it on stdout.
import type { ChainResult } from "../mikado/chain.ts";
import { seconds, timings } from "../runtime/log.ts";
import type { CommonOptions } from "./prepare.ts";
import { movedLine, type MovedTag, type TagRecord } from "../mikado/tagrecord.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import { upstreamText } from "../upstream/render.ts";

/** Everything a run did and found: built as the flow goes, printed as text and as the --json line,
 * and the source of the pull request's text and the /rebuild reply. */
export interface Report extends Omit<ChainResult, "commits"> {
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
  diff: string;
  logFile: string | null;
  pull: { number: number; url: string; title: string; body: string; action: string } | null;
  /** The version on the base branch when the run began. */
  baseVersion: string;
  /** The bot's open pull request as the run found it, before anything changed. */
  open: { number: number; url: string; title: string } | null;
  /** The bot's open pull request was closed: the base branch reached its version by other means. */
  closed: string | null;
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
  /** What changed upstream, per mirror (only when an upgrade is made on the forge). */
  upstream: MirrorChanges[];
  message: string;
  seconds: number;
}

export function newReport(o: CommonOptions, from: string, to: string): Report {
  return {
    package: o.config.package.name,
    version: { from, to },
    date: new Date().toISOString().slice(0, 10),
    upToDate: false,
    dryRun: o.dryRun,
    builder: o.noBuild ? "none" : o.builder,
    hashes: [],
    builds: 0,
    rounds: [],
    verified: false,
    failure: null,
    branch: null,
    commits: [],
    prerequisite: null,
    graph: "",
    mentions: [],
    diff: "",
    logFile: null,
    pull: null,
    waiting: [],
    newest: null,
    young: [],
    ahead: [],
    skipped: [],
    tags: [],
    moved: [],
    upstream: [],
    message: "",
    seconds: 0,
    buildSeconds: 0,
    baseVersion: from,
    open: null,
    closed: null,
  };
}

/** The --json line: the fields README documents (the diff is printed above it). */
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
    timings,
  });
}

/** The report as people read it on stdout (--json adds the machine-readable line). */
export function reportText(r: Report): string {
  const path = [
    ...r.moved.map(movedLine),
    ...r.skipped.length ? [`skips release series: ${r.skipped.join(", ")} (forced)`] : [],
    ...r.ahead.length ? [`ahead: next ${r.ahead.join(", then ")}`] : [],
  ];
  if (r.upToDate) return [...(r.closed ? [r.closed] : []), r.message, ...path].join("\n");
  const title = `${r.package} ${r.version.from} -> ${r.version.to}${r.dryRun ? " (dry run)" : ""}`;
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
