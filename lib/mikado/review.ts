// Review: the lines of the cards that still name the old version, for a human to look at.
import { join } from "node:path";
import type { Config } from "../runtime/config.ts";

/** A line of a card, by path and line number. */
export interface Mention {
  path: string;
  line: number;
  text: string;
}

/** Lines that still mention `version` as a whole token: not part of a longer number or version
 * (`12026.2.0`, `2026.2.01`, `2026.2.0.1`, `2026.2.0-rc1`), but prefixes like `v` or `v3.` count. */
export function versionMentions(
  files: { path: string; text: string }[],
  version: string,
): Mention[] {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const token = new RegExp(`(?<![0-9])${escaped}(?![0-9A-Za-z_]|[.+-][0-9A-Za-z])`);
  return files.flatMap(({ path, text }) =>
    text.split(/\r?\n/).flatMap((l, i) => token.test(l) ? [{ path, line: i + 1, text: l }] : [])
  );
}

/** Lines in the cards that still name the old version, for a human to review. */
export async function staleMentions(top: string, config: Config, version: string) {
  const files: { path: string; text: string }[] = [];
  for await (const entry of Deno.readDir(join(top, config.cards_dir))) {
    // The goal card's own history names old versions on purpose.
    if (!entry.isFile || !entry.name.endsWith(".md") || entry.name === `${config.chain}.md`) {
      continue;
    }
    const path = join(config.cards_dir, entry.name);
    files.push({ path, text: await Deno.readTextFile(join(top, path)) });
  }
  // Code unit order: localeCompare would load ICU's collation data, about 10ms, for this one sort.
  files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return versionMentions(files, version);
}
