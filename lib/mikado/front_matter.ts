// Card front matter: the YAML between `---` lines, read and written back keeping what people wrote (pure).
import { Document, isMap, isScalar, parseDocument, YAMLMap } from "yaml";
import { InputError } from "../runtime/errors.ts";
import { tidyText } from "./markdown.ts";

export interface FrontMatter {
  doc: Document;
  map: YAMLMap;
  /** Everything after the closing `---` line, kept byte for byte. */
  body: string;
}

// Front matter is rewritten by the yaml library: no folding of long titles, and flow lists
// written the way people type them (`[a, b]`).
export const YAML_OUT = { lineWidth: 0, flowCollectionPadding: false };

/** Splits a card into its YAML front matter (between `---` lines at the very top) and body. */
export function parseFrontMatter(text: string, path: string): FrontMatter {
  const m = /^---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) {
    throw new InputError(`${path}: no front matter (a --- line, YAML, a --- line at the top)`);
  }
  const doc = parseDocument(m[1] ?? "");
  if (doc.errors.length > 0) {
    throw new InputError(
      `${path}: front matter is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`,
    );
  }
  if (!isMap(doc.contents)) throw new InputError(`${path}: front matter is not a YAML mapping`);
  return { doc, map: doc.contents, body: text.slice(m[0].length) };
}

/** The card again: the (edited) front matter between `---` lines, then the body. Every card the
 * bot writes passes through here, so this is where it is tidied (`tidyText`): a card's lines,
 * log lines included, end without whitespace, and the file in exactly one newline. */
export function renderFrontMatter(fm: FrontMatter): string {
  return tidyText(`---\n${fm.doc.toString(YAML_OUT)}---\n${fm.body}`);
}

/** Sets `key`, keeping its place (and a scalar's quoting) if present, else adding it right after
 * `after` so new Mikado fields sit where the user's cards have them (below `modified`). */
export function setKey(fm: FrontMatter, key: string, value: unknown, after: string): void {
  if (fm.map.has(key)) {
    fm.map.set(key, value);
    return;
  }
  const pair = fm.doc.createPair(key, value);
  const at = fm.map.items.findIndex((p) => isScalar(p.key) && p.key.value === after);
  if (at < 0) fm.map.items.push(pair);
  else fm.map.items.splice(at + 1, 0, pair);
}
