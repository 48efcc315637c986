// Review: the lines of the cards that still name the old version, for a human to look at (pure).

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
