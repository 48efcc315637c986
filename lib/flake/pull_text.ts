// A flake update's texts: the pull request's title and body (inputs moved, the systems' closure diff, a failed build), the changelog line (pure).
import { linkTarget, mdCode, mdFence, oneLine } from "../mikado/markdown.ts";
import { withFragmentLine } from "../mikado/changelog.ts";
import { draftTitle } from "../platform/forge.ts";
import type { InputMove } from "./lock.ts";
import { type ClosureChange, countKinds, kindOf, largestFirst, sizeText } from "./closures.ts";

/** Upstream's words (commit subjects, package names and versions, log lines) reach the body only
 * through these: one call site, so the Markdown renderer can be swapped in one place. */
const untrusted = {
  code: (s: string) => mdCode(s),
  /** In a table cell: a `|` would end the cell even inside a code span (GFM). */
  cell: (s: string) => mdCode(s).replaceAll("|", "\\|"),
  block: (lines: string[]) => mdFence(lines),
  link: (url: string) => linkTarget(url),
};

/** One built output, before and after the update. */
export interface OutputDiff {
  /** The attribute path built (`nixosConfigurations.ringtail.config.system.build.toplevel`). */
  attr: string;
  /** What `nix store diff-closures` said; null: one of the builds failed. */
  changes: ClosureChange[] | null;
  /** Closure sizes in bytes (nix path-info -S); null: not built. */
  sizeBefore: number | null;
  sizeAfter: number | null;
}

/** A build that failed: the derivation Nix names and the tail of its log. */
export interface FlakeBuildFailure {
  attr: string;
  /** Which lock it was: the base's or the updated one. */
  when: "before" | "after";
  drv: string | null;
  message: string;
  logTail: string[];
}

export interface FlakeFacts {
  package: string;
  /** The flake's directory (`nixos/ringtail`). */
  dir: string;
  lockFile: string;
  moved: InputMove[];
  /** Inputs left alone and why (follows, pinned). */
  kept: { name: string; why: string }[];
  /** Inputs whose upstream has a newer release branch than the one flake.nix follows. */
  newerBranches: { name: string; ref: string; newer: string }[];
  outputs: OutputDiff[];
  failure: FlakeBuildFailure | null;
  /** Service entries moved with a package of the closure. */
  services: { service: string; pkg: string; from: string | null; to: string }[];
  builder: string;
  buildSeconds: number;
  /** Closure lines shown before the rest is folded. */
  maxLines: number;
}

/** `Update ringtail flake inputs`, as the repository words its hand-made updates. */
export function flakeTitle(f: Pick<FlakeFacts, "dir" | "failure">): string {
  const title = `Update ${f.dir.split("/").at(-1)} flake inputs`;
  return f.failure ? draftTitle(title) : title;
}

/** The changelog fragment's line. */
export function flakeChangelog(f: FlakeFacts, existing: string | null = null): string {
  const inputs = f.moved.map((m) => `${m.name} ${m.to.slice(0, 7)}`).join(", ");
  const services = f.services.map((s) => `${s.service} ${s.to}`);
  const line = oneLine(
    `Update ${f.dir.split("/").at(-1)} flake inputs (${inputs})` +
      (services.length ? `; ${services.join(", ")}` : "") + ".",
  );
  // The fragment's name is the branch's, the same every week: an earlier update's entry that is
  // not released yet stays beside this one.
  return withFragmentLine(existing, line);
}

