// Forgejo stand-in pull request routes: list, create (409 on a duplicate open PR), get by
// number or by base/head, edit (answers 201) and merge (a real merge in the bare repo).

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
import { atLeast, type Core, findRepo, type RepoRef, stableId } from "./core.ts";
import * as git from "./git.ts";
import { isDraft, pullJson } from "./json.ts";
import { now, type PullRecord } from "./state.ts";
import { combinedState } from "./statuses.ts";

const R = "/repos/{owner}/{repo}";

export const pullRoutes: Route[] = [
  repoRoute("GET", `${R}/pulls`, "read", list),
  repoRoute("POST", `${R}/pulls`, "read", create),
  repoRoute("GET", `${R}/pulls/{index}`, "read", async (c) => {
    await refreshPullRefs(c.core, c.repo);
    const pr = findPull(c.core, c.repo, Number(c.params.index));
    return pr
      ? { status: 200, json: await pullJson(c.core, c.repo, pr, c.user) }
      : notFound(c.core);
  }),
  repoRoute("PATCH", `${R}/pulls/{index}`, "read", edit),
  repoRoute("POST", `${R}/pulls/{index}/merge`, "read", async (c) => {
    const pr = findPull(c.core, c.repo, Number(c.params.index));
    if (!pr) return notFound(c.core);
    if (!pr.merged && !pr.closed && !atLeast(c.access, "write")) {
      return error(c.core, 405, "User not allowed to merge PR");
    }
    const form = await body(c);
    if (form.merge_when_checks_succeed === true && !pr.merged && !pr.closed) {
      // Forgejo's ScheduleAutoMerge: merged now when the head's checks passed, else scheduled.
      if (pr.autoMerge) return error(c.core, 409, "pull request is already scheduled to merge");
      const head = await git.branchSha(c.repo.gitDir, pr.head);
      if (!head || combinedState(c.core, c.repo.full, head) !== "success") {
        pr.autoMerge = { by: c.user!.login, form: { ...form, merge_when_checks_succeed: false } };
        await c.core.save();
        // Forgejo's code answers 201 here; its swagger declares 200 only, which the stand-in keeps.
        return { status: 200 };
      }
    }
    return merge(c.core, c.repo, pr, c.user!.login, form);
  }),
  // Like Forgejo's GetPullRequestByBaseHeadInfo: no state filter, the first match wins, so a
  // closed older PR on the same branches shadows a newer open one.
  repoRoute("GET", `${R}/pulls/{base}/{head}`, "read", async (c) => {
    const head = c.params.head.includes(":") ? c.params.head.split(":")[1] : c.params.head;
    const pr = pullsOf(c.core, c.repo).find((p) => p.base === c.params.base && p.head === head);
    return pr
      ? { status: 200, json: await pullJson(c.core, c.repo, pr, c.user) }
      : notFound(c.core);
  }),
];

function pullsOf(core: Core, repo: RepoRef): PullRecord[] {
  return core.state.pulls.filter((p) => p.repo === repo.full);
}

export function findPull(core: Core, repo: RepoRef, index: number): PullRecord | undefined {
  return pullsOf(core, repo).find((p) => p.number === index);
}

