// Forgejo stand-in issue comment routes (on issues and on pulls, which share issue numbers) and
// comment reactions. Comment lists are not paginated; `since`/`before` filter on the update time.

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
import { atLeast, type Core, type RepoRef } from "./core.ts";
import { commentJson, reactionJson } from "./json.ts";
import { findPull } from "./api_pulls.ts";
import { findIssue } from "./api_issues.ts";
import { type CommentRecord, now } from "./state.ts";

const R = "/repos/{owner}/{repo}";

/** Forgejo's default [ui] REACTIONS. */
const REACTIONS = ["+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"];

export const commentRoutes: Route[] = [
  repoRoute("GET", `${R}/issues/{index}/comments`, "read", list),
  repoRoute("POST", `${R}/issues/{index}/comments`, "read", async (c) => {
    const issue = Number(c.params.index);
    if (!issueOrPull(c.core, c.repo, issue)) return notFound(c.core);
    const content = text((await body(c)).body);
    if (!content) return error(c.core, 422, "[Body]: Required");
    const comment = await createComment(c.core, c.repo, issue, c.user!.login, content);
    return { status: 201, json: commentJson(c.core, c.repo, comment) };
  }),
  repoRoute("GET", `${R}/issues/comments/{id}`, "read", (c) => {
    const comment = findComment(c);
    return comment ? { status: 200, json: commentJson(c.core, c.repo, comment) } : notFound(c.core);
  }),
  repoRoute("PATCH", `${R}/issues/comments/{id}`, "read", async (c) => {
    const comment = findComment(c);
    if (!comment) return notFound(c.core);
    // Forgejo answers a bare 403 to anyone but the poster or a writer.
    if (comment.poster !== c.user!.login && !atLeast(c.access, "write")) return { status: 403 };
    const content = text((await body(c)).body);
    if (!content) return error(c.core, 422, "[Body]: Required");
    comment.body = content;
    comment.updatedAt = now();
    await c.core.save();
    return { status: 200, json: commentJson(c.core, c.repo, comment) };
  }),
  // An empty list is `null`: Forgejo builds it with append on a nil slice.
  repoRoute("GET", `${R}/issues/comments/{id}/reactions`, "read", (c) => {
    const comment = findComment(c);
    if (!comment) return notFound(c.core);
    const json = c.core.state.reactions
      .filter((r) => r.comment === comment.id)
      .map((r) => reactionJson(c.core, r));
    return { status: 200, json: json.length ? json : null };
  }),
  repoRoute("POST", `${R}/issues/comments/{id}/reactions`, "read", react),
];

/** The issue or the pull request numbered `index`. */
function issueOrPull(core: Core, repo: RepoRef, index: number) {
  return findPull(core, repo, index) ?? findIssue(core, repo, index);
}

function list(c: RepoCtx): Reply {
  const issue = Number(c.params.index);
  if (!issueOrPull(c.core, c.repo, issue)) return notFound(c.core);
  const bounds: Record<string, number> = {};
  for (const name of ["since", "before"]) {
    const value = c.url.searchParams.get(name);
    if (!value) continue;
    const ms = Date.parse(value);
    if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(ms)) {
      return error(
        c.core,
        422,
        `parsing time "${value}" as "2006-01-02T15:04:05Z07:00": cannot parse`,
      );
    }
    bounds[name] = Math.floor(ms / 1000) * 1000; // Forgejo compares unix seconds
  }
  const json = c.core.state.comments
    .filter((x) => x.repo === c.repo.full && x.issue === issue)
    .filter((x) => bounds.since === undefined || Date.parse(x.updatedAt) >= bounds.since)
    .filter((x) => bounds.before === undefined || Date.parse(x.updatedAt) <= bounds.before)
    .map((x) => commentJson(c.core, c.repo, x));
  return { status: 200, json, headers: { "X-Total-Count": String(json.length) } };
}

/** Adds a comment as `login`; creating a comment also bumps the issue's or pull's update time. */
export async function createComment(
  core: Core,
  repo: RepoRef,
  issue: number,
  login: string,
  content: string,
): Promise<CommentRecord> {
  const at = now();
  const comment: CommentRecord = {
    id: ++core.state.lastCommentId,
    repo: repo.full,
    issue,
    poster: login,
    body: content,
    createdAt: at,
    updatedAt: at,
  };
  core.state.comments.push(comment);
  const target = issueOrPull(core, repo, issue);
  if (target) target.updatedAt = at;
  await core.save();
  return comment;
}

function findComment(c: RepoCtx): CommentRecord | undefined {
  const id = Number(c.params.id);
  return c.core.state.comments.find((x) => x.id === id && x.repo === c.repo.full);
}

/** 201 for a new reaction, 200 with the existing one when the caller already reacted so. */
async function react(c: RepoCtx): Promise<Reply> {
  const comment = findComment(c);
  if (!comment) return notFound(c.core);
  const content = text((await body(c)).content) ?? "";
  if (!REACTIONS.includes(content)) {
    return error(c.core, 403, `'${content}' is not an allowed reaction`);
  }
  const login = c.user!.login;
  const existing = c.core.state.reactions.find((r) =>
    r.comment === comment.id && r.user === login && r.content === content
  );
  if (existing) return { status: 200, json: reactionJson(c.core, existing) };
  const reaction = { comment: comment.id, user: login, content, createdAt: now() };
  c.core.state.reactions.push(reaction);
  await c.core.save();
  return { status: 201, json: reactionJson(c.core, reaction) };
}
