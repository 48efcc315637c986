// Forgejo stand-in routes about the user and repository contents: user, repo, tags, branches,
// files, commits, mirror sync and collaborator permission.

import {
  error,
  listOptions,
  notFound,
  pageHeaders,
  type Reply,
  type RepoCtx,
  repoRoute,
  type Route,
  route,
} from "./api.ts";
import { access, atLeast } from "./core.ts";
import * as git from "./git.ts";
import { branchJson, commitJson, contentsJson, repoJson, tagJson, userJson } from "./json.ts";
import { now } from "./state.ts";

const R = "/repos/{owner}/{repo}";

export const repoRoutes: Route[] = [
  route("GET", "/user", "token", (c) => ({ status: 200, json: userJson(c.core, c.user!.login) })),
  repoRoute("GET", R, "read", async (c) => ({
    status: 200,
    json: await repoJson(c.core, c.repo, c.user),
  })),
  // Forgejo sets X-Total-Count but no Link header on tags: GitHub-style pagination stops at page 1.
  repoRoute("GET", `${R}/tags`, "read", async (c) => {
    const all = await git.tags(c.repo.gitDir);
    const { page, limit } = listOptions(c);
    const json = all.slice((page - 1) * limit, page * limit).map((t) => tagJson(c.core, c.repo, t));
    return { status: 200, json, headers: pageHeaders(c, all.length, limit, false) };
  }),
  repoRoute("GET", `${R}/tags/{tag}`, "read", async (c) => {
    const tag = (await git.tags(c.repo.gitDir)).find((t) => t.name === c.params.tag);
    return tag ? { status: 200, json: tagJson(c.core, c.repo, tag) } : notFound(c.core);
  }),
  repoRoute("POST", `${R}/mirror-sync`, "write", mirrorSync),
  repoRoute("GET", `${R}/branches`, "read", async (c) => {
    const names = await git.branches(c.repo.gitDir);
    const { page, limit } = listOptions(c);
    const json = await Promise.all(
      names.slice((page - 1) * limit, page * limit).map((name) => branch(c, name)),
    );
    return { status: 200, json, headers: pageHeaders(c, names.length, limit, true) };
  }),
  repoRoute("GET", `${R}/branches/{branch}`, "read", async (c) => {
    const name = c.params.branch;
    if (!(await git.branchSha(c.repo.gitDir, name))) {
      return notFound(c.core, `branch does not exist [repo_id: 0 name: ${name}]`);
    }
    return { status: 200, json: await branch(c, name) };
  }),
  repoRoute("GET", `${R}/raw/{filepath}`, "read", async (c) => {
    const found = await fileAt(c);
    if ("status" in found) return found;
    if (found.entry.kind !== "blob") return notFound(c.core);
    const bytes = await git.blob(c.repo.gitDir, found.entry.sha);
    return { status: 200, bytes, headers: { "Content-Type": contentType(bytes) } };
  }),
  repoRoute("GET", `${R}/contents/{filepath}`, "read", async (c) => {
    const found = await fileAt(c);
    if ("status" in found) return found;
    const { entry, sha, ref } = found;
    const describe = async (e: git.Entry, withContent: boolean) =>
      contentsJson(
        c.core,
        c.repo,
        ref,
        e,
        await git.lastCommit(c.repo.gitDir, sha, e.path),
        withContent ? await git.blob(c.repo.gitDir, e.sha) : null,
      );
    if (entry.kind !== "tree") {
      return { status: 200, json: await describe(entry, entry.kind === "blob") };
    }
    const entries = await git.list(c.repo.gitDir, sha, entry.path);
    return {
      status: 200,
      json: await Promise.all(entries.map((e) => describe(e, false))),
      listOf: true,
    };
  }),
  repoRoute("GET", `${R}/commits`, "read", async (c) => {
    const ref = c.url.searchParams.get("sha") || await git.defaultBranch(c.repo.gitDir);
    const sha = await git.resolve(c.repo.gitDir, ref);
    if (!sha) {
      return (await git.branches(c.repo.gitDir)).length
        ? notFound(c.core, `object does not exist [id: ${ref}, rel_path: ]`)
        : error(c.core, 409, "Git Repository is empty.");
    }
    const { page, limit } = listOptions(c);
    const { commits, total } = await git.log(c.repo.gitDir, sha, (page - 1) * limit, limit);
    const pages = Math.ceil(total / limit);
    const headers = {
      ...pageHeaders(c, total, limit, true),
      "X-Page": String(page),
      "X-PerPage": String(limit),
      "X-PageCount": String(pages),
      "X-HasMore": String(page < pages),
    };
    return { status: 200, json: commits.map((x) => commitJson(c.core, c.repo, x)), headers };
  }),
  repoRoute("GET", `${R}/collaborators/{collaborator}/permission`, "read", permission),
];