/** Newest first, Forgejo's default; `sort=oldest|recentupdate|leastupdate` as well. */
const SORTS: Record<string, (a: PullRecord, b: PullRecord) => number> = {
  "": (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id,
  oldest: (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id,
  recentupdate: (a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id - a.id,
  leastupdate: (a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id,
};

async function list(c: RepoCtx): Promise<Reply> {
  await refreshPullRefs(c.core, c.repo);
  const state = c.url.searchParams.get("state") || "open";
  const sort = SORTS[c.url.searchParams.get("sort") ?? ""] ?? SORTS[""];
  const all = pullsOf(c.core, c.repo)
    .filter((p) => state === "all" || p.closed === (state === "closed"))
    .sort(sort);
  const { page, limit } = listOptions(c);
  const json = await Promise.all(
    all.slice((page - 1) * limit, page * limit).map((p) => pullJson(c.core, c.repo, p, c.user)),
  );
  return { status: 200, json, headers: pageHeaders(c, all.length, limit, true) };
}

async function create(c: RepoCtx): Promise<Reply> {
  const form = await body(c);
  const title = text(form.title) ?? "";
  const base = text(form.base) ?? "";
  const headSpec = text(form.head) ?? "";
  if (!title.trim()) return error(c.core, 422, "[Title]: Required");
  if (headSpec === base) {
    return error(
      c.core,
      422,
      "Invalid PullRequest: There are no changes between the head and the base",
    );
  }
  const [headOwner, head] = headSpec.includes(":")
    ? headSpec.split(":", 2)
    : [c.repo.owner, headSpec];
  const where = `${c.repo.owner}/${c.repo.name}`;
  if (headOwner.toLowerCase() !== c.repo.owner.toLowerCase()) {
    return notFound(
      c.core,
      `${headOwner} does not have a fork of ${where} and ${where} is not a fork of a repository from ${headOwner}`,
    );
  }
  if (!(await git.resolve(c.repo.gitDir, base))) {
    return notFound(
      c.core,
      `could not find '${base}' to be a commit, branch or tag in the base repository ${where}`,
    );
  }
  const headSha = await git.resolve(c.repo.gitDir, head);
  if (!headSha) {
    return notFound(
      c.core,
      `could not find '${head}' to be a commit, branch or tag in the head repository ${where}`,
    );
  }
  // Forgejo matches the head repository too: a fork's pull request from a branch so named is
  // another target.
  const open = pullsOf(c.core, c.repo).find((p) =>
    !p.closed && p.head === head && p.base === base && p.headRepo === undefined
  );
  if (open) {
    const repoId = stableId(`repo:${c.repo.full}`);
    return error(
      c.core,
      409,
      `pull request already exists for these targets [id: ${open.id}, issue_id: ${open.number}, head_repo_id: ${repoId}, base_repo_id: ${repoId}, head_branch: ${head}, base_branch: ${base}]`,
    );
  }
  const state = c.core.state;
  const number = (state.lastIndex[c.repo.full] ?? 0) + 1;
  const at = now();
  const pr: PullRecord = {
    id: ++state.lastPullId,
    repo: c.repo.full,
    number,
    title,
    body: text(form.body) ?? "",
    poster: c.user!.login,
    head,
    base,
    closed: false,
    createdAt: at,
    updatedAt: at,
  };
  state.lastIndex[c.repo.full] = number;
  state.pulls.push(pr);
  await git.setPullRef(c.repo.gitDir, number, headSha);
  await c.core.save();
  return { status: 201, json: await pullJson(c.core, c.repo, pr, c.user) };
}

async function edit(c: RepoCtx): Promise<Reply> {
  const pr = findPull(c.core, c.repo, Number(c.params.index));
  if (!pr) return notFound(c.core);
  // Forgejo answers a bare 403 here, without a JSON body.
  if (pr.poster !== c.user!.login && !atLeast(c.access, "write")) return { status: 403 };
  const form = await body(c);
  const title = text(form.title);
  const newBody = text(form.body);
  const state = text(form.state);
  if (state !== undefined && pr.merged) {
    return error(c.core, 412, "cannot change state of this pull request, it was already merged");
  }
  if (title) pr.title = title;
  if (newBody !== undefined) pr.body = newBody;
  if (state !== undefined && (state === "closed") !== pr.closed) setClosed(pr, state === "closed");
  pr.updatedAt = now();
  await c.core.save();
  // Forgejo's own source says "TODO this should be 200, not 201".
  return { status: 201, json: await pullJson(c.core, c.repo, pr, c.user) };
}

export function setClosed(pr: PullRecord, closed: boolean) {
  pr.closed = closed;
  pr.closedAt = closed ? now() : undefined;
  pr.updatedAt = now();
}

const DEFAULT_MESSAGE: Record<string, (pr: PullRecord) => string> = {
  merge: (pr) => `Merge pull request '${pr.title}' (#${pr.number}) from ${pr.head} into ${pr.base}`,
  squash: (pr) => `${pr.title} (#${pr.number})`,
  "fast-forward-only": () => "",
};

/**
 * Forgejo's MergePullRequest checks, in its order, then a real merge commit, squash or
 * fast-forward of the base branch. Rebase styles are refused (the repo JSON says so).
 */
export async function merge(
  core: Core,
  repo: RepoRef,
  pr: PullRecord,
  login: string,
  form: Record<string, unknown>,
): Promise<Reply> {
  if (pr.merged) return error(core, 405, "");
  if (pr.closed) return notFound(core);
  if (isDraft(pr.title)) return error(core, 405, "Work in progress PRs cannot be merged");
  const style = text(form.Do) || "merge";
  const message = DEFAULT_MESSAGE[style];
  if (!message) {
    return error(core, 405, `${style} is not an allowed merge style for this repository`);
  }
  const baseSha = await git.branchSha(repo.gitDir, pr.base);
  const headSha = await git.branchSha(repo.gitDir, pr.head);
  const tree = baseSha && headSha ? await git.mergeTree(repo.gitDir, baseSha, headSha) : null;
  if (!baseSha || !headSha || !tree) return error(core, 405, "Please try again later");
  const expected = text(form.head_commit_id);
  if (expected && expected !== headSha) return error(core, 409, "head out of date");
  const mergeBase = (await git.mergeBase(repo.gitDir, baseSha, headSha)) ?? "";
  const who = { name: login, email: `${login.toLowerCase()}@noreply.localhost` };
  const title = text(form.MergeTitleField)?.trim() || message(pr);
  const extra = text(form.MergeMessageField)?.trim();
  const fullMessage = extra ? `${title}\n\n${extra}` : title;
  let result: string;
  if (style === "fast-forward-only") {
    if (!(await git.isAncestor(repo.gitDir, baseSha, headSha))) {
      return error(core, 409, "fast-forward-only merge is not possible: the branches diverged");
    }
    result = headSha;
  } else {
    const parents = style === "merge" ? [baseSha, headSha] : [baseSha];
    result = await git.commitTree(repo.gitDir, tree, parents, fullMessage, who);
  }
  await git.updateBranch(repo.gitDir, pr.base, result, baseSha);
  await git.setPullRef(repo.gitDir, pr.number, headSha);
  if (form.delete_branch_after_merge === true) await git.deleteBranch(repo.gitDir, pr.head);
  pr.merged = { at: now(), by: login, commit: result, base: mergeBase };
  delete pr.autoMerge;
  setClosed(pr, true);
  await core.save();
  return { status: 200 };
}

/** After a push: refs/pull/N/head follow their branches (a fork's too), and, as Forgejo does, an
 * open pull request whose head branch was deleted is closed. Also run before pulls are read, for
 * pushes that reached the bare repository without the stand-in (tests push to its path). */
export async function refreshPullRefs(core: Core, repo: RepoRef) {
  let changed = false;
  for (const pr of core.state.pulls.filter((p) => !p.closed)) {
    const fromFork = pr.headRepo === repo.full;
    if (pr.repo !== repo.full && !fromFork) continue;
    if (fromFork || (pr.headRepo === undefined && pr.repo === repo.full)) {
      const sha = await git.branchSha(repo.gitDir, pr.head);
      if (!sha) {
        setClosed(pr, true);
        changed = true;
        continue;
      }
      const [owner, name] = pr.repo.split("/");
      const base = await findRepo(core.root, owner, name);
      if (!base) continue;
      if (fromFork) await git.fetchPullRef(base.gitDir, pr.number, repo.gitDir, pr.head);
      else await git.setPullRef(repo.gitDir, pr.number, sha);
    }
  }
  if (changed) await core.save();
}
