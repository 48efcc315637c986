// Forgejo stand-in: serves the /api/v1 subset the upgrade bot uses, with Forgejo's own quirks,
// and git smart HTTP through `git http-backend` over the bare repos root/<owner>/<name>.git.

import { dispatch, error, type Reply, type Route, swaggerUrl } from "./api.ts";
import { commentRoutes, createComment } from "./api_comments.ts";
import { findPull, merge, pullRoutes, setClosed } from "./api_pulls.ts";
import { actionRoutes } from "./api_actions.ts";
import { createIssue, findIssue, issueRoutes } from "./api_issues.ts";
import { statusRoutes } from "./api_statuses.ts";
import { repoRoutes } from "./api_repo.ts";
import { releaseRoutes } from "./api_releases.ts";
import { type Core, findRepo, type ForgeSettings, type ForgeUser, type RepoRef } from "./core.ts";
import * as git from "./git.ts";
import { serveGit } from "./githttp.ts";
import { commentJson } from "./json.ts";
import { checkReply, loadSwagger } from "./schema.ts";
import { type ActionRunRecord, loadState, now, type PullRecord, saveState } from "./state.ts";

export type { ForgeSettings, ForgeUser } from "./core.ts";

export interface ForgeOptions {
  root: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Who may call; without users every request is anonymous. */
  users?: ForgeUser[];
  /** Check every JSON reply against the swagger; mismatches land in `violations`. */
  validate?: boolean;
  /** Forgejo behaviours that depend on its version or settings (see ForgeSettings). */
  settings?: Partial<ForgeSettings>;
}

const DEFAULT_SETTINGS: ForgeSettings = {
  maxResponseItems: 50,
  permissionSelf: true,
  mirrorSyncDelayMs: null,
  refuseEncodedSlash: false,
};

export interface RequestRecord {
  method: string;
  /** Path and query as sent, e.g. "/api/v1/repos/o/r/tags?page=2". */
  path: string;
  status: number;
}

export interface Forge {
  url: string;
  /** Every request answered (API and git), in order. */
  requests: RequestRecord[];
  violations: string[];
  /** Mirror syncs asked for through the API, oldest first. */
  readonly mirrorSyncs: readonly { repo: string; at: string; ok: boolean }[];
  /**
   * The next `times` (default 1) requests matching `match` (path and query as in `requests`)
   * get `status` with a Forgejo-style error body, after `delayMs` if given (for timeouts).
   * With `afterProcessing` the request is carried out first: the response is what gets lost.
   */
  failNext(
    match: { method?: string; path: RegExp },
    response: { status: number; times?: number; delayMs?: number; afterProcessing?: boolean },
  ): void;
  /** Comments on pull or issue `index` as `login` (who needs no token); returns the Comment JSON. */
  addComment(
    owner: string,
    repo: string,
    index: number,
    login: string,
    body: string,
  ): Promise<Record<string, unknown>>;
  /** Opens an issue as `poster` (who needs no token); returns its number. */
  openIssue(
    owner: string,
    repo: string,
    issue: { title: string; body: string; poster: string },
  ): Promise<number>;
  closePull(owner: string, repo: string, index: number): Promise<void>;
  /** Merges as the API does (merge commit), by `login` (default "bot"). */
  mergePull(owner: string, repo: string, index: number, login?: string): Promise<void>;
  /** Opens a pull request as `poster` (someone else than the bot, say), from a branch of the base
   * repository or of the fork `headRepo` ("owner/name", a bare repo under root). */
  openPull(
    owner: string,
    repo: string,
    pull: { head: string; base: string; title: string; body?: string; poster: string },
    headRepo?: string,
  ): Promise<number>;
  /** Records an Actions workflow run, as the forge's runner would; returns its id. */
  addActionRun(
    owner: string,
    repo: string,
    run: {
      workflowId: string;
      title: string;
      event: string;
      headBranch: string;
      headSha: string;
      status: string;
      actor?: string;
    },
  ): Promise<number>;
  setActionRunStatus(id: number, status: string): Promise<void>;
  /** Publishes a release for an existing tag, as its author would on the forge; returns its id. */
  addRelease(
    owner: string,
    repo: string,
    release: { tag: string; name: string; body: string; prerelease?: boolean; author?: string },
  ): Promise<number>;
  stop(): Promise<void>;
}

