// Mikado cards: goal and prerequisite cards, changelog fragment and service-versions.yaml edits (pure).
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap } from "yaml";
import { InputError } from "./errors.ts";
import type { HashOutcome } from "./harvest.ts";

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
    printable(l).replace(/`{3,}/g, (run) => run.split("").join("\u200b"))
  );
  return ["```text", ...safe, "```"].join("\n");
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

/** The card again: the (edited) front matter between `---` lines, then the body unchanged. */
export function renderFrontMatter(fm: FrontMatter): string {
  return `---\n${fm.doc.toString(YAML_OUT)}---\n${fm.body}`;
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

/** The goal card for the `plan` commit: a new card, or an earlier one made active again. `path`
 * (where `existing` was read) only names the file in errors. */
export function planGoalCard(
  existing: string | null,
  facts: UpgradeFacts,
  requires: string[],
  path: string,
): string {
  const fm = existing === null ? newGoalCard(facts) : parseFrontMatter(existing, path);
  setKey(fm, "modified", facts.date, "title");
  setKey(fm, "status", "active", "modified");
  setKey(fm, "branch", `mikado/${facts.chain}`, "status");
  setKey(fm, "requires", fm.doc.createNode(requires), "branch");
  return renderFrontMatter(fm);
}

function newGoalCard(f: UpgradeFacts): FrontMatter {
  const title = `Upgrade ${f.package}`;
  const doc = new Document({ title, modified: f.date, tags: ["how-to", f.package, "nix"] });
  const body = `
# ${title}

Moves ${f.package}, built from source in ${mdCode(`${f.pkgDir}/`)}, to a new upstream release:
bump the version in ${mdCode(`${f.pkgDir}/sources.nix`)} and its copies, re-harvest the
fixed-output hashes, and verify the whole build. See [[build-${f.package}-from-source]] for how
the build works.

A build that fails for another reason than a hash mismatch gets a prerequisite card: fix it on
the branch, then comment \`/rebuild\` on the pull request.

## Upgrade history
`;
  return { doc, map: doc.contents as YAMLMap, body };
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

const HISTORY_HEADING = /^##[ \t]+Upgrade history[ \t]*$/i;

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
  return lines.join("\n") + "\n";
}

/** `a`, `a and b`, `a, b and c`. */
function listing(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

// ------------------------------------------------ service-versions.yaml --

/** Sets the service's `current-version`, changing only that value's text: the new value is spliced
 * over the old scalar's source range, written in the old scalar's style (plain, single or double
 * quoted), so comments, key order and every other byte stay as the user wrote them. */
export function updateServiceVersions(
  text: string,
  file: string,
  service: string,
  version: string,
): string {
  if (/[\r\n]/.test(version)) {
    throw new InputError(`${file}: version ${JSON.stringify(version)} spans lines`);
  }
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(`${file}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  if (!isSeq(doc.contents)) throw new InputError(`${file}: expected a list of services`);
  const entry = doc.contents.items.find((i) => {
    const name = isMap(i) ? i.get("name", true) : null;
    return isScalar(name) && name.value === service;
  });
  if (!isMap(entry)) throw new InputError(`${file}: no service named ${JSON.stringify(service)}`);
  const old = entry.get("current-version", true);
  if (!isScalar(old) || !old.range) {
    throw new InputError(
      `${file}: service ${JSON.stringify(service)} has no current-version value`,
    );
  }
  const quoted = old.type === Scalar.QUOTE_SINGLE || old.type === Scalar.QUOTE_DOUBLE;
  if (!quoted && old.type !== Scalar.PLAIN) {
    throw new InputError(
      `${file}: current-version of ${JSON.stringify(service)} is a block scalar; expected one line`,
    );
  }
  const next = new Scalar(version);
  next.type = old.type;
  // The stringifier falls back to quotes where a plain value would read back as something else.
  const value = new Document(next).toString(YAML_OUT).trimEnd();
  return text.slice(0, old.range[0]) + value + text.slice(old.range[1]);
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
