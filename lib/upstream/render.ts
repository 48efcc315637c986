// What changed upstream, as the pull request's section (within a size budget) and as stdout lines (pure).
import type { DependencyChanges, MirrorChanges, ReleaseNotes } from "./changes.ts";
import type { PackageChange } from "./locks.ts";
import { isImportant, type NotesSection, sections } from "./sections.ts";
import { cutInert, inertHtmlText, inertMarkdown, inertText } from "./inert.ts";
import { linkTarget, mdCode } from "../mikado/markdown.ts";

/** Forgejo sets no limit on a pull request body that we could find; GitHub's is 65536
 * characters. The bot keeps the whole body under this, so either accepts it. */
export const BODY_LIMIT = 60_000;

/** More packages than this in one lock file are folded. */
const FOLD_AFTER = 15;

/** Notes longer than this are read only this far: twice what the whole body may hold. */
const MAX_NOTES = 2 * BODY_LIMIT;

/** Below this many characters, the folded rest of a notes file is only linked. */
const MIN_REST = 400;

/** A body whose lines (`lines`, given the upstream section's) stay within BODY_LIMIT: the
 * upstream section gets what the rest leaves. */
export function withUpstream(
  all: MirrorChanges[],
  lines: (upstream: string[]) => string[],
): string {
  const without = lines([]).join("\n");
  return lines(upstreamSection(all, BODY_LIMIT - without.length - 2)).join("\n");
}

/** The pull request's "What changed upstream" section in at most about `budget` characters:
 * compare links, commit counts and dependency changes first, then each notes entry's breaking,
 * upgrading and security sections in full, then the rest of each, folded and cut. */
export function upstreamSection(all: MirrorChanges[], budget: number): string[] {
  if (all.length === 0) return [];
  const head = ["### What changed upstream", ""];
  const parts = all.map((m) => ({
    m,
    top: [...mirrorHead(m), ...(m.notes.length ? ["Release notes:", ""] : [])],
    deps: dependencyLines(m.dependencies),
  }));
  const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
  let used = size(head) + parts.reduce((n, p) => n + size(p.top) + size(p.deps), 0);
  // Dependency lists that would take over half of the budget are shortened first.
  if (used > budget / 2) {
    for (const p of parts) p.deps = dependencyLines(p.m.dependencies, 5);
    used = size(head) + parts.reduce((n, p) => n + size(p.top) + size(p.deps), 0);
  }
  const entries = parts.reduce((n, p) => n + p.m.notes.length, 0);
  const share = Math.max(0, Math.floor((budget - used) / Math.max(1, entries)));
  return [
    ...head,
    ...parts.flatMap((p) => [
      ...p.top,
      ...p.m.notes.flatMap((n) => notesLines(n, share)),
      ...p.deps,
    ]),
  ];
}

function mirrorHead(m: MirrorChanges): string[] {
  const count = m.commits === null
    ? "commits not counted"
    : `${m.commits} commit${m.commits === 1 ? "" : "s"}`;
  return [
    `#### ${mdCode(m.repo)}: ${mdCode(m.from)} -> ${mdCode(m.to)}`,
    "",
    `[Compare ${mdCode(`${m.from}...${m.to}`)}](${linkTarget(m.compare)}): ${count}.`,
    "",
    ...(m.problems.length ? [...m.problems.map((p) => `- Not shown: ${inertText(p)}`), ""] : []),
  ];
}

/** One notes entry in about `share` characters: its important sections first and in full (cut
 * only when they alone are larger), the rest folded and cut, with a link to the whole. */
