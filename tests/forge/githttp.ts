// Git smart HTTP for the Forgejo stand-in: Forgejo's access rules in front of git's own
// `git http-backend`, and Forgejo's post-receive upkeep of refs/pull/N/head.

import { httpBackend } from "./cgi.ts";
import { access, atLeast, authenticate, type Core, findRepo } from "./core.ts";
import { refreshPullRefs } from "./api_pulls.ts";

/**
 * Git smart HTTP on /<owner>/<name>(.git)/...: every repo needs credentials (a 401 with a
 * Basic challenge makes git send the ones from the URL or its credential helper), pushes need
 * write access. After a push, refs/pull/N/head of the repo's open pulls follow their branches.
 * `pending` receives each backend run, for stop() to wait on.
 */
export async function serveGit(
  core: Core,
  req: Request,
  url: URL,
  pending: Set<Promise<unknown>>,
): Promise<Response> {
  const m = url.pathname.match(
    /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack))$/,
  );
  if (!m) return new Response("Not found.\n", { status: 404 });
  const [, owner, name, rest] = m;
  const { user } = authenticate(core.users, req);
  if (!user) {
    const headers = { "WWW-Authenticate": 'Basic realm="Gitea"' };
    return new Response("Unauthorized\n", { status: 401, headers });
  }
  const repo = await findRepo(core.root, owner, name);
  if (!repo) return new Response("Repository not found\n", { status: 404 });
  const push = rest === "/git-receive-pack" ||
    url.searchParams.get("service") === "git-receive-pack";
  const level = access(user, repo);
  if (!atLeast(level, push ? "write" : "read")) {
    return new Response("User permission denied\n", { status: 403 });
  }
  const pathInfo = `/${repo.gitDir.slice(core.root.length + 1)}${rest}`;
  const { response, exited } = await httpBackend(req, {
    root: core.root,
    pathInfo,
    remoteUser: user.login,
  });
  const done = exited.then(async () => {
    if (rest === "/git-receive-pack") await refreshPullRefs(core, repo);
  }).finally(() => pending.delete(done));
  pending.add(done);
  return response;
}
