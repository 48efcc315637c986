// Forgejo stand-in Actions routes: the workflow runs of a repository (ListActionRuns, GetActionRun).

import { listOptions, notFound, type Reply, type RepoCtx, repoRoute, type Route } from "./api.ts";
import { actionRunJson } from "./json.ts";

const R = "/repos/{owner}/{repo}";

export const actionRoutes: Route[] = [
  // Newest first, filtered by event, status, run_number and head_sha as Forgejo does.
  repoRoute("GET", `${R}/actions/runs`, "read", (c) => {
    const q = c.url.searchParams;
    const events = q.getAll("event");
    const statuses = q.getAll("status");
    const runNumber = q.get("run_number");
    const headSha = q.get("head_sha");
    const all = runsOf(c).filter((r) =>
      (events.length === 0 || events.includes(r.event)) &&
      (statuses.length === 0 || statuses.includes(r.status)) &&
      (runNumber === null || String(r.runNumber) === runNumber) &&
      (headSha === null || r.headSha === headSha)
    ).sort((a, b) => b.id - a.id);
    const { page, limit } = listOptions(c);
    const entries = all.slice((page - 1) * limit, page * limit).map((r) =>
      actionRunJson(c.core, c.repo, r)
    );
    return {
      status: 200,
      json: { total_count: all.length, workflow_runs: entries },
      headers: { "X-Total-Count": String(all.length) },
    };
  }),
  repoRoute("GET", `${R}/actions/runs/{run_id}`, "read", (c): Reply => {
    const run = runsOf(c).find((r) => String(r.id) === c.params.run_id);
    return run ? { status: 200, json: actionRunJson(c.core, c.repo, run) } : notFound(c.core);
  }),
];

function runsOf(c: RepoCtx) {
  return (c.core.state.actionRuns ?? []).filter((r) => r.repo === c.repo.full);
}
