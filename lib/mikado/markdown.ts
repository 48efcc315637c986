// Markdown the bot writes: safe code spans and fences, tidy files, sections, list items, wiki-links.

/** Drops terminal escapes and control characters (log lines carry colours and `\r`). */
export function printable(s: string): string {
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

/** A link destination in `<...>`, which may hold spaces and parentheses; only `<`, `>` and line
 * breaks could end it, so those are percent-encoded. */
export function linkTarget(url: string): string {
  return `<${oneLine(url).replace(/[<>\s]/g, (c) => encodeURIComponent(c))}>`;
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

export interface Section {
  /** The heading line as written, e.g. `## Authentik Source Build`. */
  title: string;
  /** Index of the heading line. */
  heading: number;
  /** Index of the line after the section (the next `#`/`##` heading, or the end). */
  end: number;
}

/** The `##` sections of a markdown text, given as lines; headings in fenced code do not count. */
export function markdownSections(lines: string[]): Section[] {
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
export function insertListItem(lines: string[], section: Section, item: string): string[] {
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

export function trimTrailingBlank(lines: string[]): string[] {
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
