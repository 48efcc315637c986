// Forgejo stand-in issue routes: list (state, type, created_by, paged), create, get and edit
// (answers 201). Issues and pulls share one number sequence per repository.

import {
  body,
  error,
  listOptions,
  notFound,
  pageHeaders,
  type Reply,
  type RepoCtx,
  repoRoute,
  type Route,
  text,
} from "./api.ts";
import { atLeast, type Core, type RepoRef, scanRepos } from "./core.ts";
import { issueJson } from "./json.ts";
import { type IssueRecord, now, type PullRecord } from "./state.ts";
import { refreshPullRefs } from "./api_pulls.ts";

const R = "/repos/{owner}/{repo}";

export const issueRoutes: Route[] = [
  repoRoute("GET", `${R}/issues`, "read", list),
  repoRoute("POST", `${R}/issues`, "read", async (c) => {
    const form = await body(c);
    const title = text(form.title) ?? "";
    if (!title.trim()) return error(c.core, 422, "[Title]: Required");
    const issue = await createIssue(c.core, c.repo, c.user!.login, title, text(form.body) ?? "");
    return { status: 201, json: issueJson(c.core, c.repo, issue) };
  }),
  repoRoute("GET", `${R}/issues/{index}`, "read", (c) => {
    const found = findIssue(c.core, c.repo, Number(c.params.index)) ??
      c.core.state.pulls.find((p) => p.repo === c.repo.full && p.number === Number(c.params.index));
    return found ? { status: 200, json: issueJson(c.core, c.repo, found) } : notFound(c.core);
  }),
  repoRoute("PATCH", `${R}/issues/{index}`, "read", edit),
];

export function issuesOf(core: Core, repo: RepoRef): IssueRecord[] {
  return (core.state.issues ?? []).filter((i) => i.repo === repo.full);
}

export function findIssue(core: Core, repo: RepoRef, index: number): IssueRecord | undefined {
  return issuesOf(core, repo).find((i) => i.number === index);
}

/** Opens an issue as `login`, with the next number of the repository. */
export async function createIssue(
  core: Core,
  repo: RepoRef,
  login: string,
  title: string,
  content: string,
): Promise<IssueRecord> {
  const state = core.state;
  const at = now();
  const issue: IssueRecord = {
    id: state.lastIssueId = (state.lastIssueId ?? 0) + 1,
    repo: repo.full,
    number: (state.lastIndex[repo.full] ?? 0) + 1,
    title,
    body: content,
    poster: login,
    closed: false,
    createdAt: at,
    updatedAt: at,
  };
  state.lastIndex[repo.full] = issue.number;
  (state.issues ??= []).push(issue);
  await core.save();
  return issue;
}

/** Forgejo's ListIssues: `state` open by default, `type` issues or pulls (else both),
 * `created_by` a login (404 for a user that does not exist), newest first, paged. */
async function list(c: RepoCtx): Promise<Reply> {
  const q = c.url.searchParams;
  const state = q.get("state") || "open";
  const type = q.get("type");
  const createdBy = q.get("created_by");
  if (createdBy) {
    const owners = (await scanRepos(c.core.root)).map((r) => r.owner);
    const known = [...c.core.users.map((u) => u.login), ...owners];
    if (!known.some((l) => l.toLowerCase() === createdBy.toLowerCase())) {
      return notFound(c.core, `user redirect does not exist [name: ${createdBy}]`);
    }
  }
  await refreshPullRefs(c.core, c.repo);
  const pulls = c.core.state.pulls.filter((p) => p.repo === c.repo.full);
  const all: (IssueRecord | PullRecord)[] = [
    ...(type === "pulls" ? [] : issuesOf(c.core, c.repo)),
    ...(type === "issues" ? [] : pulls),
  ].filter((i) =>
    (state === "all" || i.closed === (state === "closed")) &&
    (!createdBy || i.poster.toLowerCase() === createdBy.toLowerCase())
  ).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.number - a.number);
  const { page, limit } = listOptions(c);
  const json = all.slice((page - 1) * limit, page * limit).map((i) => issueJson(c.core, c.repo, i));
  return { status: 200, json, headers: pageHeaders(c, all.length, limit, true) };
}

/** Forgejo's EditIssue: the poster or a writer may; others get a bare 403. */
async function edit(c: RepoCtx): Promise<Reply> {
  const issue = findIssue(c.core, c.repo, Number(c.params.index));
  if (!issue) return notFound(c.core);
  if (issue.poster !== c.user!.login && !atLeast(c.access, "write")) return { status: 403 };
  const form = await body(c);
  const title = text(form.title);
  const content = text(form.body);
  const state = text(form.state);
  if (title) issue.title = title;
  if (content !== undefined) issue.body = content;
  if (state !== undefined && (state === "closed") !== issue.closed) {
    issue.closed = state === "closed";
    issue.closedAt = issue.closed ? now() : undefined;
  }
  issue.updatedAt = now();
  await c.core.save();
  // As for pulls, Forgejo answers 201.
  return { status: 201, json: issueJson(c.core, c.repo, issue) };
}