async function branch(c: RepoCtx, name: string) {
  const tip = await git.commit(c.repo.gitDir, `refs/heads/${name}`);
  return branchJson(c.core, c.repo, name, tip, c.user);
}

/** Resolves `?ref=` (default branch by default) and the path, as Forgejo's RepoRefForAPI. */
async function fileAt(
  c: RepoCtx,
): Promise<{ entry: git.Entry; sha: string; ref: string } | Reply> {
  const ref = c.url.searchParams.get("ref") || await git.defaultBranch(c.repo.gitDir);
  const sha = await git.resolve(c.repo.gitDir, ref);
  if (!sha) return notFound(c.core);
  const path = c.params.filepath.replace(/^\/+|\/+$/g, "");
  const entry = await git.entry(c.repo.gitDir, sha, path);
  return entry
    ? { entry, sha, ref }
    : notFound(c.core, `object does not exist [id: , rel_path: ${path}]`);
}

function contentType(bytes: Uint8Array): string {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, 8000));
    return "text/plain; charset=utf-8";
  } catch {
    return "application/octet-stream";
  }
}

/**
 * Forgejo queues the sync and answers at once: with `mirrorSyncDelayMs` set, so does the
 * stand-in, and the new tags (and the repo's `mirror_updated`) show up that much later. Without
 * it the fetch runs before the answer (a departure kept for tests of other things). Fetch
 * failures still answer 200.
 */
async function mirrorSync(c: RepoCtx): Promise<Reply> {
  if (!(await git.isMirror(c.repo.gitDir))) {
    return error(c.core, 400, "Repository is not a mirror");
  }
  const { core, repo } = c;
  const sync = async () => {
    const result = await git.fetchMirror(repo.gitDir);
    core.state.mirrorSyncs.push({ repo: repo.full, at: now(), ok: result.ok });
    await core.save();
  };
  const delay = core.settings.mirrorSyncDelayMs;
  if (delay === null) await sync();
  else {
    const queued = new Promise((resolve) => setTimeout(resolve, delay)).then(sync);
    core.pending.add(queued);
    queued.finally(() => core.pending.delete(queued));
  }
  return { status: 200 };
}

/** 403 unless the caller is a repo admin or (where Forgejo allows it: `permissionSelf`) asks about
 * itself; site admins do not exist here. */
function permission(c: RepoCtx): Reply {
  const login = c.params.collaborator;
  const known = c.core.users.find((u) => u.login.toLowerCase() === login.toLowerCase());
  const isOwner = login.toLowerCase() === c.repo.owner.toLowerCase();
  if (!known && !isOwner) {
    return error(c.core, 404, `user does not exist [uid: 0, name: ${login}]`);
  }
  const self = c.core.settings.permissionSelf &&
    c.user!.login.toLowerCase() === login.toLowerCase();
  if (!self && !atLeast(c.access, "admin")) {
    return error(
      c.core,
      403,
      "Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own",
    );
  }
  const level = access(known ?? { login, token: "", permission: "read" }, c.repo);
  const user = userJson(c.core, known?.login ?? c.repo.owner);
  return { status: 200, json: { permission: level, role_name: level, user } };
}
