// Forge: the Forgejo API calls the bot makes, through octokit, with Forgejo's quirks handled.
import { Octokit } from "octokit";
import { InputError, UpgradeFailed } from "../../runtime/errors.ts";
import {
  type ActionRun,
  type Comment,
  type CommitStatus,
  type Forge,
  isBotPull,
  type Issue,
  type Pull,
  type Release,
  type TagCommit,
} from "../forge.ts";
import type { Remote } from "../../runtime/git.ts";
import { redact } from "../../runtime/log.ts";
import { type Json, lastPage, toComment, toIssue, toPull } from "./convert.ts";
import { lsRemote } from "./refs.ts";

const PAGE = 50; // Forgejo's default `limit`; its admin may cap pages lower (MAX_RESPONSE_ITEMS)

/** Statuses that retrying cannot fix; octokit would retry 409 and 423 by default. */
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 423, 451];

export class ForgejoForge implements Forge {
  private octokit: Octokit;
  private mirrorSyncWaitSeconds: number;
  private retries: number;
  private retryBaseSeconds: number;
  /** API requests and git ref listings made. */
  requests = 0;

  constructor(
    readonly url: string,
    private token: string,
    options: {
      retries?: number;
      retryBaseSeconds?: number;
      timeoutSeconds?: number;
      mirrorSyncWaitSeconds?: number;
    } = {},
  ) {
    this.mirrorSyncWaitSeconds = options.mirrorSyncWaitSeconds ?? 60;
    const timeout = (options.timeoutSeconds ?? 30) * 1000;
    this.retries = options.retries ?? 3;
    this.retryBaseSeconds = options.retryBaseSeconds ?? 1;
    this.octokit = new Octokit({
      baseUrl: `${url.replace(/\/+$/, "")}/api/v1`,
      auth: token,
      userAgent: "upgrade-bot",
      // Retries wait 1, 4, 9 ... times the base value.
      retry: {
        doNotRetry: DO_NOT_RETRY,
        retries: options.retries ?? 3,
        retryAfterBaseValue: (options.retryBaseSeconds ?? 1) * 1000,
      },
      // Forgejo sends no rate-limit headers for the throttling plugin to read.
      throttle: { enabled: false },
      request: {
        fetch: (input: RequestInfo | URL, init?: RequestInit) => {
          this.requests++;
          return fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });
        },
      },
    });
  }

  gitRemote(repo: string): Remote {
    return {
      url: `${this.url}/${repo}.git`,
      env: {
        GIT_CONFIG_COUNT: "1",
        // Scoped to the forge: git sends it to no other host (a submodule's, a redirect's).
        GIT_CONFIG_KEY_0: `http.${this.url.replace(/\/+$/, "")}/.extraHeader`,
        GIT_CONFIG_VALUE_0: `Authorization: token ${this.token}`,
        GIT_TERMINAL_PROMPT: "0",
      },
    };
  }

  tagUrl(repo: string, tag: string): string {
    return `${this.url}/${repo}/src/tag/${tag.split("/").map(encodeURIComponent).join("/")}`;
  }

  /** One API call; errors become messages that name the repository and what is missing. */
  private async call(
    route: string,
    params: Json,
    what: string,
  ): Promise<{ data: unknown; headers: Record<string, string | number | undefined> }> {
    try {
      const r = await this.octokit.request(route, params);
      return { data: r.data, headers: r.headers as Record<string, string | number | undefined> };
    } catch (e) {
      throw this.explain(e as { status?: number; message: string }, what);
    }
  }

  private explain(e: { status?: number; message: string }, what: string): Error {
    const where = `forge ${this.url}: ${what}`;
    switch (e.status) {
      case 401:
        return new InputError(`${where}: the token was rejected (401): check forge.token_env`);
      case 403:
        return new InputError(
          `${where}: the token lacks permission (403): it needs read and write access to the ` +
            `repository (scopes write:repository, write:issue)`,
        );
      case 404:
        return new InputError(`${where}: not found (404), or the token cannot see it`);
      default:
        return new UpgradeFailed(`${where}: ${e.status ? `HTTP ${e.status}: ` : ""}${e.message}`);
    }
  }

  private static split(repo: string): { owner: string; repo: string } {
    const [owner, name] = repo.split("/");
    return { owner, repo: name };
  }

  /** Tags through git's ref advertisement (`git ls-remote --tags` with the prefix as a ref
   * prefix), not the API: one or two requests whatever the number of tags, where the API needs
   * one per 50. */
  async tags(repo: string, prefix = ""): Promise<string[]> {
    return [...(await this.tagCommits(repo, prefix)).keys()];
  }

  /** The advertisement names each tag's commit too: an annotated tag's peeled line
   * (`refs/tags/x^{}`) wins over its tag object. */
  async tagCommits(repo: string, prefix = ""): Promise<Map<string, string>> {
    const remote = this.gitRemote(repo);
    const url = remote.url;
    const pattern = `refs/tags/${prefix}*`;
    // The token in git's environment, scoped to the forge's URL: never in argv, never sent to
    // another host.
    const env = { ...remote.env, GIT_PROTOCOL: "version=2" };
    for (let attempt = 0;; attempt++) {
      const out = await lsRemote(["--tags", "--", url, pattern], env);
      this.requests++;
      const text = out.stdout;
      if (out.code === 0) {
        const commits = new Map<string, string>();
        for (const line of text.split("\n")) {
          const [sha, ref] = line.split("\t");
          if (!ref?.startsWith("refs/tags/")) continue;
          const peeled = ref.endsWith("^{}");
          const name = ref.slice("refs/tags/".length, peeled ? -3 : undefined);
          if (peeled || !commits.has(name)) commits.set(name, sha);
        }
        return commits;
      }
      const err = out.stderr.trim();
      const what = `listing the tags of ${repo} (git ls-remote)`;
      if (/\b401\b|Authentication failed|could not read Username/i.test(err)) {
        throw this.explain({ status: 401, message: err }, what);
      }
      if (/\b403\b/.test(err)) throw this.explain({ status: 403, message: err }, what);
      if (/\b404\b|not found/i.test(err)) throw this.explain({ status: 404, message: err }, what);
      if (attempt >= this.retries) throw this.explain({ message: err }, what);
      await new Promise((r) => setTimeout(r, (attempt + 1) ** 2 * this.retryBaseSeconds * 1000));
    }
  }

  async tagExists(repo: string, tag: string): Promise<boolean> {
    return (await this.tag(repo, tag)) !== null;
  }

  async tag(repo: string, tag: string): Promise<TagCommit | null> {
    try {
      const r = await this.octokit.request("GET /repos/{owner}/{repo}/tags/{tag}", {
        ...ForgejoForge.split(repo),
        tag,
      });
      const commit = (r.data as Json).commit as Json | undefined;
      return { sha: String(commit?.sha ?? ""), created: String(commit?.created ?? "") };
    } catch (e) {
      if ((e as { status?: number }).status === 404) {
        if (await this.gitHasTag(repo, tag)) {
          throw new InputError(
            `forge ${this.url}: the API answers 404 for tag ${tag} of ${repo}, which git lists: ` +
              `a proxy in front of Forgejo refusing %2F in paths? (let encoded slashes through)`,
          );
        }
        return null;
      }
      throw this.explain(
        e as { status?: number; message: string },
        `looking up tag ${tag} of ${repo}`,
      );
    }
  }

  /** Whether git's ref advertisement lists `tag` (no shell: an argument array). */
  private async gitHasTag(repo: string, tag: string): Promise<boolean> {
    const remote = this.gitRemote(repo);
    const out = await lsRemote(["--tags", "--", remote.url, `refs/tags/${tag}`], remote.env);
    return out.code === 0 && out.stdout.trim() !== "";
  }

  /** Forgejo's POST mirror-sync only queues the sync and answers at once: the new tags show up
   * later. So the repository's `mirror_updated` is read before, and after the POST it is read
   * again (every half second, for at most `mirrorSyncWaitSeconds`) until it has moved past it.
   * It counts whole seconds, so a POST within the second of the last sync waits for the next. */
  async syncMirror(repo: string): Promise<boolean> {
    const updated = async () => {
      const { data } = await this.call(
        "GET /repos/{owner}/{repo}",
        ForgejoForge.split(repo),
        `reading the mirror ${repo}`,
      );
      return Date.parse(String((data as Json).mirror_updated ?? "")) || 0;
    };
    const before = await updated();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    if (Date.now() < before + 1000) await sleep(before + 1000 - Date.now());
    await this.call(
      "POST /repos/{owner}/{repo}/mirror-sync",
      ForgejoForge.split(repo),
      `syncing the mirror ${repo}`,
    );
    const deadline = Date.now() + this.mirrorSyncWaitSeconds * 1000;
    for (;;) {
      if ((await updated()) > before) return true;
      if (Date.now() >= deadline) return false;
      await sleep(500);
    }
  }

  async readFile(repo: string, path: string, ref: string): Promise<string> {
    const { data } = await this.call(
      "GET /repos/{owner}/{repo}/raw/{+filepath}",
      { ...ForgejoForge.split(repo), filepath: path, ref },
      `reading ${path} at ${ref} in ${repo}`,
    );
    // ({+filepath} keeps the slashes of the path unescaped.)
    // octokit gives text for text/plain and an ArrayBuffer for octet-stream.
    return typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer);
  }

  async release(repo: string, tag: string): Promise<Release | null> {
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
        ...ForgejoForge.split(repo),
        tag,
      });
      const r = data as Json;
      return {
        tag,
        name: String(r.name ?? ""),
        body: String(r.body ?? ""),
        url: String(r.html_url ?? ""),
      };
    } catch (e) {
      // Forgejo answers 404 for a tag without a release, and for the tag-only "releases" a
      // mirror's sync records.
      if ((e as { status?: number }).status === 404) return null;
      throw this.explain(
        e as { status?: number; message: string },
        `reading the release of tag ${tag} of ${repo}`,
      );
    }
  }

  compareUrl(repo: string, from: string, to: string): string {
    const ref = (r: string) => r.split("/").map(encodeURIComponent).join("/");
    return `${this.url}/${repo}/compare/${ref(from)}...${ref(to)}`;
  }

  async pulls(repo: string, state: "open" | "closed" | "all"): Promise<Pull[]> {
    const all: Pull[] = [];
    for (let page = 1;; page++) {
      const { data, headers } = await this.call(
        "GET /repos/{owner}/{repo}/pulls",
        { ...ForgejoForge.split(repo), state, page, limit: PAGE },
        `listing the ${state} pull requests of ${repo}`,
      );
      const batch = (data as Json[]).map(toPull);
      all.push(...batch);
      if (lastPage(batch.length, all.length, headers)) return all;
    }
  }

  async createPull(
    repo: string,
    p: { head: string; base: string; title: string; body: string },
  ): Promise<Pull> {
    try {
      const r = await this.octokit.request("POST /repos/{owner}/{repo}/pulls", {
        ...ForgejoForge.split(repo),
        ...p,
        title: redact(p.title),
        body: redact(p.body),
      });
      return toPull(r.data as Json);
    } catch (e) {
      // 409: an open pull request for this head and base exists (a run that died after opening
      // it, or a race): update that one instead of failing.
      if ((e as { status?: number }).status !== 409) {
        throw this.explain(
          e as { status?: number; message: string },
          `opening a pull request from ${p.head} in ${repo}`,
        );
      }
      // Not GET /pulls/{base}/{head}: it can answer an older closed pull request instead.
      const me = await this.whoami();
      const same = (await this.pulls(repo, "open")).filter((o) =>
        o.head === p.head && o.base === p.base && o.headRepo.toLowerCase() === repo.toLowerCase()
      );
      const open = same.find((o) => isBotPull(o, repo, p.head, me));
      const other = same.find((o) => o !== open);
      if (!open && other) {
        throw new InputError(
          `forge ${this.url}: opening a pull request from ${p.head} in ${repo}: #${other.number} ` +
            `by ${other.user} is open from that branch already and is not the bot's (${me}): ` +
            `close it, then run again`,
        );
      }
      if (!open) {
        throw this.explain(
          e as { status?: number; message: string },
          `opening a pull request from ${p.head}`,
        );
      }
      return await this.updatePull(repo, open.number, { title: p.title, body: p.body });
    }
  }

  async updatePull(
    repo: string,
    index: number,
    p: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Pull> {
    // Forgejo answers 201 here, not 200.
    const { data } = await this.call(
      "PATCH /repos/{owner}/{repo}/pulls/{index}",
      {
        ...ForgejoForge.split(repo),
        index,
        ...p,
        ...(p.title === undefined ? {} : { title: redact(p.title) }),
        ...(p.body === undefined ? {} : { body: redact(p.body) }),
      },
      `updating pull request #${index} of ${repo}`,
    );
    return toPull(data as Json);
  }

  async issues(repo: string, createdBy: string): Promise<Issue[]> {
    const all: Issue[] = [];
    for (let page = 1;; page++) {
      const { data, headers } = await this.call(
        "GET /repos/{owner}/{repo}/issues",
        {
          ...ForgejoForge.split(repo),
          type: "issues",
          state: "open",
          created_by: createdBy,
          page,
          limit: PAGE,
        },
        `listing the open issues ${createdBy} opened in ${repo}`,
      );
      const batch = (data as Json[]).map(toIssue);
      all.push(...batch);
      if (lastPage(batch.length, all.length, headers)) return all;
    }
  }

  async createIssue(repo: string, p: { title: string; body: string }): Promise<Issue> {
    // Not retried: a retry after a lost response would open a second issue (the caller looks
    // for it instead).
    const { data } = await this.call(
      "POST /repos/{owner}/{repo}/issues",
      {
        ...ForgejoForge.split(repo),
        title: redact(p.title),
        body: redact(p.body),
        request: { retries: 0 },
      },
      `opening an issue in ${repo}`,
    );
    return toIssue(data as Json);
  }

  async updateIssue(
    repo: string,
    index: number,
    p: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Issue> {
    // Forgejo answers 201 here, not 200.
    const { data } = await this.call(
      "PATCH /repos/{owner}/{repo}/issues/{index}",
      {
        ...ForgejoForge.split(repo),
        index,
        ...p,
        ...(p.title === undefined ? {} : { title: redact(p.title) }),
        ...(p.body === undefined ? {} : { body: redact(p.body) }),
      },
      `updating issue #${index} of ${repo}`,
    );
    return toIssue(data as Json);
  }

  async comments(repo: string, index: number, since?: string): Promise<Comment[]> {
    // Not paginated on Forgejo; `since` filters on update time.
    const { data } = await this.call(
      "GET /repos/{owner}/{repo}/issues/{index}/comments",
      { ...ForgejoForge.split(repo), index, ...(since ? { since } : {}) },
      `reading the comments of #${index} in ${repo}`,
    );
    return (data as Json[]).map(toComment);
  }

  async comment(repo: string, index: number, body: string): Promise<Comment> {
    // Not retried here: a retry after a lost response would post the comment twice (the caller
    // checks for it instead).
    const { data } = await this.call(
      "POST /repos/{owner}/{repo}/issues/{index}/comments",
      { ...ForgejoForge.split(repo), index, body: redact(body), request: { retries: 0 } },
      `commenting on #${index} in ${repo}`,
    );
    return toComment(data as Json);
  }

  async react(repo: string, commentId: number, content: string): Promise<boolean> {
    try {
      const r = await this.octokit.request(
        "POST /repos/{owner}/{repo}/issues/comments/{id}/reactions",
        {
          ...ForgejoForge.split(repo),
          id: commentId,
          content,
        },
      );
      return r.status === 201;
    } catch (e) {
      throw this.explain(
        e as { status?: number; message: string },
        `reacting to comment ${commentId}`,
      );
    }
  }

  async reactions(repo: string, commentId: number): Promise<{ user: string; content: string }[]> {
    const { data } = await this.call(
      "GET /repos/{owner}/{repo}/issues/comments/{id}/reactions",
      { ...ForgejoForge.split(repo), id: commentId },
      `reading the reactions to comment ${commentId}`,
    );
    return ((data ?? []) as Json[]).map((r) => ({
      user: String((r.user as Json)?.login ?? ""),
      content: String(r.content),
    }));
  }

  async permission(repo: string, user: string): Promise<string | null | undefined> {
    try {
      const { data } = await this.octokit.request(
        "GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission",
        { ...ForgejoForge.split(repo), collaborator: user },
      );
      return String((data as Json).permission);
    } catch (e) {
      // Forgejo answers 403 unless the caller is a repository admin (older Forgejo: even when it
      // asks about itself): the bot may not check, which says nothing about the user.
      if ((e as { status?: number }).status === 403) return null;
      // 404: no such user (a deleted account's comments stay, under its old name or Ghost).
      if ((e as { status?: number }).status === 404) return undefined;
      throw this.explain(
        e as { status?: number; message: string },
        `reading ${user}'s permission on ${repo}`,
      );
    }
  }

  async actionRuns(repo: string, headSha: string): Promise<ActionRun[]> {
    const { data } = await this.call(
      "GET /repos/{owner}/{repo}/actions/runs",
      { ...ForgejoForge.split(repo), head_sha: headSha, limit: PAGE },
      `listing the Actions runs of ${headSha.slice(0, 7)} in ${repo}`,
    );
    return ((data as Json).workflow_runs as Json[] ?? []).map((r) => ({
      id: Number(r.id),
      status: String(r.status ?? ""),
      workflow: String(r.workflow_id ?? ""),
      url: String(r.html_url ?? r.url ?? ""),
    }));
  }

  async commitStatus(repo: string, ref: string): Promise<CommitStatus> {
    const { data } = await this.call(
      "GET /repos/{owner}/{repo}/commits/{ref}/status",
      { ...ForgejoForge.split(repo), ref, limit: PAGE },
      `reading the commit status of ${ref.slice(0, 12)} in ${repo}`,
    );
    const json = data as Json;
    return {
      state: String(json.state ?? ""),
      checks: ((json.statuses ?? []) as Json[]).map((s) => ({
        context: String(s.context ?? ""),
        // Forgejo names a single status's state `status` (GitHub: `state`).
        state: String(s.status ?? s.state ?? ""),
        description: String(s.description ?? ""),
        url: String(s.target_url ?? ""),
      })),
    };
  }

  private me: Promise<string> | null = null;

  whoami(): Promise<string> {
    this.me ??= this.call("GET /user", {}, "reading the token's user").then(
      ({ data }) => String((data as Json).login),
      (e) => {
        this.me = null; // a failure is not remembered
        throw e;
      },
    );
    return this.me;
  }
}
