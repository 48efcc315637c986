// Routing, authorisation and reply helpers for the Forgejo stand-in's /api/v1. Routes are keyed
// by their swagger path template, which is also how their replies are validated.

import {
  type Access,
  access,
  atLeast,
  authenticate,
  type Core,
  findRepo,
  type ForgeUser,
  type RepoRef,
} from "./core.ts";

export interface Reply {
  status: number;
  /** JSON body; undefined sends no body (Forgejo's ctx.Status). */
  json?: unknown;
  bytes?: Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
  /** The body is a list of what the swagger declares one of (Forgejo's directory contents). */
  listOf?: boolean;
}

export interface Ctx {
  core: Core;
  req: Request;
  url: URL;
  user: ForgeUser | null;
  params: Record<string, string>;
}

export interface RepoCtx extends Ctx {
  repo: RepoRef;
  access: Access;
}

/** "token": signed in, any access; "read"/"write": that much access to the repo. */
type Need = "token" | "read" | "write";

export interface Route {
  method: string;
  template: string;
  need: Need;
  handler: (c: Ctx) => Reply | Promise<Reply>;
}

export function route(
  method: string,
  template: string,
  need: Need,
  handler: (c: Ctx) => Reply | Promise<Reply>,
): Route {
  return { method, template, need, handler };
}

/** A route under /repos/{owner}/{repo}: the handler gets the resolved repo and the caller's access. */
export function repoRoute(
  method: string,
  template: string,
  need: Need,
  handler: (c: RepoCtx) => Reply | Promise<Reply>,
): Route {
  return { method, template, need, handler: (c) => handler(c as RepoCtx) };
}

/** Parameters that take the rest of the path, slashes included (Forgejo's `*` routes). */
const REST = new Set(["tag", "branch", "filepath", "head"]);
const NUMERIC = new Set(["index", "id", "run_id"]);

function match(template: string, segments: string[]): Record<string, string> | null {
  const parts = template.split("/").slice(1);
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const name = part.match(/^\{(\w+)\}$/)?.[1];
    const segment = segments[i];
    if (segment === undefined || segment === "") return null;
    if (!name) {
      if (segment !== part) return null;
    } else if (REST.has(name) && i === parts.length - 1) {
      params[name] = segments.slice(i).join("/");
      return params;
    } else if (NUMERIC.has(name) && !/^\d+$/.test(segment)) return null;
    else params[name] = segment;
  }
  return segments.length === parts.length ? params : null;
}

export function swaggerUrl(core: Core): string {
  return `${core.url}/api/swagger`;
}

/** Forgejo's ctx.Error: `{message, url}`. */
export function error(core: Core, status: number, message: string): Reply {
  return { status, json: { message, url: swaggerUrl(core) } };
}

/** Forgejo's ctx.NotFound: a fixed message, error texts in `errors`. */
export function notFound(core: Core, ...errors: string[]): Reply {
  return {
    status: 404,
    json: { message: "The target couldn't be found.", url: swaggerUrl(core), errors },
  };
}

/**
 * Answers an /api/v1 request. Returns the swagger template of the matched route (null when
 * none matched) so the caller can validate the reply.
 */
export async function dispatch(
  core: Core,
  routes: Route[],
  req: Request,
): Promise<{ template: string | null; reply: Reply }> {
  const url = new URL(req.url);
  const segments = url.pathname.slice("/api/v1".length).split("/").slice(1).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  let methodMismatch = false;
  for (const r of routes) {
    const params = match(r.template, segments);
    if (!params) continue;
    if (r.method !== req.method) {
      methodMismatch = true;
      continue;
    }
    return { template: r.template, reply: await authorise(core, r, req, url, params) };
  }
  return { template: null, reply: methodMismatch ? { status: 405 } : notFound(core) };
}

async function authorise(
  core: Core,
  r: Route,
  req: Request,
  url: URL,
  params: Record<string, string>,
): Promise<Reply> {
  const { user, invalid } = authenticate(core.users, req);
  if (invalid) return error(core, 401, "invalid username, password or token");
  const c: Ctx = { core, req, url, user, params };
  if (params.owner !== undefined) {
    const repo = await findRepo(core.root, params.owner, params.repo);
    // Every repo here is private: Forgejo hides those from callers without access as missing.
    if (!repo || !user) return notFound(core);
    const level = access(user, repo);
    if (r.need === "write" && !atLeast(level, "write")) {
      return error(core, 403, "user should have a permission to write to a repo");
    }
    return r.handler({ ...c, repo, access: level } as RepoCtx);
  }
  if (!user) return error(core, 401, "token is required");
  return r.handler(c);
}

/** The JSON request body; a body that is not a JSON object reads as empty. */
export async function body(c: Ctx): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Forgejo's utils.GetListOptions: page from 1, limit 30 by default (or MAX_RESPONSE_ITEMS when
 * that is lower) and at most MAX_RESPONSE_ITEMS. */
export function listOptions(c: Ctx): { page: number; limit: number } {
  const page = Math.max(1, Number.parseInt(c.url.searchParams.get("page") ?? "") || 1);
  const asked = Number.parseInt(c.url.searchParams.get("limit") ?? "") || 0;
  const max = c.core.settings.maxResponseItems;
  return { page, limit: asked <= 0 ? Math.min(30, max) : Math.min(asked, max) };
}

/** X-Total-Count, plus Forgejo's Link header (SetLinkHeader) for the lists that set it. */
export function pageHeaders(
  c: Ctx,
  total: number,
  limit: number,
  withLink: boolean,
): Record<string, string> {
  const headers: Record<string, string> = { "X-Total-Count": String(total) };
  if (!withLink) return headers;
  const pages = Math.ceil(total / limit);
  // Forgejo's paginater clamps the current page to the last one (0 when the list is empty).
  const asked = Math.max(1, Number.parseInt(c.url.searchParams.get("page") ?? "") || 1);
  const current = Math.min(asked, pages);
  const link = (page: number, rel: string) => {
    const query = new URLSearchParams(c.url.searchParams);
    query.set("page", String(page));
    query.sort(); // Go's url.Values.Encode sorts keys
    return `<${c.core.url}${c.url.pathname}?${query}>; rel="${rel}"`;
  };
  const links = [];
  if (current < pages) links.push(link(current + 1, "next"));
  if (current !== pages) links.push(link(pages, "last"));
  if (current !== 1) links.push(link(1, "first"));
  if (current > 1) links.push(link(current - 1, "prev"));
  if (links.length) headers["Link"] = links.join(",");
  return headers;
}
