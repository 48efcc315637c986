// YAML scalars replaced in a file's text, each in its old style, every other byte kept (pure).
import { Document, Scalar } from "yaml";
import { YAML_OUT } from "./front_matter.ts";

/** `text` with each old scalar's source range replaced by its new value, written in the old
 * scalar's style (plain, single or double quoted): the stringifier falls back to quotes where a
 * plain value would read back as something else. An empty value (`key:` and nothing) has an empty
 * range right after the colon and gets a space before the value. */
export function spliceScalars(text: string, edits: { old: Scalar; value: string }[]): string {
  let out = text;
  // The later range first, so the earlier ones still hold.
  for (const { old, value } of [...edits].sort((a, b) => b.old.range![0] - a.old.range![0])) {
    const next = new Scalar(value);
    next.type = old.type;
    const written = new Document(next).toString(YAML_OUT).trimEnd();
    const [from, to] = old.range!;
    out = out.slice(0, from) + (from === to ? ` ${written}` : written) + out.slice(to);
  }
  return out;
}
