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

/** The checks reported on a commit (Forgejo's combined status): `state` is "" when nothing was
 * reported, else the worst of each check's newest (error, failure, warning, pending, success). */
export interface CommitStatus {
  state: string;
  checks: { context: string; state: string; description: string; url: string }[];
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

/** The forge repository (owner/name) of a clone URL under one of `forgeUrls`, else null. */
export function forgeRepoOf(url: string, forgeUrls: string[]): string | null {
  for (const base of forgeUrls) {
    const prefix = `${base.replace(/\/+$/, "")}/`;
    if (!url.startsWith(prefix)) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.git)?\/?$/.exec(
      url.slice(prefix.length),
    );
    if (m) return `${m[1]}/${m[2]}`;
  }
  return null;
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
   * repository admin); undefined when the forge has no such user (404: the account was deleted). */
  permission(repo: string, user: string): Promise<string | null | undefined>;
  /** The Actions workflow runs for one commit, newest first. */
  actionRuns(repo: string, headSha: string): Promise<ActionRun[]>;
  /** The combined status of the checks reported on `ref` (a commit, branch or tag). */
  commitStatus(repo: string, ref: string): Promise<CommitStatus>;
  /** Asks the forge to merge the pull request (`style`: squash, merge...) once its checks pass,
   * or now when they have. */
  mergeWhenChecksSucceed(repo: string, index: number, style: string): Promise<void>;
  /** The token's own login (asked once, then remembered). */
  whoami(): Promise<string>;
  /** Counts API requests, for the benchmark. */
  readonly requests: number;
}

/** The forge for one run: each mirror's tag list is asked once (the scan confirms a package's tag
 * pattern on the list its upgrade then reads), forgotten when the mirror is synced. A long-lived
 * process (serve) makes one per run, so it never keeps an old list. */
export function forRun(forge: Forge): Forge {
  const lists = new Map<string, Promise<Map<string, string>>>();
  const tagCommits = (repo: string, prefix = "") => {
    const key = `${repo}\0${prefix}`;
    let listed = lists.get(key);
    if (!listed) {
      listed = forge.tagCommits(repo, prefix);
      lists.set(key, listed);
      listed.catch(() => lists.delete(key)); // a failure is not kept
    }
    return listed;
  };
  // The names from the same listing: the scan asks for names, the run for names and commits.
  const tags = async (repo: string, prefix = "") => [...(await tagCommits(repo, prefix)).keys()];
  const syncMirror = (repo: string) => {
    for (const key of [...lists.keys()]) if (key.startsWith(`${repo}\0`)) lists.delete(key);
    return forge.syncMirror(repo);
  };
  return new Proxy(forge, {
    get(target, prop) {
      if (prop === "tags") return tags;
      if (prop === "tagCommits") return tagCommits;
      if (prop === "syncMirror") return syncMirror;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
