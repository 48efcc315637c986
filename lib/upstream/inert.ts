// Upstream's words made inert: parsed as CommonMark + GFM and written back from the tree, with nothing that can mention, reference, close, embed, hide or reach the bot's own records (pure).
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown, gfmToMarkdown } from "mdast-util-gfm";
import { toMarkdown } from "mdast-util-to-markdown";
import { gfm } from "micromark-extension-gfm";
import type { Definition, Heading, Nodes, PhrasingContent, Root, RootContent, Text } from "mdast";
import { oneLine, printable } from "../mikado/markdown.ts";

// Forgejo renders with goldmark, a CommonMark + GFM implementation: the same grammar here.
const PARSE = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] };

/** The syntax tree of `markdown`. */
export function parseMarkdown(markdown: string): Root {
  return fromMarkdown(markdown, PARSE);
}

/** A zero-width space as a character reference: it breaks `@name`, `#12`, `!12` and a closing
 * keyword before a link for Forgejo's reference finder while the text reads the same. */
const BREAK = "&#8203;";

// Forgejo's closing and reopening keywords, when a link may follow them (a `#12` after one is
// broken itself; an issue's URL is not text to break).
const KEYWORD =
  /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?|reopen(?:s|ed)?)\b(?=:?\s*(?:$|https?:|www\.))/;

// What GFM makes a link of in plain text (`https://`, `www.`), broken by escaping its `:` or `.`.
const AUTOLINK = /(?<=\bhttps?):(?=\/\/)|(?<=\bwww)\./;

/** What text must not show as it is: a closing keyword, a link GFM would make, the start of a
 * mention or reference, a character that is Markdown or HTML syntax. */
const SYNTAX = new RegExp(
  `${KEYWORD.source}|${AUTOLINK.source}|[@#!](?=\\w)|[&<>\\\\\`*_[\\]~|$#\u200b]`,
  "gi",
);

const ZWSP = "\u200b";

const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Where escaped text goes: a line of a text node (which may start a line of Markdown), inside a
 * line the bot began, or inside an HTML element of the bot's. */
type Place = "line" | "inline" | "html";

/** One line of text, shown as exactly its characters in `place`: syntax escaped. `continued`:
 * the line continues a paragraph, whose leading blanks Markdown drops anyway. */
function escapeLine(line: string, place: Place, continued = false): string {
  const html = place === "html";
  const body = continued ? printable(line).replace(/^[ \t]+/, "") : printable(line);
  const out = body.replace(SYNTAX, (m: string, at: number) => {
    if (m.length > 1) return `${m[0]}${BREAK}${m.slice(1)}`;
    if (m === ZWSP) return BREAK;
    if (ENTITY[m]) return ENTITY[m];
    const next = body[at + 1] ?? "";
    if ("@#!".includes(m) && /\w/.test(next)) return `${m}${BREAK}`;
    // Already broken by a zero-width space (text this wrote, parsed again).
    if (m === "#" && next === ZWSP) return m;
    return html ? m : `\\${m}`;
  });
  if (place !== "line") return out;
  // What is syntax only at the start of a line (a list item, a setext underline), escaped
  // wherever the text starts: after other inline nodes, the escape shows the same.
  return out.replace(
    /^([ \t]*)([-+=]|\d{1,9}(?=[.)](?:[ \t]|$)))/,
    (_, blank: string, lead: string) => /\d/.test(lead) ? `${blank}${lead}\\` : `${blank}\\${lead}`,
  );
}

/** A text node's value as Markdown that shows exactly its characters and is nothing else. */
function escapeText(value: string): string {
  return value.split(/\r\n|\r|\n/).map((l, i) => escapeLine(l, "line", i > 0)).join("\n");
}

/** Untrusted text (a tag or release name, a lock-file error) on one line, inside a line of
 * Markdown the bot began (after `- Not shown: `, in a heading). */
export function inertText(s: string): string {
  return escapeLine(oneLine(s), "inline");
}

/** Untrusted text inside an HTML element of the bot's (a `<summary>`), on one line: no tag can
 * open or close there, and no mention or reference is read in it. */
export function inertHtmlText(s: string): string {
  return escapeLine(oneLine(s), "html");
}

