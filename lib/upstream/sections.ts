// Release notes (untrusted markdown) in sections, from their syntax tree, and which come first (pure).
import type { ReleaseNotes } from "./changes.ts";
import { parseMarkdown, plainText, tooDeep } from "./inert.ts";

/** One section of a notes file: its heading's text (null: what comes before the first) and its
 * whole markdown, heading included. */
export interface NotesSection {
  title: string | null;
  text: string;
}

/** The `##` sections of a notes text, read from its syntax tree (a heading in code or HTML is not
 * one; a `#` heading ends a section without starting one): what comes before the first is one
 * with a null title. A notes file's front matter (a Docusaurus header) is dropped; a forge
 * release's body has none, so its opening `---` is Markdown like the rest. A changelog's release
 * section (its own heading left out, lib/upstream/changelog.ts) is in sections of its shallowest
 * headings (Keep a Changelog's `### Added`, `### Security`). */
export function sections(markdown: string, source: ReleaseNotes["source"]): NotesSection[] {
  const text = source === "file"
    ? markdown.replace(/^---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/, "")
    : markdown;
  // Nested too deep to parse in good time: one section, which the renderer shows as code.
  if (tooDeep(text)) return text.trim() ? [{ title: null, text: text.trim() }] : [];
  const parts: { title: string | null; from: number; to: number }[] = [
    { title: null, from: 0, to: text.length },
  ];
  const headings = parseMarkdown(text).children.filter((n) => n.type === "heading");
  const depth = source === "changelog" ? Math.min(6, ...headings.map((h) => h.depth)) : 2;
  for (const node of headings) {
    if (node.depth > depth) continue;
    const at = node.position!.start.offset!;
    parts[parts.length - 1].to = Math.min(parts[parts.length - 1].to, at);
    if (node.depth === depth) {
      parts.push({ title: plainText(node).trim(), from: at, to: text.length });
    }
  }
  return parts.flatMap((p) => {
    const body = text.slice(p.from, p.to).trim();
    return body ? [{ title: p.title, text: body }] : [];
  });
}

/** Sections a reviewer must read before merging: breaking changes, upgrading, security. */
export function isImportant(title: string | null): boolean {
  return title !== null && /breaking|upgrad|security|migrat|cve-|ghsa-/i.test(title);
}
