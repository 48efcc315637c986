// Mikado cards: goal and prerequisite cards, changelog fragment and service-versions.yaml edits (pure).
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap } from "yaml";
import { posix } from "node:path";
import { InputError } from "../runtime/errors.ts";
import type { HashOutcome } from "../harvest/rounds.ts";

/** What an upgrade found out, shared by the cards, the changelog and the pull request text. */
export interface UpgradeFacts {
  package: string;
  /** Stem of the goal card; the branch is `mikado/${chain}`. */
  chain: string;
  from: string;
  to: string;
  /** Today (YYYY-MM-DD), passed in so output is deterministic. */
  date: string;
  pkgDir: string;
  hashes: HashOutcome[];
}

/** A harvest failure that is not a hash mismatch. */
export interface BuildFailureFacts {
  drv: string | null;
  message: string;
  logTail: string[];
  kind: string;
}

export interface FrontMatter {
  doc: Document;
  map: YAMLMap;
  /** Everything after the closing `---` line, kept byte for byte. */
  body: string;
}

// The Mikado fields a chain adds to cards; finalize removes them all.
const MIKADO_KEYS = ["status", "requires", "branch"];

// Front matter is rewritten by the yaml library: no folding of long titles, and flow lists
// written the way people type them (`[a, b]`).
const YAML_OUT = { lineWidth: 0, flowCollectionPadding: false };

// ------------------------------------------------------------ markdown ----

/** Drops terminal escapes and control characters (log lines carry colours and `\r`). */
function printable(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
}

/** `s` on one line, printable: an untrusted value cannot start a new markdown block. */
export function oneLine(s: string): string {
  return printable(s.replace(/\r\n|\r|\n/g, " "));
}

