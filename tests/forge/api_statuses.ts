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

const R = "/repos/{owner}/{repo}";
const STATES = ["pending", "success", "error", "failure", "warning"];
/** Forgejo's combined state: the worst of the newest status of each context. */
const WORST_FIRST = ["error", "failure", "warning", "pending", "success"];

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
    return { status: 201, json: statusJson(c, record) };
  }),
  repoRoute("GET", `${R}/commits/{ref}/status`, "read", async (c): Promise<Reply> => {
    const sha = await git.resolve(c.repo.gitDir, c.params.ref);
    if (!sha) return notFound(c.core);
    const newest = new Map<string, StatusRecord>();
    for (
      const s of (c.core.state.statuses ?? []).filter((s) =>
        s.repo === c.repo.full && s.sha === sha
      )
    ) {
      const seen = newest.get(s.context);
      if (!seen || seen.id < s.id) newest.set(s.context, s);
    }
    const statuses = [...newest.values()].sort((a, b) => a.id - b.id);
    // Forgejo answers an empty CombinedStatus (state "") for a commit nobody reported on.
    const state = statuses.length === 0
      ? ""
      : WORST_FIRST.find((w) => statuses.some((s) => s.state === w))!;
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
