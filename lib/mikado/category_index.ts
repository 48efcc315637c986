// Category index: the `docs/<category>/<category>.md` that must link every card of its category (pure).
import { posix } from "node:path";
import {
  insertListItem,
  markdownSections,
  oneLine,
  type Section,
  trimTrailingBlank,
  wikiLinkTargets,
} from "./markdown.ts";

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