const ROUTES: Route[] = [
  ...repoRoutes,
  ...pullRoutes,
  ...issueRoutes,
  ...commentRoutes,
  ...actionRoutes,
  ...releaseRoutes,
  ...statusRoutes,
];
const SWAGGER = new URL("./forgejo-api-v1.swagger.json", import.meta.url);

export async function startForge(opts: ForgeOptions): Promise<Forge> {
  await Deno.mkdir(opts.root, { recursive: true });
  const root = await Deno.realPath(opts.root);
  const state = await loadState(root);
  let saving = Promise.resolve();
  const pending = new Set<Promise<unknown>>();
  const core: Core = {
    root,
    url: "",
    users: opts.users ?? [],
    state,
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    pending,
    // Chained so concurrent requests never interleave their writes.
    save: () => saving = saving.then(() => saveState(root, state)),
  };
  const swagger = opts.validate ? loadSwagger(SWAGGER.pathname) : null;
  const requests: RequestRecord[] = [];
  const violations: string[] = [];
  const failures: {
    method?: string;
    path: RegExp;
    status: number;
    times: number;
    delayMs: number;
    afterProcessing: boolean;
  }[] = [];

  const validate = (method: string, template: string | null, reply: Reply, path: string) => {
    if (!swagger || !template) return;
    const body = reply.json === undefined ? {} : { [reply.listOf ? "list" : "json"]: reply.json };
    for (const p of checkReply(swagger, template, method, reply.status, body)) {
      violations.push(`${method} ${path} -> ${reply.status}: ${p}`);
    }
  };

  /** Cuts short the pending injected delays; stop() calls them all. */
  const delays = new Set<() => void>();
  const injected = async (rule: (typeof failures)[number]): Promise<Response> => {
    if (rule.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          delays.delete(finish);
          resolve();
        };
        const timer = setTimeout(finish, rule.delayMs);
        delays.add(finish);
      });
    }
    return Response.json({ message: "injected failure", url: swaggerUrl(core) }, {
      status: rule.status,
    });
  };

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname + url.search;
    const rule = failures.find((f) =>
      (!f.method || f.method.toUpperCase() === req.method) && f.path.test(path)
    );
    let response: Response;
    if (core.settings.refuseEncodedSlash && /%2f/i.test(req.url)) {
      // The proxy answers before Forgejo ever sees the request.
      response = new Response("Not Found\n", { status: 404 });
    } else if (rule) {
      if (--rule.times <= 0) failures.splice(failures.indexOf(rule), 1);
      // A lost response: the forge did the work, the client never hears of it.
      if (rule.afterProcessing) await dispatch(core, ROUTES, req);
      response = await injected(rule);
    } else if (url.pathname.startsWith("/api/v1/") || url.pathname === "/api/v1") {
      const { template, reply } = await dispatch(core, ROUTES, req).catch((e) => {
        console.error("forge stand-in:", e); // a stand-in bug, not a simulated failure
        return { template: null, reply: error(core, 500, String(e)) };
      });
      validate(req.method, template, reply, path);
      response = toResponse(reply);
    } else {
      response = await serveGit(core, req, url, pending);
    }
    requests.push({ method: req.method, path, status: response.status });
    return response;
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: opts.port ?? 0, onListen: () => {} },
    handle,
  );
  core.url = `http://127.0.0.1:${server.addr.port}`;

  const repoOf = async (owner: string, name: string): Promise<RepoRef> => {
    const repo = await findRepo(root, owner, name);
    if (!repo) throw new Error(`no repository ${owner}/${name} under ${root}`);
    return repo;
  };
  const pullOf = async (owner: string, name: string, index: number) => {
    const repo = await repoOf(owner, name);
    const pr = findPull(core, repo, index);
    if (!pr) throw new Error(`no pull ${owner}/${name}#${index}`);
    return { repo, pr };
  };

  return {
    url: core.url,
    requests,
    violations,
    get mirrorSyncs() {
      return state.mirrorSyncs;
    },
    failNext(match, response) {
      failures.push({
        method: match.method,
        path: match.path,
        status: response.status,
        times: response.times ?? 1,
        delayMs: response.delayMs ?? 0,
        afterProcessing: response.afterProcessing ?? false,
      });
    },
    async addComment(owner, name, index, login, body) {
      const repo = await repoOf(owner, name);
      if (!findPull(core, repo, index) && !findIssue(core, repo, index)) {
        throw new Error(`no pull or issue ${owner}/${name}#${index}`);
      }
      return commentJson(core, repo, await createComment(core, repo, index, login, body));
    },
    async openIssue(owner, name, issue) {
      const repo = await repoOf(owner, name);
      return (await createIssue(core, repo, issue.poster, issue.title, issue.body)).number;
    },
    async closePull(owner, name, index) {
      const { pr } = await pullOf(owner, name, index);
      setClosed(pr, true);
      await core.save();
    },
    async mergePull(owner, name, index, login = "bot") {
      const { repo, pr } = await pullOf(owner, name, index);
      const reply = await merge(core, repo, pr, login, {});
      if (reply.status !== 200) throw new Error(`merge failed: ${JSON.stringify(reply.json)}`);
    },
    async openPull(owner, name, pull, headRepo) {
      const repo = await repoOf(owner, name);
      const index = (state.lastIndex[repo.full] ?? 0) + 1;
      const at = now();
      const pr: PullRecord = {
        id: ++state.lastPullId,
        repo: repo.full,
        number: index,
        title: pull.title,
        body: pull.body ?? "",
        poster: pull.poster,
        head: pull.head,
        base: pull.base,
        closed: false,
        ...(headRepo ? { headRepo } : {}),
        createdAt: at,
        updatedAt: at,
      };
      if (headRepo) {
        const [forkOwner, forkName] = headRepo.split("/");
        const fork = await repoOf(forkOwner, forkName);
        await git.fetchPullRef(repo.gitDir, index, fork.gitDir, pull.head);
      } else {
        const sha = await git.branchSha(repo.gitDir, pull.head);
        if (!sha) throw new Error(`openPull: no branch ${pull.head} in ${repo.full}`);
        await git.setPullRef(repo.gitDir, index, sha);
      }
      state.lastIndex[repo.full] = index;
      state.pulls.push(pr);
      await core.save();
      return index;
    },
    async addActionRun(owner, name, run) {
      const repo = await repoOf(owner, name);
      const runs = state.actionRuns ??= [];
      const record: ActionRunRecord = {
        id: runs.length + 1,
        repo: repo.full,
        runNumber: runs.filter((r) => r.repo === repo.full).length + 1,
        actor: run.actor ?? "erich",
        createdAt: now(),
        ...run,
      };
      runs.push(record);
      await core.save();
      return record.id;
    },
    async setActionRunStatus(id, status) {
      const run = state.actionRuns?.find((r) => r.id === id);
      if (!run) throw new Error(`no action run ${id}`);
      run.status = status;
      await core.save();
    },
    async addRelease(owner, name, release) {
      const repo = await repoOf(owner, name);
      if (!(await git.resolve(repo.gitDir, `refs/tags/${release.tag}`))) {
        throw new Error(`addRelease: no tag ${release.tag} in ${repo.full}`);
      }
      const releases = state.releases ??= [];
      const record = {
        id: releases.length + 1,
        repo: repo.full,
        tag: release.tag,
        name: release.name,
        body: release.body,
        prerelease: release.prerelease ?? false,
        author: release.author ?? "upstream",
        createdAt: now(),
      };
      releases.push(record);
      await core.save();
      return record.id;
    },
    async stop() {
      for (const finish of delays) finish();
      await server.shutdown();
      await Promise.all(pending);
      await saving;
    },
  };
}

function toResponse(reply: Reply): Response {
  const headers = new Headers(reply.headers);
  if (reply.json !== undefined) {
    headers.set("Content-Type", "application/json;charset=utf-8");
    return new Response(JSON.stringify(reply.json), { status: reply.status, headers });
  }
  return new Response(reply.bytes ?? null, { status: reply.status, headers });
}
