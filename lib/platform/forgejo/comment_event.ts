// Forgejo's issue_comment payload (webhook or Actions event), checked field by field: untrusted input.

export interface CommentEvent {
  repo: string;
  pull: number;
  commentId: number;
  body: string;
  user: string;
  /** An edit of an older comment: never a command. */
  edited: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A Forgejo `issue_comment` payload (webhook or Actions event) on a pull request, or null for
 * anything else. Every field is checked: the payload is untrusted until proven otherwise. */
export function eventFromPayload(payload: unknown): CommentEvent | null {
  if (!isObject(payload)) return null;
  const { action, issue, comment, repository } = payload;
  if (action !== "created" && action !== "edited") return null;
  if (!isObject(issue) || !isObject(comment) || !isObject(repository)) return null;
  if (!isObject(issue.pull_request)) return null;
  const user = isObject(comment.user) ? comment.user.login : undefined;
  if (
    !Number.isSafeInteger(issue.number) || !Number.isSafeInteger(comment.id) ||
    typeof comment.body !== "string" || typeof user !== "string" ||
    typeof repository.full_name !== "string"
  ) return null;
  return {
    repo: repository.full_name,
    pull: issue.number as number,
    commentId: comment.id as number,
    body: comment.body,
    user,
    edited: action === "edited",
  };
}
