// The forge, as the bot sees it: pull requests, issues, comments, tags, files, git access and the draft marker.
import type { Remote } from "../runtime/git.ts";

export interface Pull {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  merged: boolean;
  head: string;
  /** The repository the head branch lives in (owner/name): another one for a fork's. */
  headRepo: string;
  headSha: string;
  /** The merge commit of a merged pull request, else null. */
  mergeSha: string | null;
  base: string;
  url: string;
  user: string;
  /** How many comments it has; null when the forge did not say. */
  comments: number | null;
}

/** One Forgejo Actions workflow run (`status`: success, failure, cancelled, running, waiting...). */
export interface ActionRun {
  id: number;
  status: string;
  workflow: string;
  url: string;
}

/** An issue (not a pull request). */
export interface Issue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  user: string;
  url: string;
  /** How many comments it has; null when the forge did not say. */
  comments: number | null;
}

/** A tag's commit, as the forge reports it (`GET /repos/{owner}/{repo}/tags/{tag}`). */
export interface TagCommit {
  sha: string;
  /** The commit's date (ISO 8601). */
  created: string;
}

/** A forge release: what its author wrote for a tag. */
export interface Release {
  tag: string;
  name: string;
  body: string;
  url: string;
}

export interface Comment {
  id: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

/** Forgejo marks a pull request as a draft by a title prefix; `WIP:` and `[WIP]` are its defaults. */
const DRAFT = "WIP: ";
const DRAFT_PREFIX = /^(?:WIP:|\[WIP\])\s*/i;

/** `title` marked as a draft. */
export function draftTitle(title: string): string {
  return DRAFT + title;
}

/** A title without its draft marker, and whether it had one. */
export function splitDraft(title: string): { title: string; draft: boolean } {
  const m = DRAFT_PREFIX.exec(title);
  return m ? { title: title.slice(m[0].length), draft: true } : { title, draft: false };
}

/** The bot's own pull request: its head branch is `branch` in `repo` itself (not a fork's) and
 * the token's own user (`me`) opened it. A branch name alone proves nothing: anyone can open a
 * pull request from a branch so named. */
export function isBotPull(p: Pull, repo: string, branch: string, me: string): boolean {
  return p.head === branch && p.headRepo.toLowerCase() === repo.toLowerCase() &&
    p.user.toLowerCase() === me.toLowerCase();
}

/** What the bot asks of a forge; the tests run it against the stand-in in tests/forge/. */
export interface Forge {
  readonly url: string;
  /** Where git clones and pushes `repo`, with the access token in git's environment only: never in
   * argv, never in .git/config. */
  gitRemote(repo: string): Remote;
  /** The page that shows `tag` of `repo`, for people. */
  tagUrl(repo: string, tag: string): string;
  /** Every tag name starting with `prefix`, in no particular order (Forgejo's API orders
   * lightweight tags by name and its admin may cap the page size, so no page of it could be taken
   * to hold the newest): nothing depends on the order. */
  tags(repo: string, prefix?: string): Promise<string[]>;
  /** The same tags, each with the commit it points to (an annotated tag's peeled). */
  tagCommits(repo: string, prefix?: string): Promise<Map<string, string>>;
  tagExists(repo: string, tag: string): Promise<boolean>;
  /** The commit `tag` points to and that commit's date as the forge reports it; null: no tag. */
  tag(repo: string, tag: string): Promise<TagCommit | null>;
  /** Asks for a mirror sync and waits (bounded) until it has happened; false if it has not yet. */
  syncMirror(repo: string): Promise<boolean>;
  readFile(repo: string, path: string, ref: string): Promise<string>;
  /** The release attached to `tag` (its name, notes and page), or null when the tag has none (a
   * mirror's tags alone are not releases). */
  release(repo: string, tag: string): Promise<Release | null>;
  /** The page comparing two refs of `repo`, for people. */
  compareUrl(repo: string, from: string, to: string): string;
  pulls(repo: string, state: "open" | "closed" | "all"): Promise<Pull[]>;
  createPull(
    repo: string,
    p: { head: string; base: string; title: string; body: string },
  ): Promise<Pull>;
  updatePull(
    repo: string,
    index: number,
    p: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Pull>;
  /** The open issues (not pull requests) that `createdBy` opened. */
  issues(repo: string, createdBy: string): Promise<Issue[]>;
  createIssue(repo: string, p: { title: string; body: string }): Promise<Issue>;
  updateIssue(
    repo: string,
    index: number,
    p: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Issue>;
  /** The comments of an issue or a pull request. */
  comments(repo: string, index: number, since?: string): Promise<Comment[]>;
  comment(repo: string, index: number, body: string): Promise<Comment>;
  /** Adds a reaction; false when this user had already reacted so (the comment was claimed). */
  react(repo: string, commentId: number, content: string): Promise<boolean>;
  reactions(repo: string, commentId: number): Promise<{ user: string; content: string }[]>;
  /** `user`'s access to `repo`; null when the bot may not ask (Forgejo: 403 unless the bot is a
   * repository admin). */
  permission(repo: string, user: string): Promise<string | null>;
  /** The Actions workflow runs for one commit, newest first. */
  actionRuns(repo: string, headSha: string): Promise<ActionRun[]>;
  /** The token's own login (asked once, then remembered). */
  whoami(): Promise<string>;
  /** Counts API requests, for the benchmark. */
  readonly requests: number;
}
