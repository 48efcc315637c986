// What a rendered body exposes, read back with the parser: raw HTML, mentions, references and
// closing keywords in text outside code, links that are not http(s), the top-level headings.
import type { Nodes } from "mdast";
import { parseMarkdown } from "../../lib/upstream/inert.ts";

/** Character references decoded (the few an HTML block can hold), as a browser shows them. */
function decoded(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

// What Forgejo would act on in text: a mention, an issue or pull reference, a closing keyword.
const MENTION = /(?:^|[^\w])@\w/;
const REFERENCE = /(?:^|[^\w])(?:[\w.-]+\/[\w.-]+)?[#!]\d/;
const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+(?:[\w.-]+\/[\w.-]+)?[#!]\d/i;

/** What a rendered body exposes outside code; `ownHtml` says which HTML nodes are the bot's. */
export function exposed(
  markdown: string,
  ownHtml: (value: string) => boolean = () => false,
): string[] {
  const found: string[] = [];
  const text = (where: string, s: string) => {
    for (
      const [what, re] of [["mention", MENTION], ["reference", REFERENCE], ["closing", CLOSING]]
    ) {
      if ((re as RegExp).test(s)) found.push(`${what} in ${where}: ${JSON.stringify(s)}`);
    }
  };
  const walk = (n: Nodes) => {
    switch (n.type) {
      case "code":
      case "inlineCode":
        return;
      case "html": {
        if (!ownHtml(n.value)) found.push(`raw HTML: ${JSON.stringify(n.value)}`);
        else text("the bot's HTML", decoded(n.value.replace(/<[^>]*>/g, "")));
        return;
      }
      case "text":
        text("text", n.value);
        return;
      case "link":
        if (!/^https?:\/\//i.test(n.url)) found.push(`link to ${n.url}`);
        break;
      case "image":
        found.push(`image ${n.url}`);
        return;
    }
    if ("children" in n) n.children.forEach((c) => walk(c as Nodes));
  };
  walk(parseMarkdown(markdown));
  return found;
}

/** The top-level headings of a body, as `### text`. */
export function topHeadings(markdown: string): string[] {
  return parseMarkdown(markdown).children.flatMap((n) =>
    n.type === "heading"
      ? [`${"#".repeat(n.depth)} ${n.children.map((c) => "value" in c ? c.value : "").join("")}`]
      : []
  );
}
