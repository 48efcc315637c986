// Forgejo's pull requests and comments: listed, opened (an existing one of the bot's taken over) and edited; comments, reactions, a commenter's permission.
import { InputError } from "../../runtime/errors.ts";
import { redact } from "../../runtime/log.ts";
import { type Comment, isBotPull, type Pull } from "../forge.ts";
import { type ForgejoApi, ownerRepo, PAGE, type RequestError } from "./api.ts";
import { type Json, lastPage, toComment, toPull } from "./convert.ts";

export async function pulls(
  api: ForgejoApi,
  repo: string,
  state: "open" | "closed" | "all",
): Promise<Pull[]> {
  const all: Pull[] = [];
  for (let page = 1;; page++) {
    const { data, headers } = await api.call(
      "GET /repos/{owner}/{repo}/pulls",
      { ...ownerRepo(repo), state, page, limit: PAGE },
      `listing the ${state} pull requests of ${repo}`,
    );
    const batch = (data as Json[]).map(toPull);
    all.push(...batch);
    if (lastPage(batch.length, all.length, headers)) return all;
  }
}

export async function createPull(
  api: ForgejoApi,
  repo: string,
  p: { head: string; base: string; title: string; body: string },
): Promise<Pull> {
  try {
    const r = await api.octokit.request("POST /repos/{owner}/{repo}/pulls", {
      ...ownerRepo(repo),
      ...p,
      title: redact(p.title),
      body: redact(p.body),
    });
    return toPull(r.data as Json);
  } catch (e) {
    // 409: an open pull request for this head and base exists (a run that died after opening
    // it, or a race): update that one instead of failing.
    if ((e as { status?: number }).status !== 409) {
      throw api.explain(e as RequestError, `opening a pull request from ${p.head} in ${repo}`);
    }
    // Not GET /pulls/{base}/{head}: it can answer an older closed pull request instead.
    const me = await api.whoami();
    const same = (await pulls(api, repo, "open")).filter((o) =>
      o.head === p.head && o.base === p.base && o.headRepo.toLowerCase() === repo.toLowerCase()
    );
    const open = same.find((o) => isBotPull(o, repo, p.head, me));
    const other = same.find((o) => o !== open);
    if (!open && other) {
      throw new InputError(
        `forge ${api.url}: opening a pull request from ${p.head} in ${repo}: #${other.number} ` +
          `by ${other.user} is open from that branch already and is not the bot's (${me}): ` +
          `close it, then run again`,
      );
    }
    if (!open) throw api.explain(e as RequestError, `opening a pull request from ${p.head}`);
    return await updatePull(api, repo, open.number, { title: p.title, body: p.body });
  }
}

export async function updatePull(
  api: ForgejoApi,
  repo: string,
  index: number,
  p: { title?: string; body?: string; state?: "open" | "closed" },
): Promise<Pull> {
  // Forgejo answers 201 here, not 200.
  const { data } = await api.call(
    "PATCH /repos/{owner}/{repo}/pulls/{index}",
    {
      ...ownerRepo(repo),
      index,
      ...p,
      ...(p.title === undefined ? {} : { title: redact(p.title) }),
      ...(p.body === undefined ? {} : { body: redact(p.body) }),
    },
    `updating pull request #${index} of ${repo}`,
  );
  return toPull(data as Json);
}

export async function mergeWhenChecksSucceed(
  api: ForgejoApi,
  repo: string,
  index: number,
  style: string,
): Promise<void> {
  await api.call(
    "POST /repos/{owner}/{repo}/pulls/{index}/merge",
    { ...ownerRepo(repo), index, Do: style, merge_when_checks_succeed: true },
    `asking to merge pull request #${index} of ${repo} once its checks pass`,
  );
}

export async function comments(
  api: ForgejoApi,
  repo: string,
  index: number,
  since?: string,
): Promise<Comment[]> {
  // Not paginated on Forgejo; `since` filters on update time.
  const { data } = await api.call(
    "GET /repos/{owner}/{repo}/issues/{index}/comments",
    { ...ownerRepo(repo), index, ...(since ? { since } : {}) },
    `reading the comments of #${index} in ${repo}`,
  );
  return (data as Json[]).map(toComment);
}

export async function comment(
  api: ForgejoApi,
  repo: string,
  index: number,
  body: string,
): Promise<Comment> {
  // Not retried here: a retry after a lost response would post the comment twice (the caller
  // checks for it instead).
  const { data } = await api.call(
    "POST /repos/{owner}/{repo}/issues/{index}/comments",
    { ...ownerRepo(repo), index, body: redact(body), request: { retries: 0 } },
    `commenting on #${index} in ${repo}`,
  );
  return toComment(data as Json);
}

export async function react(
  api: ForgejoApi,
  repo: string,
  commentId: number,
  content: string,
): Promise<boolean> {
  try {
    const r = await api.octokit.request(
      "POST /repos/{owner}/{repo}/issues/comments/{id}/reactions",
      {
        ...ownerRepo(repo),
        id: commentId,
        content,
      },
    );
    return r.status === 201;
  } catch (e) {
    throw api.explain(e as RequestError, `reacting to comment ${commentId}`);
  }
}

export async function reactions(
  api: ForgejoApi,
  repo: string,
  commentId: number,
): Promise<{ user: string; content: string }[]> {
  const { data } = await api.call(
    "GET /repos/{owner}/{repo}/issues/comments/{id}/reactions",
    { ...ownerRepo(repo), id: commentId },
    `reading the reactions to comment ${commentId}`,
  );
  return ((data ?? []) as Json[]).map((r) => ({
    user: String((r.user as Json)?.login ?? ""),
    content: String(r.content),
  }));
}

export async function permission(
  api: ForgejoApi,
  repo: string,
  user: string,
): Promise<string | null | undefined> {
  try {
    const { data } = await api.octokit.request(
      "GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission",
      { ...ownerRepo(repo), collaborator: user },
    );
    return String((data as Json).permission);
  } catch (e) {
    // Forgejo answers 403 unless the caller is a repository admin (older Forgejo: even when it
    // asks about itself): the bot may not check, which says nothing about the user.
    if ((e as { status?: number }).status === 403) return null;
    // 404: no such user (a deleted account's comments stay, under its old name or Ghost).
    if ((e as { status?: number }).status === 404) return undefined;
    throw api.explain(e as RequestError, `reading ${user}'s permission on ${repo}`);
  }
}