/** An inline code span that no backtick or line break in `s` can end early. */
export function mdCode(s: string): string {
  const flat = oneLine(s);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  // CommonMark strips one space on each side, so padding keeps edge backticks apart from the fence.
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block of untrusted lines: runs of three or more backticks get zero-width spaces
 * between them, so no line can close the fence in any renderer. */
export function mdFence(lines: string[]): string {
  const safe = lines.flatMap((l) => l.split("\n")).map((l) =>
    expandTabs(printable(l))
      .replace(/`{3,}/g, (run) => run.split("").join("\u200b"))
      // The repository's link checks read `[[...]]` in code blocks too (`if [[ -f x ]]`).
      .replace(/\[\[/g, "[\u200b[")
  );
  return ["```text", ...safe, "```"].join("\n");
}

/** Tabs as spaces to the next multiple of 8: a log's `space, tab` indent is whitespace damage to
 * `git diff --check`. */
function expandTabs(s: string): string {
  let col = 0;
  return s.replace(/\t|[^\t]+/g, (part) => {
    if (part !== "\t") {
      col += part.length;
      return part;
    }
    const n = 8 - (col % 8);
    col += n;
    return " ".repeat(n);
  });
}

/** What the repository's hooks and `git diff --check` ask of every file: no spaces or tabs at the
 * end of a line, no blank lines at the end, exactly one final newline. */
export function tidyText(text: string): string {
  const stripped = text.replace(/[ \t]+(?=\r?\n|$)/g, "");
  let end = stripped.length;
  while (end > 0 && (stripped[end - 1] === "\n" || stripped[end - 1] === "\r")) end--;
  return stripped.slice(0, end) + "\n";
}

// ---------------------------------------------------------- front matter --

/** Splits a card into its YAML front matter (between `---` lines at the very top) and body. */
export function parseFrontMatter(text: string, path: string): FrontMatter {
  const m = /^---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) {
    throw new InputError(`${path}: no front matter (a --- line, YAML, a --- line at the top)`);
  }
  const doc = parseDocument(m[1] ?? "");
  if (doc.errors.length > 0) {
    throw new InputError(
      `${path}: front matter is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`,
    );
  }
  if (!isMap(doc.contents)) throw new InputError(`${path}: front matter is not a YAML mapping`);
  return { doc, map: doc.contents, body: text.slice(m[0].length) };
}

/** The card again: the (edited) front matter between `---` lines, then the body. Every card the
 * bot writes passes through here, so this is where it is tidied (`tidyText`): a card's lines,
 * log lines included, end without whitespace, and the file in exactly one newline. */
export function renderFrontMatter(fm: FrontMatter): string {
  return tidyText(`---\n${fm.doc.toString(YAML_OUT)}---\n${fm.body}`);
}

/** Sets `key`, keeping its place (and a scalar's quoting) if present, else adding it right after
 * `after` so new Mikado fields sit where the user's cards have them (below `modified`). */
function setKey(fm: FrontMatter, key: string, value: unknown, after: string): void {
  if (fm.map.has(key)) {
    fm.map.set(key, value);
    return;
  }
  const pair = fm.doc.createPair(key, value);
  const at = fm.map.items.findIndex((p) => isScalar(p.key) && p.key.value === after);
  if (at < 0) fm.map.items.push(pair);
  else fm.map.items.splice(at + 1, 0, pair);
}

// ------------------------------------------------------------- goal card --

/** The goal card for the `plan` commit: a new card, or an earlier one made active again. Its body
 * wiki-links every card in `requires` (a `## Prerequisites` list, kept after finalize as history),
 * so no prerequisite card is an orphan. `overview` is the stem of an existing card on how the
 * package is built, linked from a new card (null: there is none, and a link would be broken).
 * `path` (where `existing` was read) only names the file in errors. */
export function planGoalCard(
  existing: string | null,
  facts: UpgradeFacts,
  requires: string[],
  path: string,
  overview: string | null,
): string {
  const fm = existing === null ? newGoalCard(facts, overview) : parseFrontMatter(existing, path);
  setKey(fm, "modified", facts.date, "title");
  setKey(fm, "status", "active", "modified");
  setKey(fm, "branch", `mikado/${facts.chain}`, "status");
  setKey(fm, "requires", fm.doc.createNode(requires), "branch");
  fm.body = linkPrerequisites(fm.body, requires);
  return renderFrontMatter(fm);
}

function newGoalCard(f: UpgradeFacts, overview: string | null): FrontMatter {
  const title = `Upgrade ${f.package}`;
  const doc = new Document({ title, modified: f.date, tags: ["how-to", f.package, "nix"] });
  const see = overview === null ? "" : ` See [[${overview}]] for how\nthe build works.`;
  const body = `
# ${title}

Moves ${f.package}, built from source in ${mdCode(`${f.pkgDir}/`)}, to a new upstream release:
bump the version in ${mdCode(`${f.pkgDir}/sources.nix`)} and its copies, re-harvest the
fixed-output hashes, and verify the whole build.${see}

A build that fails for another reason than a hash mismatch gets a prerequisite card: fix it on
the branch, then comment \`/rebuild\` on the pull request.

## Upgrade history
`;
  return { doc, map: doc.contents as YAMLMap, body };
}

const PREREQUISITES_HEADING = /^##[ \t]+Prerequisites[ \t]*$/i;
const HISTORY_HEADING = /^##[ \t]+Upgrade history[ \t]*$/i;

/** Adds `- [[stem]]` to the `## Prerequisites` list for each stem the body does not link yet; the
 * section is made (before `## Upgrade history`, else at the end) when missing. */
function linkPrerequisites(body: string, requires: string[]): string {
  let lines = body.split("\n");
  for (const stem of requires) {
    if (wikiLinkTargets(lines.join("\n")).has(stem)) continue;
    const item = `- [[${stem}]]`;
    const section = markdownSections(lines).find((s) => PREREQUISITES_HEADING.test(s.title));
    if (section) {
      lines = insertListItem(lines, section, item);
      continue;
    }
    const history = markdownSections(lines).find((s) => HISTORY_HEADING.test(s.title));
    const block = ["## Prerequisites", "", item, ""];
    if (history) {
      const before = history.heading > 0 && lines[history.heading - 1].trim() !== "" ? [""] : [];
      lines.splice(history.heading, 0, ...before, ...block);
    } else {
      lines = [...trimTrailingBlank(lines), "", ...block];
    }
  }
  return lines.join("\n");
}

// --------------------------------------------------- markdown sections --

interface Section {
  /** The heading line as written, e.g. `## Authentik Source Build`. */
  title: string;
  /** Index of the heading line. */
  heading: number;
  /** Index of the line after the section (the next `#`/`##` heading, or the end). */
  end: number;
}

/** The `##` sections of a markdown text, given as lines; headings in fenced code do not count. */
function markdownSections(lines: string[]): Section[] {
  const out: Section[] = [];
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && line.trim() === f[1]) {
        fence = null;
      }
      return;
    }
    if (f) {
      fence = f[1];
      return;
    }
    if (/^#{1,2}[ \t]/.test(line)) {
      if (out.length > 0 && out[out.length - 1].end < 0) out[out.length - 1].end = i;
      if (line.startsWith("## ") || line.startsWith("##\t")) {
        out.push({ title: line.trimEnd(), heading: i, end: -1 });
      }
    }
  });
  if (out.length > 0 && out[out.length - 1].end < 0) out[out.length - 1].end = lines.length;
  return out;
}

