// Report: what a run did, in one type, and how people read it on stdout.
import type { ChainResult } from "../mikado/chain.ts";
import { seconds } from "../runtime/log.ts";
import type { CommonOptions } from "./prepare.ts";

export interface Report {
  package: string;
  version: { from: string; to: string };
  /** Nothing to do: already at the version, or no new release, or its pull request is open. */
  upToDate: boolean;
  dryRun: boolean;
  builder: string;
  hashes: ChainResult["facts"]["hashes"];
  builds: number;
  rounds: ChainResult["rounds"];
  verified: boolean;
  failure: ChainResult["failure"];
  branch: string | null;
  commits: { sha: string | null; subject: string }[];
  prerequisite: string | null;
  diff: string;
  logFile: string | null;
  pull: { number: number; url: string; title: string; body: string; action: string } | null;
  /** Releases seen whose other mirrors lack their tag yet. */
  waiting: string[];
  message: string;
  seconds: number;
  buildSeconds: number;
}

export function emptyReport(o: CommonOptions, from: string, to: string): Report {
  return {
    package: o.config.package.name,
    version: { from, to },
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
    diff: "",
    logFile: null,
    pull: null,
    waiting: [],
    message: "",
    seconds: 0,
    buildSeconds: 0,
  };
}

/** Folds what a chain did into the report. */
export function absorb(report: Report, chain: ChainResult, logFile: string | null): void {
  Object.assign(report, {
    hashes: chain.facts.hashes,
    builds: chain.builds,
    rounds: chain.rounds,
    verified: chain.verified,
    failure: chain.failure,
    buildSeconds: chain.buildSeconds,
    commits: chain.commits,
    prerequisite: chain.prerequisite,
    logFile,
  });
}

/** The report as people read it on stdout (--json adds the machine-readable line). */
export function formatReport(r: Report): string {
  if (r.upToDate) return r.message;
  const title = `${r.package} ${r.version.from} -> ${r.version.to}${r.dryRun ? " (dry run)" : ""}`;
  const lines = [...(r.diff ? [r.diff] : []), title, "hashes:"];
  const width = Math.max(...r.hashes.map((h) => h.name.length));
  for (const h of r.hashes) {
    const state = h.new === null
      ? "not harvested"
      : h.unchanged
      ? `unchanged ${h.new}`
      : `${h.old} -> ${h.new}`;
    lines.push(`  ${h.name.padEnd(width)}  ${h.file}: ${state}`);
    for (const o of h.otherSystems) {
      lines.push(
        `  ${"".padEnd(width)}  left as it was for ${o.system}: ${o.value} (check it by hand)`,
      );
    }
  }
  lines.push(
    `builds: ${r.builds} nix-build runs on ${r.builder}, ${seconds(r.buildSeconds)} building, ` +
      `${seconds(r.seconds)} in all`,
  );
  lines.push(`verified: ${r.verified ? "yes, the whole build passes" : "no"}`);
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
  if (r.pull) {
    lines.push(`pull request: ${r.pull.action} ${r.pull.url || ""}`.trimEnd());
    if (r.dryRun) lines.push(`title: ${r.pull.title}`, "body:", r.pull.body);
  }
  return lines.join("\n");
}
