// Shared model of the Forgejo stand-in: users, repositories on disk and access levels.

import type { State } from "./state.ts";

export interface ForgeUser {
  login: string;
  token: string;
  /** Applies to every repository; a user whose login is the repo owner is its owner. */
  permission: "read" | "write" | "admin";
}

export interface RepoRef {
  owner: string;
  name: string;
  full: string;
  gitDir: string;
}

/** Behaviours of a real Forgejo that depend on its version or its admin's settings. */
export interface ForgeSettings {
  /** `[api] MAX_RESPONSE_ITEMS`: the largest page (Forgejo's default 50; often set lower). */
  maxResponseItems: number;
  /** Whether a caller may ask its own collaborator permission (older Forgejo: admins only). */
  permissionSelf: boolean;
  /** POST mirror-sync only queues the sync: the fetch happens this much later (null: at once,
   * before the answer, which real Forgejo never does). */
  mirrorSyncDelayMs: number | null;
  /** A reverse proxy in front that refuses `%2F` in paths (404), as some nginx setups do. */
  refuseEncodedSlash: boolean;
}

export interface Core {
  root: string;
  url: string;
  users: ForgeUser[];
  state: State;
  settings: ForgeSettings;
  /** Background work (queued mirror syncs) that stop() waits for. */
  pending: Set<Promise<unknown>>;
  save(): Promise<void>;
}

/** Forgejo's access modes, weakest first. */
export type Access = "none" | "read" | "write" | "admin" | "owner";
const ORDER: Access[] = ["none", "read", "write", "admin", "owner"];

export function access(user: ForgeUser | null, repo: RepoRef): Access {
  if (!user) return "none";
  if (user.login.toLowerCase() === repo.owner.toLowerCase()) return "owner";
  return user.permission;
}

export function atLeast(have: Access, need: Access): boolean {
  return ORDER.indexOf(have) >= ORDER.indexOf(need);
}

/** Every bare repo `root/<owner>/<name>.git`, read afresh so repos created later appear. */
export async function scanRepos(root: string): Promise<RepoRef[]> {
  const repos: RepoRef[] = [];
  for await (const owner of readDirs(root)) {
    for await (const entry of readDirs(`${root}/${owner}`)) {
      if (!entry.endsWith(".git")) continue;
      const gitDir = `${root}/${owner}/${entry}`;
      const isBare = await Deno.stat(`${gitDir}/HEAD`).then(() => true, () => false);
      if (!isBare) continue;
      const name = entry.slice(0, -4);
      repos.push({ owner, name, full: `${owner}/${name}`, gitDir });
    }
  }
  return repos;
}

async function* readDirs(dir: string): AsyncGenerator<string> {
  try {
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) yield e.name;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** Forgejo matches owner and repo names case-insensitively. */
export async function findRepo(root: string, owner: string, name: string): Promise<RepoRef | null> {
  const full = `${owner}/${name}`.toLowerCase();
  return (await scanRepos(root)).find((r) => r.full.toLowerCase() === full) ?? null;
}

/** Stable ids (FNV-1a) so ids survive restarts without being stored. */
export function stableId(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text.toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 1_000_000) + 1;
}

/**
 * The user behind a request's credentials: `Authorization: token|Bearer <T>`, or basic auth
 * with the token as password (or as user name, password empty or "x-oauth-basic", as git
 * credential helpers send it). `invalid` is set when credentials were sent but match no token.
 */
export function authenticate(
  users: ForgeUser[],
  req: Request,
): { user: ForgeUser | null; invalid: boolean } {
  const header = req.headers.get("authorization");
  if (!header) return { user: null, invalid: false };
  const [scheme, value = ""] = header.trim().split(/\s+/, 2);
  let candidates: string[] = [];
  if (/^(token|bearer)$/i.test(scheme)) candidates = [value];
  else if (/^basic$/i.test(scheme)) {
    let decoded = "";
    try {
      decoded = atob(value);
    } catch { /* malformed: no candidates */ }
    const colon = decoded.indexOf(":");
    const [name, password] = colon < 0
      ? [decoded, ""]
      : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    candidates = password === "" || password === "x-oauth-basic" ? [name] : [password];
  }
  const user = users.find((u) => u.token !== "" && candidates.includes(u.token)) ?? null;
  return { user, invalid: !user };
}