const LIST_ITEM = /^([-*+]|\d+[.)])[ \t]/;

/** `item` after the last top-level item of the section's list (and that item's indented
 * continuation lines); a section without a list gets one after its last line of text. */
function insertListItem(lines: string[], section: Section, item: string): string[] {
  let last = -1;
  for (let i = section.heading + 1; i < section.end; i++) if (LIST_ITEM.test(lines[i])) last = i;
  if (last >= 0) {
    let at = last + 1;
    while (at < section.end && /^[ \t]+\S/.test(lines[at])) at++;
    const marker = /^[-*+]/.test(lines[last]) ? lines[last][0] : "-";
    return [...lines.slice(0, at), marker + item.slice(1), ...lines.slice(at)];
  }
  let text = section.end - 1;
  while (text > section.heading && lines[text].trim() === "") text--;
  const after = text + 1 < lines.length && lines[text + 1].trim() !== "" ? [""] : [];
  return [...lines.slice(0, text + 1), "", item, ...after, ...lines.slice(text + 1)];
}

function trimTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1].trim() === "") end--;
  return lines.slice(0, end);
}

// The repository's link checks: `[[target]]` or `[[target|shown]]`, inline code ignored.
const WIKILINK = /\[\[([^\]|]+)(\|[^\]]+)?\]\]/g;
const INLINE_CODE = /`[^`]+`/g;

/** The wiki-link targets of a text, read the way the repository's checks read them. */
export function wikiLinkTargets(text: string): Set<string> {
  const targets = new Set<string>();
  for (const line of text.split("\n")) {
    for (const m of line.replace(INLINE_CODE, "").matchAll(WIKILINK)) targets.add(m[1].trim());
  }
  return targets;
}

// --------------------------------------------------------- category index --

/** The category index that must link a doc (`docs/<category>/<category>.md` for a doc anywhere
 * under `docs/<category>/`), or null for a path outside such a category or the index itself. */
export function categoryIndexPath(docPath: string): string | null {
  const path = posix.normalize(docPath);
  const m = /^docs\/([^/]+)\/.+\.md$/.exec(path);
  if (!m) return null;
  const index = `docs/${m[1]}/${m[1]}.md`;
  return path === index ? null : index;
}

/** The category index with `- [[stem]]` added, unchanged when it links `stem` already. The link
 * goes at the end of the list of the `##` section linking the most of `siblings` (the other
 * cards of the same directory; the first such section on a tie), else into a section named after
 * the package (made at the end when missing). */
export function addToIndex(
  index: string,
  stem: string,
  siblings: string[],
  packageName: string,
): string {
  if (wikiLinkTargets(index).has(stem)) return index;
  const lines = index.split("\n");
  const sections = markdownSections(lines);
  const wanted = new Set(siblings.filter((s) => s !== stem));
  let best: Section | null = null;
  let most = 0;
  for (const section of sections) {
    const linked = wikiLinkTargets(lines.slice(section.heading, section.end).join("\n"));
    const count = [...linked].filter((t) => wanted.has(t)).length;
    if (count > most) [best, most] = [section, count];
  }
  const name = sectionName(packageName);
  best ??= sections.find((s) => s.title.slice(2).trim().toLowerCase() === name.toLowerCase()) ??
    null;
  const item = `- [[${stem}]]`;
  if (best) {
    const out = insertListItem(lines, best, item).join("\n");
    return out.endsWith("\n") ? out : `${out}\n`;
  }
  return `${trimTrailingBlank(lines).join("\n")}\n\n## ${name}\n\n${item}\n`;
}

