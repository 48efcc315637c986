// Changelog: the chain's flat towncrier fragment (pure).
import { oneLine, tidyText } from "./markdown.ts";
import type { UpgradeFacts } from "./cards.ts";

/** The fragment's content, written at finalize (so after a verified build); an earlier unreleased
 * upgrade's line is kept and this one appended. */
export function changelogFragment(existing: string | null, facts: UpgradeFacts): string {
  const harvested = facts.hashes.filter((h) => !h.unchanged).map((h) => h.name);
  const unchanged = facts.hashes.filter((h) => h.unchanged).map((h) => h.name);
  const details = [
    ...(harvested.length > 0 ? [`re-harvested the ${listing(harvested)} hashes`] : []),
    ...(unchanged.length > 0 ? [`${listing(unchanged)} unchanged`] : []),
    "whole build verified",
  ];
  const line = oneLine(
    `Upgrade ${facts.package} from ${facts.from} to ${facts.to} (${details.join("; ")}).`,
  );
  return withFragmentLine(existing, line);
}

/** A flat fragment (`existing`, null when there is none yet) with `line` added, on one line: every
 * line it holds is kept, since an earlier upgrade's line on the base branch may not be released
 * yet (the fragment's name is the branch's, the same for every upgrade of a package); a line it
 * holds already is not written twice. */
export function withFragmentLine(existing: string | null, line: string): string {
  const lines = (existing ?? "").split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
  const added = oneLine(line);
  if (!lines.includes(added)) lines.push(added);
  return tidyText(lines.join("\n"));
}

/** `a`, `a and b`, `a, b and c`. */
function listing(items: string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
