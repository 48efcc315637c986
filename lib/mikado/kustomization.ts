// After merge: the deployment's image tag in a kustomization (read and set in place), and the tag recorded in the goal card.
import { InputError } from "../runtime/errors.ts";
import { parseFrontMatter, renderFrontMatter, setKey } from "./front_matter.ts";
import { mdCode } from "./markdown.ts";

/** The line of `newTag` in the `images` entry named `image`, and its value. */
function findTag(text: string, image: string, path: string): { line: number; value: string } {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)-\s+name:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(lines[i]);
    if (!m || m[2] !== image) continue;
    const indent = m[1].length;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === "" || l.trim().startsWith("#")) continue;
      const lead = l.length - l.trimStart().length;
      if (lead <= indent) break; // the next entry or the end of the list
      const t = /^\s*newTag:\s*["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(l);
      if (t) return { line: j, value: t[1] };
    }
    throw new InputError(`${path}: the images entry "${image}" has no newTag line`);
  }
  throw new InputError(`${path}: no images entry named "${image}"`);
}

/** The tag `image` is deployed at. */
export function imageTag(text: string, image: string, path: string): string {
  return findTag(text, image, path).value;
}

/** `text` with `newTag` of `image` set to `tag`: only that line changes, its quoting and any
 * comment kept. */
export function setImageTag(text: string, image: string, tag: string, path: string): string {
  const { line, value } = findTag(text, image, path);
  const lines = text.split("\n");
  lines[line] = lines[line].replace(value, tag);
  return lines.join("\n");
}

/** The goal card with the deployed tag recorded under the history entry of `version` (the entry
 * the upgrade's finalize wrote; a new entry when there is none), and `modified` set to `date`. */
export function recordDeployment(
  card: string,
  version: string,
  tag: string,
  date: string,
  path: string,
): string {
  const fm = parseFrontMatter(card, path);
  setKey(fm, "modified", date, "title");
  const lines = fm.body.split("\n");
  const line = `  - deployed as ${mdCode(tag)} (${date})`;
  const entry = lines.findIndex((l) => l.startsWith("- ") && l.endsWith(`→ ${mdCode(version)}`));
  if (entry >= 0) {
    let end = entry + 1;
    while (end < lines.length && lines[end].startsWith("  ")) end++;
    lines.splice(end, 0, line);
    fm.body = lines.join("\n");
  } else {
    const h = lines.findIndex((l) => /^##[ \t]+Upgrade history[ \t]*$/i.test(l));
    const item = [`- ${date}: ${mdCode(version)}`, line];
    if (h < 0) fm.body = `${fm.body.trimEnd()}\n\n## Upgrade history\n\n${item.join("\n")}\n`;
    else {
      lines.splice(h + 1, 0, "", ...item);
      fm.body = lines.join("\n").replace(/\n\n\n+/g, "\n\n");
    }
  }
  return renderFrontMatter(fm);
}