/** The pull request's body. */
export function flakeBody(f: FlakeFacts): string {
  const lines = [
    `Updates the inputs of ${untrusted.code(f.lockFile)} (the repository's C1 change). ` +
    `Nothing is provisioned by the bot: the host takes the new lock when it is merged and ` +
    `provisioned.`,
    "",
    "### Inputs",
    "",
    "| Input | Branch | From | To | Commits |",
    "| --- | --- | --- | --- | --- |",
    ...f.moved.map(inputRow),
    "",
  ];
  for (const k of f.kept) lines.push(`- ${untrusted.code(k.name)} not moved: ${k.why}.`);
  for (const b of f.newerBranches) {
    lines.push(
      `- ${untrusted.code(b.name)} follows ${untrusted.code(b.ref)}; a newer release branch ` +
        `${untrusted.code(b.newer)} exists. Moving to it is a person's change in flake.nix.`,
    );
  }
  if (f.kept.length || f.newerBranches.length) lines.push("");
  lines.push("### What changes in the system", "");
  if (f.failure) lines.push(...failureLines(f.failure), "");
  for (const o of f.outputs) lines.push(...outputLines(o, f.maxLines), "");
  if (f.services.length) {
    lines.push("### Service versions", "");
    for (const s of f.services) {
      lines.push(
        `- ${untrusted.code(s.service)}: ${untrusted.code(s.pkg)} ` +
          `${untrusted.code(s.from ?? "unknown")} -> ${untrusted.code(s.to)} ` +
          `(\`current-version\` and \`last-reviewed\` in service-versions.yaml).`,
      );
    }
    lines.push("");
  }
  lines.push(
    `Built on ${untrusted.code(f.builder)} before and after the update: ` +
      `${f.buildSeconds.toFixed(1)}s of builds.`,
  );
  return lines.join("\n");
}

function inputRow(m: InputMove): string {
  const rev = (r: string, date: string | null) =>
    `${untrusted.cell(r.slice(0, 12))}${date ? ` (${date})` : ""}`;
  const count = m.commits === null
    ? "not counted"
    : `${m.commits} commit${m.commits === 1 ? "" : "s"}`;
  const commits = m.compare ? `[${count}](${untrusted.link(m.compare)})` : count;
  return `| ${untrusted.cell(m.name)} | ${untrusted.cell(m.ref ?? "default branch")} | ` +
    `${rev(m.from, m.fromDate)} | ${rev(m.to, m.toDate)} | ${commits} |`;
}

function failureLines(f: FlakeBuildFailure): string[] {
  return [
    `**The build ${f.when} the update failed** (${untrusted.code(f.attr)}), so this pull ` +
    `request is a draft: ${untrusted.code(f.message)}`,
    "",
    ...(f.drv ? [`Failing derivation: ${untrusted.code(f.drv)}`, ""] : []),
    ...(f.logTail.length ? ["The log's last lines:", "", untrusted.block(f.logTail)] : []),
  ];
}

function outputLines(o: OutputDiff, max: number): string[] {
  const head = `#### ${untrusted.code(o.attr)}`;
  if (o.changes === null) return [head, "", "Not compared: a build failed."];
  const size = o.sizeBefore !== null && o.sizeAfter !== null
    ? `closure ${sizeText(o.sizeBefore).slice(1)} -> ${sizeText(o.sizeAfter).slice(1)} ` +
      `(${sizeText(o.sizeAfter - o.sizeBefore)})`
    : "closure size unknown";
  const n = countKinds(o.changes);
  const summary = `${size}; ${n.added} added, ${n.removed} removed, ${n.changed} changed.`;
  if (o.changes.length === 0) return [head, "", `${summary} No package changed.`];
  const rows = largestFirst(o.changes).map(changeRow);
  const table = (
    r: string[],
  ) => ["| Package | | Before | After | Size |", "| --- | --- | --- | --- | ---: |", ...r];
  const shown = rows.slice(0, max);
  const rest = rows.slice(max);
  return [
    head,
    "",
    summary,
    "",
    ...table(shown),
    ...(rest.length
      ? [
        "",
        `<details><summary>${rest.length} more</summary>`,
        "",
        ...table(rest),
        "",
        "</details>",
      ]
      : []),
  ];
}

function changeRow(c: ClosureChange): string {
  const v = (vs: string[]) => vs.length ? untrusted.cell(vs.map((x) => x || "ε").join(", ")) : "∅";
  const size = c.kib === null ? "" : `${c.kib > 0 ? "+" : ""}${c.kib.toFixed(1)} KiB`;
  return `| ${untrusted.cell(c.name)} | ${kindOf(c)} | ${v(c.from)} | ${v(c.to)} | ${size} |`;
}
