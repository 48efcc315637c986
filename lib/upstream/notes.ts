// Release notes (untrusted markdown): where a release's file is, its sections, made safe to embed and cut to size (pure).
import { markdownSections } from "../mikado/markdown.ts";

/** The placeholders a `release_notes` path pattern may use. */
export const NOTES_PLACEHOLDERS = ["version", "major", "minor", "patch", "year"];

/** The notes path of `version`: `{version}`, `{major}`, `{minor}`, `{patch}`, and `{year}`, the
 * first number of a calendar version (authentik's 2026.5.1: year 2026, minor 5). */
export function notesPath(pattern: string, version: string): string {
  const [major = "", minor = "", patch = ""] = version.split(/[.-]/);
  const values: Record<string, string> = { version, major, minor, patch, year: major };
  return pattern.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** One section of a notes file: its heading's text (null: what comes before the first) and its
 * whole markdown, heading included. */
export interface NotesSection {
  title: string | null;
  text: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$/;

/** The lines, each with whether it is inside a fenced code block (fence lines count as inside),
 * and the fence still open after the last line (null: none). */
function withFences(
  lines: string[],
): { lines: { line: string; code: boolean }[]; open: string | null } {
  let open: string | null = null;
  const marked = lines.map((line) => {
    const m = FENCE.exec(line);
    if (open === null) {
      // A backtick fence's info string may not hold backticks (CommonMark).
      if (m && !(m[1][0] === "`" && m[2].includes("`"))) open = m[1];
      return { line, code: open !== null };
    }
    if (m && m[1][0] === open[0] && m[1].length >= open.length && m[2].trim() === "") open = null;
    return { line, code: true };
  });
  return { lines: marked, open };
}

/** The `##` sections of a notes file (what comes before the first is one with a null title),
 * front matter dropped. */
export function sections(markdown: string): NotesSection[] {
  const lines = markdown.replace(/^---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/, "").split(/\r?\n/);
  const found = markdownSections(lines);
  const parts = [
    { title: null, from: 0, to: found[0]?.heading ?? lines.length },
    ...found.map((s) => ({
      title: s.title.replace(/^##[ \t]+/, "").trim(),
      from: s.heading,
      to: s.end,
    })),
  ];
  return parts.flatMap((p) => {
    const text = lines.slice(p.from, p.to).join("\n").trim();
    return text ? [{ title: p.title, text }] : [];
  });
}

/** Sections a reviewer must read before merging: breaking changes, upgrading, security. */
export function isImportant(title: string | null): boolean {
  return title !== null && /breaking|upgrad|security|migrat|cve-|ghsa-/i.test(title);
}

/** `markdown` made safe inside the pull request body: no raw HTML (every `<` outside code is
 * escaped, so nothing can close the `<details>` around it or hide what follows in a comment), no
 * mention or issue reference that would ping someone or close or link an issue of the target
 * repository (`@name`, `#12`, `fixes #12`), headings moved below `minLevel`'s parent, and every
 * code fence closed at the end. */
export function safeMarkdown(markdown: string, minLevel = 4): string {
  const { lines, open } = withFences(markdown.split(/\r?\n/));
  const out = lines.map(({ line, code }) => {
    if (code) return line;
    const heading = HEADING.exec(line);
    const escaped = escapeInline(line);
    if (!heading) return escaped;
    const level = Math.min(6, heading[1].length + minLevel - 1);
    return escaped.replace(/^ {0,3}#{1,6}/, "#".repeat(level));
  });
  if (open !== null) out.push(open);
  return out.join("\n");
}

/** Escapes outside inline code spans (whose text is literal already). */
function escapeInline(line: string): string {
  return line.split(/(`+[^`]*?`+)/).map((part, i) =>
    i % 2 === 1 && /^(`+)[^`]*\1$/.test(part) ? part : part
      .replace(/&(?!#?\w+;)/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      // References first: the mention's escape holds a `#` and a digit itself.
      .replace(/#(?=\d)/g, "#&#8203;")
      .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, "$1@&#8203;")
  ).join("");
}

/** `markdown` cut at a line boundary to at most `budget` characters, any open fence closed;
 * `cut` says whether anything was left out. */
export function cutMarkdown(markdown: string, budget: number): { text: string; cut: boolean } {
  if (markdown.length <= budget) return { text: markdown, cut: false };
  // Room for a closing fence (a fence longer than that is cut further).
  const end = markdown.lastIndexOf("\n", Math.max(0, budget - 12));
  let kept = markdown.slice(0, Math.max(0, end));
  const { open } = withFences(kept.split("\n"));
  if (open !== null) kept = `${kept}\n${open}`;
  return { text: kept, cut: true };
}
