// Forgejo stand-in commit statuses: what CI reports on a commit (CreateStatus) and the combined
// state of a branch, tag or commit (GetCombinedStatusByRef).

import {
  body,
  error,
  notFound,
  type Reply,
  type RepoCtx,
  repoRoute,
  type Route,
  text,
} from "./api.ts";
import * as git from "./git.ts";
import { repoJson, userJson } from "./json.ts";
import { now, type StatusRecord } from "./state.ts";
import { combined, combinedState, newestStatuses } from "./statuses.ts";
import { merge } from "./api_pulls.ts";

const R = "/repos/{owner}/{repo}";
const STATES = ["pending", "success", "error", "failure", "warning"];

export const statusRoutes: Route[] = [
  repoRoute("POST", `${R}/statuses/{sha}`, "write", async (c): Promise<Reply> => {
    const sha = await git.resolve(c.repo.gitDir, c.params.sha);
    if (!sha) return notFound(c.core);
    const b = await body(c);
    const state = text(b.state) ?? "";
    if (!STATES.includes(state)) return error(c.core, 400, `invalid state "${state}"`);
    const all = c.core.state.statuses ??= [];
    const record: StatusRecord = {
      id: all.length + 1,
      repo: c.repo.full,
      sha,
      state,
      context: text(b.context) ?? "default",
      description: text(b.description) ?? "",
      targetUrl: text(b.target_url) ?? "",
      creator: c.user!.login,
      createdAt: now(),
    };
    all.push(record);
    await c.core.save();
    await mergeScheduled(c, sha);
    return { status: 201, json: statusJson(c, record) };
  }),
  repoRoute("GET", `${R}/commits/{ref}/status`, "read", async (c): Promise<Reply> => {
    const sha = await git.resolve(c.repo.gitDir, c.params.ref);
    if (!sha) return notFound(c.core);
    const statuses = newestStatuses(c.core, c.repo.full, sha);
    const state = combined(statuses);
    return {
      status: 200,
      json: {
        state,
        sha,
        total_count: statuses.length,
        statuses: statuses.map((s) => statusJson(c, s)),
        repository: await repoJson(c.core, c.repo, c.user),
        commit_url: `${c.core.url}/api/v1/repos/${c.repo.full}/commits/${sha}`,
        url: `${c.core.url}/api/v1/repos/${c.repo.full}/commits/${sha}/status`,
      },
    };
  }),
];

/** Forgejo's automerge: the open pull requests scheduled to merge whose head is `sha` merge once
 * its checks pass, as the user who asked. */
async function mergeScheduled(c: RepoCtx, sha: string): Promise<void> {
  if (combinedState(c.core, c.repo.full, sha) !== "success") return;
  for (const pr of c.core.state.pulls.filter((p) => p.repo === c.repo.full && p.autoMerge)) {
    if (pr.closed || pr.merged) continue;
    if (await git.branchSha(c.repo.gitDir, pr.head) !== sha) continue;
    const { by, form } = pr.autoMerge!;
    await merge(c.core, c.repo, pr, by, form);
  }
}

function statusJson(c: RepoCtx, s: StatusRecord) {
  return {
    id: s.id,
    status: s.state,
    context: s.context,
    description: s.description,
    target_url: s.targetUrl,
    url: `${c.core.url}/api/v1/repos/${c.repo.full}/statuses/${s.sha}`,
    creator: userJson(c.core, s.creator),
    created_at: s.createdAt,
    updated_at: s.createdAt,
  };
}