const HTTP = /^https?:\/\//i;

/** Options of inertMarkdown. */
export interface InertOptions {
  /** The shallowest heading depth upstream's headings may have (the bot's own are above it). */
  headingFloor: number;
}

/** Upstream Markdown as Markdown that renders its words and structure and nothing more: text
 * escaped (no mention, reference, closing keyword, or character reference that renders as one),
 * raw HTML shown as text, headings at `headingFloor` or deeper, links only to http(s), code kept
 * as code (in a fence longer than any backtick run in it). Markdown the parser cannot read (or
 * not in good time: nested too deep) is shown as a fenced block. */
export function inertMarkdown(markdown: string, options: InertOptions): string {
  if (tooDeep(markdown)) return fenced(markdown);
  try {
    const tree = parseMarkdown(markdown);
    return inertTree(tree.children, definitionsOf(tree), options);
  } catch {
    // Deeper than the parser's or the writer's stack after all: the text as code.
    return fenced(markdown);
  }
}

/** Deeper nesting than honest notes have (their links and quotes nest a few levels): the parser
 * takes time quadratic in the depth of brackets (40 kB of nested links or images: half a minute)
 * and recursion in that of quotes, so such text is shown as code unparsed. */
const MAX_DEPTH = 32;

/** Whether brackets (within a paragraph) or quotes nest deeper than MAX_DEPTH. */
export function tooDeep(markdown: string): boolean {
  let depth = 0;
  for (const line of markdown.split("\n")) {
    if (line.trim() === "") depth = 0;
    if ((/^(?:[ \t]*>)+/.exec(line)?.[0].split(">").length ?? 1) - 1 > MAX_DEPTH) return true;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === "\\") i++;
      else if (c === "[" && ++depth > MAX_DEPTH) return true;
      else if (c === "]" && depth > 0) depth--;
    }
  }
  return false;
}

/** The link definitions of a tree, by identifier (references are resolved against them). */
function definitionsOf(tree: Root): Map<string, Definition> {
  const found = new Map<string, Definition>();
  const walk = (n: Nodes) => {
    if (n.type === "definition" && !found.has(n.identifier)) found.set(n.identifier, n);
    if ("children" in n) n.children.forEach(walk);
  };
  walk(tree);
  return found;
}

/** Nodes of an upstream tree written back inert (see inertMarkdown). */
function inertTree(
  nodes: RootContent[],
  definitions: Map<string, Definition>,
  options: InertOptions,
): string {
  const root: Root = { type: "root", children: blocks(nodes, definitions, options) };
  return toMarkdown(root, {
    extensions: [gfmToMarkdown()],
    handlers: { text: (node: Text) => escapeText(node.value) },
    bullet: "-",
    rule: "-",
    fences: true,
    resourceLink: true,
  }).trimEnd();
}

/** Text in a fenced code block whose fence no line of it can close. */
function fenced(text: string): string {
  const lines = text.split(/\r\n|\r|\n/).map(printable);
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  return [fence, ...lines, fence].join("\n");
}

function textNode(value: string): Text {
  return { type: "text", value };
}

/** The characters a node shows, markup left out. */
export function plainText(n: Nodes): string {
  if ("value" in n && typeof n.value === "string") return n.value;
  if (n.type === "image" || n.type === "imageReference") return n.alt ?? "";
  if ("children" in n) return n.children.map((c) => plainText(c as Nodes)).join("");
  return "";
}