/** `forgejo-runner` -> `Forgejo Runner`, the way the index names its sections. */
function sectionName(packageName: string): string {
  return oneLine(packageName).split(/[-_\s]+/).filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
}

// ---------------------------------------------------- prerequisite card --

const MAX_STEM = 60;

/** Lowercase `[a-z0-9-]`, no leading, trailing or doubled dashes. */
function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The derivation's name without store hash, `.drv` and version parts:
 * `/nix/store/<hash>-authentik-server-2026.5.0-go-modules.drv` -> `authentik-server-go-modules`. */
function component(drv: string, versions: string[]): string {
  let name = drv.slice(drv.lastIndexOf("/") + 1).replace(/\.drv$/, "").replace(
    /^[0-9a-z]{32}-/,
    "",
  );
  for (const v of versions) name = name.split(`-${v}`).join("");
  // Dash-separated parts starting with a digit are versions (as in Nix's parseDrvName).
  return slug(name.split("-").filter((p) => !/^\d/.test(p)).join("-"));
}

/** A new card recording a build failure, for a human to fix. */
export function prerequisiteCard(
  facts: UpgradeFacts,
  failure: BuildFailureFacts,
): { stem: string; text: string } {
  const what = failure.drv === null
    ? "evaluation"
    : component(failure.drv, [facts.to, facts.from]) || "build";
  const stem = `${slug(facts.chain)}-${what}`.slice(0, MAX_STEM).replace(/-+$/, "");
  const title = oneLine(`Fix ${what} for ${facts.package} ${facts.to}`);
  const doc = new Document({
    title,
    modified: facts.date,
    status: "active",
    tags: ["how-to", facts.package, "nix"],
  });
  const harvested = facts.hashes.filter((h) => h.new !== null);
  const pending = facts.hashes.filter((h) => h.new === null);
  const body = [
    "",
    `# ${title}`,
    "",
    `The upgrade [[${facts.chain}]] (${facts.package} ${mdCode(facts.from)} → ${
      mdCode(facts.to)
    }) stopped: a build failed for another reason than a hash mismatch (${mdCode(failure.kind)}).`,
    "",
    `Failing derivation: ${
      failure.drv === null ? "none (evaluation failed)" : mdCode(failure.drv)
    }`,
    "",
    mdFence([failure.message]),
    "",
    "## Build log",
    "",
    mdFence(failure.logTail),
    "",
    "## Harvested before the failure",
    "",
    ...bullets(
      harvested.map((h) =>
        `${mdCode(h.name)}: ${mdCode(h.new ?? "")}${h.unchanged ? " (unchanged)" : ""}`
      ),
    ),
    "",
    "## Still pending",
    "",
    ...bullets(pending.map((h) => mdCode(h.name))),
    "",
    "## What to do",
    "",
    `1. Fix the derivation on the branch ${mdCode(`mikado/${facts.chain}`)}.`,
    "2. Comment `/rebuild` on the pull request: the bot re-runs the harvest from the fixed branch.",
    "",
  ].join("\n");
  return { stem, text: renderFrontMatter({ doc, map: doc.contents as YAMLMap, body }) };
}

function bullets(items: string[]): string[] {
  return items.length === 0 ? ["- none"] : items.map((i) => `- ${i}`);
}

// ------------------------------------------------------ close, finalize --

/** The `close` verb: a leaf card is done once `status: active` is gone. */
export function closeCard(text: string, date: string, path: string): string {
  const fm = parseFrontMatter(text, path);
  fm.map.delete("status");
  setKey(fm, "modified", date, "title");
  return renderFrontMatter(fm);
}

/** The `finalize` verb: the card becomes historical documentation; the goal card also records
 * this upgrade in its history. */
