// Forgejo's JSON as the Forge interface's records (pull requests, issues, comments), and when paging stops.
import type { Comment, Issue, Pull } from "../forge.ts";

export type Json = Record<string, unknown>;

/** Paging stops on X-Total-Count or an empty page, never on a short one: the admin setting
 * MAX_RESPONSE_ITEMS can make every page shorter than the `limit` asked for. */
export function lastPage(
  got: number,
  total: number,
  headers: Record<string, string | number | undefined>,
): boolean {
  const count = headers["x-total-count"];
  return got === 0 || (count !== undefined && total >= Number(count));
}

export function toPull(d: Json): Pull {
  const head = d.head as Json;
  const base = d.base as Json;
  return {
    number: Number(d.number),
    title: String(d.title ?? ""),
    body: String(d.body ?? ""),
    state: d.state === "closed" ? "closed" : "open",
    merged: Boolean(d.merged),
    head: String(head?.ref ?? ""),
    headRepo: String((head?.repo as Json)?.full_name ?? ""),
    headSha: String(head?.sha ?? ""),
    mergeSha: d.merge_commit_sha ? String(d.merge_commit_sha) : null,
    base: String(base?.ref ?? ""),
    url: String(d.html_url ?? ""),
    user: String((d.user as Json)?.login ?? ""),
    comments: typeof d.comments === "number" ? d.comments : null,
  };
}

export function toIssue(d: Json): Issue {
  return {
    number: Number(d.number),
    title: String(d.title ?? ""),
    body: String(d.body ?? ""),
    state: d.state === "closed" ? "closed" : "open",
    user: String((d.user as Json)?.login ?? ""),
    url: String(d.html_url ?? ""),
    comments: typeof d.comments === "number" ? d.comments : null,
  };
}

export function toComment(d: Json): Comment {
  return {
    id: Number(d.id),
    body: String(d.body ?? ""),
    user: String((d.user as Json)?.login ?? ""),
    createdAt: String(d.created_at ?? ""),
    updatedAt: String(d.updated_at ?? ""),
  };
}
