// The base branch's history as the pins ask it: the newest commit that changed each directory, and which commits descend from which, read by two git processes.
import type { Git } from "../runtime/git.ts";

/** What the pins ask of the base's history, answered from memory. */
export interface BaseHistory {
  /** The newest commit of the first-parent chain whose diff from its first parent touches `dir`,
   * as the workflow sees a push (a merge commit, not the merged branch's own commit); "" when
   * none did. */
  lastChange(dir: string): string;
  /** Whether the commit `sha7` names is on the base and holds `since` (a descendant, or
   * itself). */
  descends(sha7: string, since: string): boolean;
}

/** `git log --first-parent --name-only --format=%x00%H`'s answer: each commit with the paths it
 * changed, newest first. */
export function parseChanges(text: string): { sha: string; paths: string[] }[] {
  return text.split("\0").filter((c) => c.trim()).map((c) => {
    const [sha, ...paths] = c.split("\n").filter(Boolean);
    return { sha, paths };
  });
}

/** `git rev-list --parents`'s answer: each commit of the base with its parents. */
export function parseParents(text: string): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const [sha, ...of] = line.trim().split(" ");
    if (sha) parents.set(sha, of);
  }
  return parents;
}

/** The history's answers from the two listings: one question a git process (some seventy on the
 * real repository) took a nothing-new run half a second under load. */
export function baseHistory(
  changes: { sha: string; paths: string[] }[],
  parents: Map<string, string[]>,
): BaseHistory {
  const last = new Map<string, string>();
  const full = new Map<string, string | null>();
  const resolve = (sha7: string) => {
    if (!full.has(sha7)) {
      // As `rev-parse <sha7>^{commit}`: one commit of the base, else none (unknown, ambiguous).
      const matches = [...parents.keys()].filter((s) => s.startsWith(sha7)).slice(0, 2);
      full.set(sha7, matches.length === 1 ? matches[0] : null);
    }
    return full.get(sha7)!;
  };
  const holds = (descendant: string, ancestor: string) => {
    const seen = new Set<string>();
    const todo = [descendant];
    while (todo.length) {
      const sha = todo.pop()!;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      todo.push(...parents.get(sha) ?? []);
    }
    return false;
  };
  return {
    lastChange(dir) {
      if (!last.has(dir)) {
        const inside = (p: string) => p === dir || p.startsWith(`${dir}/`);
        last.set(dir, changes.find((c) => c.paths.some(inside))?.sha ?? "");
      }
      return last.get(dir)!;
    },
    descends(sha7, since) {
      const sha = /^[0-9a-f]{4,64}$/.test(sha7) ? resolve(sha7) : null;
      return sha !== null && holds(sha, since);
    },
  };
}

/** The history of `origin/<base>` in the clone: its first-parent changes (trees only, no file
 * contents: a blobless clone fetches nothing; no rename detection, which would) and every
 * commit's parents. */
export async function readBaseHistory(git: Git, base: string): Promise<BaseHistory> {
  const ref = `origin/${base}`;
  const [changes, parents] = await Promise.all([
    git.run([
      "-c",
      "core.quotePath=false",
      "log",
      "--first-parent",
      "--no-renames",
      "--root",
      "--name-only",
      "--format=%x00%H",
      ref,
      "--",
    ]),
    git.run(["rev-list", "--parents", ref, "--"]),
  ]);
  return baseHistory(parseChanges(changes), parseParents(parents));
}