export function finalizeCard(
  text: string,
  facts: UpgradeFacts,
  isGoal: boolean,
  path: string,
): string {
  const fm = parseFrontMatter(text, path);
  for (const key of MIKADO_KEYS) fm.map.delete(key);
  setKey(fm, "modified", facts.date, "title");
  if (isGoal) fm.body = addHistoryEntry(fm.body, historyEntry(facts));
  return renderFrontMatter(fm);
}

function historyEntry(f: UpgradeFacts): string[] {
  return [
    `- ${f.date}: ${mdCode(f.from)} → ${mdCode(f.to)}`,
    ...f.hashes.map((h) => {
      const others = h.otherSystems.map((o) => `${mdCode(o.system)} left at ${mdCode(o.value)}`);
      const notes = [...(h.unchanged ? ["unchanged"] : []), ...others];
      const value = h.new === null ? "not harvested" : mdCode(h.new);
      return `  - ${mdCode(h.name)} (${mdCode(h.file)}): ${value}` +
        (notes.length > 0 ? ` (${notes.join("; ")})` : "");
    }),
  ];
}

/** Puts the entry first under `## Upgrade history` (newest first), adding the section at the end
 * of the card if it has none. */
function addHistoryEntry(body: string, entry: string[]): string {
  const lines = body.split("\n");
  const h = lines.findIndex((l) => HISTORY_HEADING.test(l));
  if (h < 0) return `${body.trimEnd()}\n\n## Upgrade history\n\n${entry.join("\n")}\n`;
  let next = h + 1;
  while (next < lines.length && lines[next].trim() === "") next++;
  const rest = lines.slice(next);
  // Earlier entries continue the list; anything else (a heading, prose) needs a blank line.
  const gap = rest.length > 0 && !rest[0].startsWith("- ") ? [""] : [];
  return [...lines.slice(0, h + 1), "", ...entry, ...gap, ...(rest.length > 0 ? rest : [""])]
    .join("\n");
}

// ------------------------------------------------------------- changelog --

/** Flat towncrier fragment path: the repo's checks reject fragments in subfolders. */
export function changelogPath(chain: string): string {
  return `docs/changelog.d/mikado-${chain.replaceAll("/", "-")}.infra.md`;
}

/** The fragment's content, written at finalize (so after a verified build); an earlier unreleased
 * upgrade's line is kept and this one appended. */
export function changelogFragment(existing: string | null, facts: UpgradeFacts): string {
  const harvested = facts.hashes.filter((h) => !h.unchanged).map((h) => h.name);
  const unchanged = facts.hashes.filter((h) => h.unchanged).map((h) => h.name);
  const details = [
    ...(harvested.length > 0 ? [`re-harvested the ${listing(harvested)} hashes`] : []),
    ...(unchanged.length > 0 ? [`${listing(unchanged)} unchanged`] : []),
    "whole build verified",
  ];
  const line = oneLine(
    `Upgrade ${facts.package} from ${facts.from} to ${facts.to} (${details.join("; ")}).`,
  );
  const lines = (existing ?? "").split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
  if (!lines.includes(line)) lines.push(line);
  return tidyText(lines.join("\n"));
}

