// Forgejo stand-in: the combined state of the checks reported on a commit (read by the status
// route and by scheduled merges).
import type { Core } from "./core.ts";
import type { StatusRecord } from "./state.ts";

/** Forgejo's combined state: the worst of the newest status of each context. */
const WORST_FIRST = ["error", "failure", "warning", "pending", "success"];

/** The newest status of each context reported on `sha`, oldest first. */
export function newestStatuses(core: Core, repo: string, sha: string): StatusRecord[] {
  const newest = new Map<string, StatusRecord>();
  for (const s of (core.state.statuses ?? []).filter((s) => s.repo === repo && s.sha === sha)) {
    const seen = newest.get(s.context);
    if (!seen || seen.id < s.id) newest.set(s.context, s);
  }
  return [...newest.values()].sort((a, b) => a.id - b.id);
}

/** Forgejo answers an empty CombinedStatus (state "") for a commit nobody reported on. */
export function combined(statuses: StatusRecord[]): string {
  return statuses.length === 0 ? "" : WORST_FIRST.find((w) => statuses.some((s) => s.state === w))!;
}

/** The combined state of the checks on `sha` of `repo`. */
export function combinedState(core: Core, repo: string, sha: string): string {
  return combined(newestStatuses(core, repo, sha));
}