function notesLines(n: ReleaseNotes, share: number): string[] {
  const what = n.source === "release"
    ? `forge release ${mdCode(n.title)}`
    : n.source === "changelog"
    ? `its section of ${mdCode(n.title)} at the new tag`
    : `${mdCode(n.title)} at the new tag`;
  const head = [
    `##### ${n.releases.map(inertText).join(", ")}: ${what}`,
    "",
    `[The whole notes](${linkTarget(n.url)})`,
    "",
  ];
  // Parsing is linear but not cheap (tens of milliseconds a kilobyte): what could never be shown is not
  // read, and the cut is said.
  const long = n.text.length > MAX_NOTES;
  const text = long ? n.text.slice(0, n.text.lastIndexOf("\n", MAX_NOTES) + 1) : n.text;
  const parts = sections(text, n.source);
  // Each section on its own: one cannot leave a construct open over the next.
  const inert = (list: NotesSection[]) =>
    list.map((s) => inertMarkdown(s.text, { headingFloor: 6 })).join("\n\n");
  const important = inert(parts.filter((s) => isImportant(s.title)));
  const rest = parts.filter((s) => !isImportant(s.title));
  const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
  let room = share - size(head);
  const out = [...head];
  if (important) {
    const first = cutInert(important, room - size([CUT, ""]) - 2);
    const cut = first.cut || (long && rest.length === 0);
    out.push(first.text, "", ...(cut ? [CUT, ""] : []));
    room = share - size(out);
  }
  if (rest.length === 0) return out;
  const titles = rest.map((s) => s.title ?? "introduction").join(", ");
  const fold = [
    `<details><summary>Other sections: ${inertHtmlText(titles)}</summary>`,
    "",
    "</details>",
    "",
  ];
  const left = room - size(fold) - size([CUT, ""]) - 2;
  if (left < MIN_REST) {
    return [...out, `Other sections (${inertText(titles)}): in the whole notes.`, ""];
  }
  const body = cutInert(inert(rest), left);
  return [
    ...out,
    fold[0],
    "",
    body.text,
    "",
    ...(body.cut || long ? [CUT, ""] : []),
    ...fold.slice(2),
  ];
}

const CUT = "*(cut here: the rest is in the whole notes)*";

/** Each changed lock file's packages, under the hash it feeds; a list longer than FOLD_AFTER is
 * folded, and with `most` only that many are listed (the rest named by count). */
function dependencyLines(groups: DependencyChanges[], most?: number): string[] {
  if (groups.length === 0) return [];
  return [
    "Dependency changes:",
    "",
    ...groups.flatMap((g) => {
      const feeds = g.hash === null ? "" : `${mdCode(g.hash)} reads `;
      const items = g.changes.map(changeLine);
      const shown = most === undefined ? items : items.slice(0, most);
      const more = items.length - shown.length;
      const list = [...shown, ...(more > 0 ? [`- and ${more} more (see the compare view)`] : [])];
      const head = `${feeds}${mdCode(g.file)}: ${summary(g.changes)}`;
      return items.length > FOLD_AFTER && most === undefined
        ? [
          head,
          "",
          `<details><summary>${items.length} packages</summary>`,
          "",
          ...list,
          "",
          "</details>",
          "",
        ]
        : [head, "", ...list, ""];
    }),
  ];
}

function changeLine(c: PackageChange): string {
  if (c.from === null) return `- added ${mdCode(c.name)} ${mdCode(c.to!)}`;
  if (c.to === null) return `- removed ${mdCode(c.name)} ${mdCode(c.from)}`;
  return `- ${mdCode(c.name)} ${mdCode(c.from)} -> ${mdCode(c.to)}`;
}

function summary(changes: PackageChange[]): string {
  const count = (n: number, word: string) => n ? [`${n} ${word}`] : [];
  const added = changes.filter((c) => c.from === null).length;
  const removed = changes.filter((c) => c.to === null).length;
  return [
    ...count(changes.length - added - removed, "changed"),
    ...count(added, "added"),
    ...count(removed, "removed"),
  ].join(", ") || "no package changed";
}

/** The same facts as stdout lines, for people reading a run (a dry run prints the body too). */
export function upstreamText(all: MirrorChanges[]): string[] {
  return all.flatMap((m) => [
    `upstream ${m.repo} ${m.from}...${m.to}: ${
      m.commits === null ? "commits not counted" : `${m.commits} commits`
    } ${m.compare}`,
    ...m.notes.map((n) =>
      `  notes for ${n.releases.join(", ")}: ${
        n.source === "release"
          ? "forge release"
          : n.source === "changelog"
          ? `${n.title} section`
          : n.title
      } (${n.text.length} characters)`
    ),
    ...m.dependencies.map((g) =>
      `  ${g.hash ? `${g.hash} <- ` : ""}${g.file}: ${
        g.changes.map((c) => `${c.name} ${c.from ?? "(new)"} -> ${c.to ?? "(gone)"}`).join(", ")
      }`
    ),
    ...m.problems.map((p) => `  not read: ${p}`),
  ]);
}
