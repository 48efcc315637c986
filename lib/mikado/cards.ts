// Mikado cards: the goal card (plan, history), prerequisite cards, and the close and finalize verbs (pure).
import { Document, YAMLMap } from "yaml";
import { join } from "node:path";
import type { PackageSpec } from "../runtime/config.ts";
import { InputError } from "../runtime/errors.ts";
import type { HashOutcome } from "../nix/hash.ts";
import {
  insertListItem,
  markdownSections,
  mdCode,
  mdFence,
  oneLine,
  trimTrailingBlank,
  wikiLinkTargets,
} from "./markdown.ts";
import { type FrontMatter, parseFrontMatter, renderFrontMatter, setKey } from "./front_matter.ts";
import { cardTags } from "../site/defaults.ts";

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

// The Mikado fields a chain adds to cards; finalize removes them all.
const MIKADO_KEYS = ["status", "requires", "branch"];

/** A card named in `requires:` is a file in the cards directory: a plain name, never a path. */
const CARD_STEM = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The `requires:` entries of a card's front matter (read from the branch: untrusted). An entry
 * that is not a plain card name (`../x`, `/etc/passwd`, `a/b`) could reach outside the clone
 * when joined into a path: it is an error naming the card, the field and the entry. */
export function requiredStems(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new InputError(`${path}: requires: must be a list of card names`);
  }
  return value.map((entry) => {
    const stem = String(entry);
    if (!CARD_STEM.test(stem) || stem.includes("..")) {
      throw new InputError(
        `${path}: requires: ${JSON.stringify(stem.slice(0, 200))} is not a card name ` +
          `(letters, digits, '.', '_' and '-'; no '/' or '..')`,
      );
    }
    return stem;
  });
}

export function goalCardPath(pkg: Pick<PackageSpec, "cards_dir" | "chain">): string {
  return join(pkg.cards_dir, `${pkg.chain}.md`);
}

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
  const doc = new Document({ title, modified: f.date, tags: cardTags(f.package) });
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
    tags: cardTags(facts.package),
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
      const others = h.otherSystems.map((o) =>
        o.stale !== null
          ? `${mdCode(o.system)} left at ${mdCode(o.old)}`
          : `${mdCode(o.system)}: ${o.new === null ? "not harvested" : mdCode(o.new)}`
      );
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