/** `a`, `a and b`, `a, b and c`. */
function listing(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

// ------------------------------------------------ service-versions.yaml --

/** Records the upgrade in the service's entry: `current-version` and `last-reviewed` (today).
 * The services are a top-level list or the list under a `services:` key (the repository's file
 * is a commented mapping). Only those two values' text changes: each new value is spliced over
 * the old scalar's source range, written in the old scalar's style (plain, single or double
 * quoted), so comments, key order and every other byte stay as the user wrote them. A version
 * recorded with a `v` prefix (`v2.17.0`) keeps it. */
export function updateServiceVersions(
  text: string,
  file: string,
  service: string,
  version: string,
  date: string,
): string {
  if (/[\r\n]/.test(version)) {
    throw new InputError(`${file}: version ${JSON.stringify(version)} spans lines`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new InputError(`${file}: review date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  }
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(`${file}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  const list = isMap(doc.contents) ? doc.contents.get("services", true) : doc.contents;
  if (!isSeq(list)) {
    throw new InputError(
      `${file}: no list of services (expected a top-level list or a "services:" key holding one)`,
    );
  }
  const entry = list.items.find((i) => {
    const name = isMap(i) ? i.get("name", true) : null;
    return isScalar(name) && name.value === service;
  });
  if (!isMap(entry)) throw new InputError(`${file}: no service named ${JSON.stringify(service)}`);
  const oldVersion = scalarOf(entry, "current-version", file, service);
  const oldDate = scalarOf(entry, "last-reviewed", file, service);
  const v = typeof oldVersion.value === "string" && /^v\d/.test(oldVersion.value) &&
      !version.startsWith("v")
    ? `v${version}`
    : version;
  // Splice the later value first so the earlier range still holds.
  const edits = [{ old: oldVersion, value: v }, { old: oldDate, value: date }]
    .sort((a, b) => b.old.range![0] - a.old.range![0]);
  let out = text;
  for (const { old, value } of edits) {
    const next = new Scalar(value);
    next.type = old.type;
    // The stringifier falls back to quotes where a plain value would read back as something else.
    const written = new Document(next).toString(YAML_OUT).trimEnd();
    const [from, to] = old.range!;
    // An empty value (`last-reviewed:` and nothing) has an empty range right after the colon.
    out = out.slice(0, from) + (from === to ? ` ${written}` : written) + out.slice(to);
  }
  return out;
}

/** The one-line scalar under `key` in a service's entry, or an error naming what is missing. */
function scalarOf(entry: YAMLMap, key: string, file: string, service: string): Scalar {
  const node = entry.get(key, true);
  if (!isScalar(node) || !node.range) {
    throw new InputError(
      `${file}: service ${JSON.stringify(service)} has no ${key} value`,
    );
  }
  const quoted = node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE;
  if (!quoted && node.type !== Scalar.PLAIN) {
    throw new InputError(
      `${file}: ${key} of ${JSON.stringify(service)} is a block scalar; expected one line`,
    );
  }
  return node;
}

// -------------------------------------------------------------- review --

/** Lines that still mention `version` as a whole token: not part of a longer number or version
 * (`12026.2.0`, `2026.2.01`, `2026.2.0.1`, `2026.2.0-rc1`), but prefixes like `v` or `v3.` count. */
export function versionMentions(
  files: { path: string; text: string }[],
  version: string,
): { path: string; line: number; text: string }[] {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const token = new RegExp(`(?<![0-9])${escaped}(?![0-9A-Za-z_]|[.+-][0-9A-Za-z])`);
  return files.flatMap(({ path, text }) =>
    text.split(/\r?\n/).flatMap((l, i) => token.test(l) ? [{ path, line: i + 1, text: l }] : [])
  );
}

// --------------------------------------------------------------- graph --

/** The chain as an ASCII tree, goal at the root. A card already shown with its prerequisites is
 * not expanded again, and a card requiring one of its ancestors is marked, so neither a cycle nor
 * a shared prerequisite can make the tree grow without bound. */
export function mikadoGraph(
  cards: { stem: string; requires: string[]; active: boolean }[],
  goal: string,
): string {
  const byStem = new Map(cards.map((c) => [c.stem, c]));
  const expanded = new Set<string>();
  const out: string[] = [];
  const visit = (stem: string, prefix: string, branch: string, path: string[]) => {
    const card = byStem.get(stem);
    const state = card === undefined ? "missing card" : card.active ? "active" : "done";
    const role = path.length === 0 ? "goal, " : "";
    let note = "";
    if (card !== undefined && card.requires.length > 0) {
      if (path.includes(stem)) note = " ← cycle";
      else if (expanded.has(stem)) note = " ← see above";
    }
    out.push(`${prefix}${branch}${stem} (${role}${state})${note}`);
    if (card === undefined || note !== "") return;
    expanded.add(stem);
    const inner = prefix + (branch === "" ? "" : branch === "└── " ? "    " : "│   ");
    card.requires.forEach((r, i) => {
      visit(r, inner, i === card.requires.length - 1 ? "└── " : "├── ", [...path, stem]);
    });
  };
  visit(goal, "", "", []);
  return out.join("\n");
}