/** Block nodes made inert: raw HTML as code, headings moved down, definitions resolved away. */
function blocks(
  nodes: RootContent[],
  definitions: Map<string, Definition>,
  options: InertOptions,
): RootContent[] {
  return nodes.flatMap((n): RootContent[] => {
    switch (n.type) {
      case "html":
        return [{ type: "code", lang: "html", meta: null, value: n.value }];
      case "heading":
        return [{
          type: "heading",
          depth: Math.min(6, n.depth + options.headingFloor - 1) as Heading["depth"],
          children: inline(n.children, definitions),
        }];
      case "code":
        return [{
          type: "code",
          lang: n.lang && /^[\w.+-]{1,30}$/.test(n.lang) ? n.lang : null,
          meta: null,
          value: n.value.split("\n").map(printable).join("\n"),
        }];
      case "definition":
        return [];
      case "footnoteDefinition":
        return [
          { type: "paragraph", children: [textNode(`[^${n.label ?? n.identifier}]:`)] },
          ...blocks(n.children, definitions, options),
        ];
      case "paragraph":
        return [{ type: "paragraph", children: inline(n.children, definitions) }];
      case "blockquote":
        return [{
          type: "blockquote",
          children: blocks(n.children, definitions, options) as never,
        }];
      case "list":
        return [{
          type: "list",
          ordered: n.ordered,
          start: n.ordered ? Math.min(n.start ?? 1, 999_999_999) : null,
          spread: n.spread,
          children: n.children.map((item) => ({
            type: "listItem" as const,
            spread: item.spread,
            checked: item.checked,
            children: blocks(item.children, definitions, options) as never,
          })),
        }];
      case "table":
        return [{
          type: "table",
          align: n.align,
          children: n.children.map((row) => ({
            type: "tableRow" as const,
            children: row.children.map((c) => ({
              type: "tableCell" as const,
              children: inline(c.children, definitions),
            })),
          })),
        }];
      case "thematicBreak":
        return [{ type: "thematicBreak" }];
      default:
        // Any other node (phrasing where a block was expected, or a kind this does not know):
        // its characters, as text.
        return [{ type: "paragraph", children: [textNode(plainText(n).trim())] }];
    }
  });
}

/** Phrasing nodes made inert: HTML as text, links only to http(s), images as links. */
function inline(nodes: PhrasingContent[], definitions: Map<string, Definition>): PhrasingContent[] {
  return nodes.flatMap((n): PhrasingContent[] => {
    switch (n.type) {
      case "text":
        return [textNode(n.value)];
      case "html":
        return [textNode(n.value)];
      case "inlineCode":
        return [{ type: "inlineCode", value: printable(n.value.replace(/\r\n|\r|\n/g, " ")) }];
      case "break":
        return [{ type: "break" }];
      case "emphasis":
      case "strong":
      case "delete":
        return [{ type: n.type, children: inline(n.children, definitions) }];
      case "link":
        return link(n.url, inline(n.children, definitions));
      case "linkReference":
        return link(definitions.get(n.identifier)?.url, inline(n.children, definitions));
      case "image":
        return link(n.url, [textNode(n.alt || n.url)]);
      case "imageReference": {
        const url = definitions.get(n.identifier)?.url;
        return link(url, [textNode(n.alt || url || "")]);
      }
      case "footnoteReference":
        return [textNode(`[^${n.label ?? n.identifier}]`)];
      default:
        return [textNode(plainText(n))];
    }
  });
}

function link(url: string | undefined, children: PhrasingContent[]): PhrasingContent[] {
  if (url === undefined || !HTTP.test(url)) return children;
  return [{ type: "link", url, title: null, children }];
}

/** Inert Markdown cut at a line boundary to at most `budget` characters; the prefix is parsed
 * and written back, so what it leaves open (a fence, a list) is closed where the parser closes
 * it. `cut` says whether anything was left out. */
export function cutInert(markdown: string, budget: number): { text: string; cut: boolean } {
  if (markdown.length <= budget) return { text: markdown, cut: false };
  let end = budget + 1;
  for (;;) {
    end = markdown.lastIndexOf("\n", end - 1);
    if (end <= 0) return { text: "", cut: true };
    const text = inertMarkdown(markdown.slice(0, end), { headingFloor: 1 });
    if (text.length <= budget) return { text, cut: true };
    end -= text.length - budget;
  }
}

/** The HTML comments at the top level of a body or comment, each whole: only the bot writes
 * those (whatever it shows from upstream is made inert first, so it holds no HTML at all), so
 * they are where it keeps its records. A copy inside code, a list, a quote or text is not one. */
export function ownComments(markdown: string): string[] {
  return parseMarkdown(markdown).children.flatMap((n) =>
    n.type === "html" && /^<!--(?:(?!-->)[\s\S])*-->$/.test(n.value.trim()) ? [n.value.trim()] : []
  );
}
