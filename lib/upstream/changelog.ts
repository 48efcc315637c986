// A mirror's changelog file: which file it is, and the sections of the releases an upgrade crosses, found by their headings (pure).
import type { Heading } from "mdast";
import type { ReleaseNotes } from "./changes.ts";
import { parseMarkdown, plainText, tooDeep } from "./inert.ts";

/** The changelog files looked for at the new tag, in this order: the first one there is read. */
export const CHANGELOG_FILES = ["CHANGELOG.md", "CHANGES.md", "CHANGELOG"];

/** Read no further than this many characters from where the first crossed release's heading is:
 * parsing costs tens of milliseconds a kilobyte, and the body holds less than half of it. */
export const MAX_CHANGELOG = 120_000;

/** One release's section of a changelog: what its heading heads, the heading left out. */
export interface ChangelogSection {
  version: string;
  /** The heading's text, as upstream wrote it (untrusted). */
  heading: string;
  /** The section's Markdown below its heading, up to the next heading as deep or shallower. */
  text: string;
}

/** Whether a heading's text names `version`: the version (a `v` before it allowed) not inside a
 * longer one (`3.7.0` is not named by `13.7.0`, `3.7.0.1` or `3.7.0-rc.1`). */
export function namesVersion(heading: string, version: string): boolean {
  const v = version.replace(/^v/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![0-9A-Za-z.])v?${v}(?![.+-]?[0-9A-Za-z])`).test(heading);
}

interface Found {
  depth: number;
  from: number;
  to: number;
  heading: string;
}

/** The sections of `versions` in `markdown`, newest first as `versions` are given. A release's
 * heading is the shallowest heading naming it (the first of those), at the top level of the
 * syntax tree (one in code, a quote or a list is none); its section runs to the next heading as
 * deep or shallower. A version no heading names has no section. Only the part from the first such
 * heading, as lines tell, to the heading after the last is parsed, at most MAX_CHANGELOG
 * characters (`cut` says the last section was cut there). */
export function changelogSections(
  markdown: string,
  versions: string[],
): { sections: ChangelogSection[]; cut: boolean } {
  const window = candidateWindow(markdown, versions);
  if (window === null) return { sections: [], cut: false };
  const { text, cut } = window;
  if (tooDeep(text)) return { sections: [], cut };
  const headings = parseMarkdown(text).children.filter((n): n is Heading => n.type === "heading");
  const found = headingsOf(
    headings.map((h) => ({
      depth: h.depth,
      from: h.position!.start.offset!,
      to: h.position!.end.offset!,
      heading: plainText(h).trim(),
    })),
    versions,
    text.length,
  );
  return {
    sections: found.flatMap(({ version, at }) => {
      const body = text.slice(at.to, at.end).trim();
      return body ? [{ version, heading: at.heading, text: body }] : [];
    }),
    cut,
  };
}

/** The notes of a changelog file (`file.path` at `file.tag`) for the crossed releases, newest
 * first (`versions[0]` the new one): one entry per release with a section, and what is missing or
 * cut, said. */
export function changelogNotes(
  markdown: string,
  file: { path: string; url: string; tag: string },
  versions: string[],
): { notes: ReleaseNotes[]; problems: string[] } {
  const found = changelogSections(markdown, versions);
  const problems = [
    ...(found.sections.some((s) => s.version === versions[0])
      ? []
      : [`${file.path} at ${file.tag} has no section headed ${versions[0]}`]),
    ...(found.cut
      ? [
        `${file.path}: only ${MAX_CHANGELOG} characters from the first crossed release's heading read`,
      ]
      : []),
  ];
  return {
    notes: found.sections.map((s) => ({
      releases: [s.version],
      source: "changelog" as const,
      title: file.path,
      url: file.url,
      text: s.text,
    })),
    problems,
  };
}

/** For each version (in order), its heading among `all` (in document order) and where its
 * section ends. */
function headingsOf(
  all: Found[],
  versions: string[],
  length: number,
): { version: string; at: Found & { end: number } }[] {
  return versions.flatMap((version) => {
    const naming = all.filter((h) => namesVersion(h.heading, version));
    if (naming.length === 0) return [];
    const depth = Math.min(...naming.map((h) => h.depth));
    const at = naming.find((h) => h.depth === depth)!;
    const next = all.find((h) => h.from > at.from && h.depth <= at.depth);
    return [{ version, at: { ...at, end: next?.from ?? length } }];
  });
}

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^[ \t]*(`{3,}|~{3,})/;

/** The part of `markdown` worth parsing, as its lines tell: from the line of the first heading
 * naming one of `versions` to the heading after the last one's section, cut at a line within
 * MAX_CHANGELOG characters. Null: no heading line names any. */
function candidateWindow(
  markdown: string,
  versions: string[],
): { text: string; cut: boolean } | null {
  const lines: Found[] = [];
  let at = 0;
  // The fence of the code block the line is in: a `# comment` there is no heading.
  let fence: string | null = null;
  const all = markdown.split("\n");
  for (const [i, raw] of all.entries()) {
    const line = raw.replace(/\r$/, "");
    const atx = ATX.exec(line);
    const next = (all[i + 1] ?? "").replace(/\r$/, "");
    const opens = FENCE.exec(line)?.[1] ?? null;
    if (fence !== null) {
      if (
        opens?.[0] === fence[0] && opens.length >= fence.length &&
        !/\S/.test(line.slice(line.indexOf(opens) + opens.length))
      ) fence = null;
    } else if (opens !== null) {
      fence = opens;
    } else if (atx) {
      lines.push({ depth: atx[1].length, from: at, to: at + line.length, heading: atx[2] ?? "" });
    } else if (line.trim() && SETEXT.test(next) && !SETEXT.test(line)) {
      lines.push({
        depth: next.trim().startsWith("=") ? 1 : 2,
        from: at,
        to: at + line.length,
        heading: line,
      });
    }
    at += raw.length + 1;
  }
  const found = headingsOf(lines, versions, markdown.length);
  if (found.length === 0) return null;
  const from = Math.min(...found.map((f) => f.at.from));
  const to = Math.max(...found.map((f) => f.at.end));
  if (to - from <= MAX_CHANGELOG) return { text: markdown.slice(from, to), cut: false };
  const end = markdown.lastIndexOf("\n", from + MAX_CHANGELOG);
  return { text: markdown.slice(from, end > from ? end : from + MAX_CHANGELOG), cut: true };
}
