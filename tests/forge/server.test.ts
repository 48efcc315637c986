// Tests of the Forgejo stand-in (tests/forge/) with the real octokit client and real git over
// HTTP; every reply is checked against Forgejo's swagger (validate mode).

import assert from "node:assert/strict";
import { Octokit, RequestError } from "octokit";
import { createRepo, git } from "./fixture.ts";
import { checkReply, loadSwagger } from "./schema.ts";
import { type Forge, type ForgeUser, startForge } from "./server.ts";

const USERS: ForgeUser[] = [
  { login: "bot", token: "bot-token", permission: "admin" },
  { login: "writer", token: "writer-token", permission: "write" },
  { login: "reader", token: "reader-token", permission: "read" },
];

const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000);

/**
 * octokit as the bot should configure it for Forgejo: 409/423 are answers, not hiccups. The
 * throttling plugin is off because it spaces writes a second apart (GitHub's secondary limits).
 */
function client(forge: Forge, token = "bot-token", retry: Record<string, unknown> = {}) {
  return new Octokit({
    baseUrl: `${forge.url}/api/v1`,
    auth: token,
    throttle: { enabled: false },
    retry: {
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 423, 451],
      retryAfterBaseValue: 1,
      ...retry,
    },
  });
}

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (e) {
    if (e instanceof RequestError) return e.status;
    throw e;
  }
}

interface World {
  forge: Forge;
  root: string;
  work: string;
}

/** A stand-in (validating) over mirrors/authentik (tagged) and eblume/blumeops (main only). */
async function withForge(fn: (w: World) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "forge-test-" });
  const root = `${dir}/root`;
  const tagged = Array.from({ length: 65 }, (_, i) => ({
    message: `release ${i}`,
    date: day(i),
    tags: [`version/2025.${i + 1}.0`],
  }));
  tagged.push({
    message: "after releases",
    date: day(100),
    tags: [{ name: "zz-light", lightweight: true }, {
      name: "aa-light",
      lightweight: true,
    }] as never,
  });
  await createRepo(root, "mirrors/authentik", tagged);
  await createRepo(root, "eblume/blumeops", [{
    message: "init",
    date: day(0),
    files: {
      "containers/authentik/sources.nix": 'let version = "2026.2.0"; in {}\n',
      "service-versions.yaml": "- name: authentik\n",
    },
  }]);
  const forge = await startForge({ root, users: USERS, validate: true });
  try {
    await fn({ forge, root, work: dir });
    assert.deepEqual(forge.violations, []);
  } finally {
    await forge.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

function cloneUrl(forge: Forge, repo: string, token: string): string {
  return forge.url.replace("://", `://user:${token}@`) + `/${repo}.git`;
}

/** Clones eblume/blumeops over HTTP and pushes a commit on `branch`; returns its sha. */
async function pushBranch(w: World, branch: string, file = "change.txt"): Promise<string> {
  const dir = `${w.work}/clone-${branch.replaceAll("/", "-")}`;
  await git(["clone", "--quiet", cloneUrl(w.forge, "eblume/blumeops", "bot-token"), dir]);
  await git(["checkout", "--quiet", "-b", branch], undefined, dir);
  await Deno.writeTextFile(`${dir}/${file}`, `${branch}\n`);
  await git(["add", file], undefined, dir);
  await git(
    ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "--quiet", "-m", branch],
    undefined,
    dir,
  );
  await git(["push", "--quiet", "origin", branch], undefined, dir);
  return git(["rev-parse", "HEAD"], undefined, dir);
}

Deno.test("tags: octokit.paginate stops after page 1, page/limit and X-Total-Count reach all", async () => {
  await withForge(async ({ forge, root }) => {
    const octokit = client(forge);
    const params = { owner: "mirrors", repo: "authentik" };
    const paginated = await octokit.paginate("GET /repos/{owner}/{repo}/tags", {
      ...params,
      per_page: 100,
    });
    assert.equal(paginated.length, 30, "per_page is ignored and no Link header leads further");

    const first = await octokit.request("GET /repos/{owner}/{repo}/tags", {
      ...params,
      limit: 100,
    });
    assert.equal(first.data.length, 50, "limit is capped at 50");
    assert.equal(first.headers.link, undefined);
    const total = Number(first.headers["x-total-count"]);
    assert.equal(total, 67);
    const names: string[] = [];
    for (let page = 1; names.length < total; page++) {
      const res = await octokit.request("GET /repos/{owner}/{repo}/tags", {
        ...params,
        page,
        limit: 50,
      });
      names.push(...res.data.map((t) => t.name));
    }
    assert.equal(names.length, 67);
    // Forgejo sorts by -*creatordate: annotated tags newest first, lightweight ones last by name.
    assert.deepEqual(names.slice(0, 2), ["version/2025.65.0", "version/2025.64.0"]);
    assert.deepEqual(names.slice(-3), ["version/2025.1.0", "aa-light", "zz-light"]);

    const tag = await octokit.request("GET /repos/{owner}/{repo}/tags/{tag}", {
      ...params,
      tag: "version/2025.3.0",
    });
    const gitDir = `${root}/mirrors/authentik.git`;
    assert.equal(
      tag.data.commit.sha,
      await git(["--git-dir", gitDir, "rev-parse", "version/2025.3.0^{commit}"]),
    );
    assert.equal(tag.data.name, "version/2025.3.0");
  });
});

Deno.test("pulls: clone and push over HTTP, create 201, duplicate 409, base/head lookup, PATCH 201", async () => {
  await withForge(async (w) => {
    const octokit = client(w.forge);
    const repo = { owner: "eblume", repo: "blumeops" };
    const branch = "mikado/authentik-2026.5.0";
    const sha = await pushBranch(w, branch);

    const created = await octokit.rest.pulls.create({
      ...repo,
      head: branch,
      base: "main",
      title: "Upgrade",
      body: "b",
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.number, 1);
    assert.equal(created.data.head.sha, sha);
    assert.equal(created.data.head.ref, branch);
    assert.equal(created.data.draft, false);
    assert.equal(created.data.state, "open");
    assert.equal(created.data.mergeable, true);

    assert.equal(
      await status(
        octokit.rest.pulls.create({ ...repo, head: branch, base: "main", title: "again" }),
      ),
      409,
    );
    assert.equal(
      await status(
        octokit.rest.pulls.create({ ...repo, head: "no-such", base: "main", title: "x" }),
      ),
      404,
    );

    const found = await octokit.request("GET /repos/{owner}/{repo}/pulls/{base}/{head}", {
      ...repo,
      base: "main",
      head: branch,
    });
    assert.equal(found.data.number, 1);
    assert.equal(
      await status(
        octokit.request("GET /repos/{owner}/{repo}/pulls/{base}/{head}", {
          ...repo,
          base: "main",
          head: "nope",
        }),
      ),
      404,
    );

    const edited = await octokit.rest.pulls.update({
      ...repo,
      pull_number: 1,
      title: "WIP: Upgrade",
    });
    assert.equal(edited.status as number, 201);
    assert.equal(edited.data.draft, true);
    assert.equal(
      (await octokit.rest.pulls.update({ ...repo, pull_number: 1, title: "[wip] Upgrade" })).data
        .draft,
      true,
    );

    // A push moves the head; refs/pull/1/head follows, like Forgejo's post-receive.
    const dir = `${w.work}/clone-${branch.replaceAll("/", "-")}`;
    await Deno.writeTextFile(`${dir}/more.txt`, "more\n");
    await git(["add", "more.txt"], undefined, dir);
    await git(
      ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "--quiet", "-m", "more"],
      undefined,
      dir,
    );
    await git(["push", "--quiet", "origin", branch], undefined, dir);
    const moved = await git(["rev-parse", "HEAD"], undefined, dir);
    assert.equal((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.head.sha, moved);
    assert.equal(
      await git(["--git-dir", `${w.root}/eblume/blumeops.git`, "rev-parse", "refs/pull/1/head"]),
      moved,
    );

    // Pull lists carry Link headers, so paginate walks them (issue numbers are shared).
    await pushBranch(w, "other");
    await octokit.rest.pulls.create({ ...repo, head: "other", base: "main", title: "Other" });
    const page = await octokit.request("GET /repos/{owner}/{repo}/pulls", { ...repo, limit: 1 });
    assert.match(page.headers.link ?? "", /rel="next"/);
    assert.equal(page.headers["x-total-count"], "2");
    assert.equal(page.data[0].number, 2, "newest first");
    // Forgejo's `limit` is unknown to octokit's GitHub types, hence the untyped route.
    const all = await octokit.paginate<{ number: number }>(
      "GET /repos/{owner}/{repo}/pulls" as string,
      {
        ...repo,
        limit: 1,
      },
    );
    assert.deepEqual(all.map((p) => p.number), [2, 1]);

    const closed = await octokit.rest.pulls.update({ ...repo, pull_number: 2, state: "closed" });
    assert.equal(closed.data.state, "closed");
    const open = await octokit.rest.pulls.list({ ...repo, state: "open" });
    assert.deepEqual(open.data.map((p) => p.number), [1]);

    // A closed pull does not block a new one on the same branches, but it shadows it in the
    // base/head lookup, which has no state filter in Forgejo.
    const reopened = await octokit.rest.pulls.create({
      ...repo,
      head: "other",
      base: "main",
      title: "2nd",
    });
    assert.equal(reopened.data.number, 3);
    const lookup = await octokit.request("GET /repos/{owner}/{repo}/pulls/{base}/{head}", {
      ...repo,
      base: "main",
      head: "other",
    });
    assert.deepEqual([lookup.data.number, lookup.data.state], [2, "closed"]);
  });
});

Deno.test("merge: WIP refused, then a real merge commit on the base branch", async () => {
  await withForge(async (w) => {
    const octokit = client(w.forge);
    const repo = { owner: "eblume", repo: "blumeops" };
    const head = await pushBranch(w, "feature");
    const gitDir = `${w.root}/eblume/blumeops.git`;
    const base = await git(["--git-dir", gitDir, "rev-parse", "main"]);
    await octokit.rest.pulls.create({ ...repo, head: "feature", base: "main", title: "WIP: x" });
    // Forgejo merges with POST; octokit.rest.pulls.merge sends GitHub's PUT and gets a 405.
    assert.equal(await status(octokit.rest.pulls.merge({ ...repo, pull_number: 1 })), 405);
    const merge = (as: Octokit) =>
      as.request("POST /repos/{owner}/{repo}/pulls/{index}/merge", {
        ...repo,
        index: 1,
        Do: "merge",
      });
    assert.equal(await status(merge(octokit)), 405, "WIP pulls cannot be merged");
    await octokit.rest.pulls.update({ ...repo, pull_number: 1, title: "feature" });
    assert.equal(await status(merge(client(w.forge, "reader-token"))), 405, "readers cannot merge");

    assert.equal((await merge(octokit)).status, 200);
    const tip = await git(["--git-dir", gitDir, "rev-parse", "main"]);
    assert.equal(
      await git(["--git-dir", gitDir, "rev-parse", "main^1", "main^2"]),
      `${base}\n${head}`,
    );
    const pr = (await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data;
    assert.equal(pr.merged, true);
    assert.equal(pr.state, "closed");
    assert.equal(pr.merge_commit_sha, tip);
    assert.equal(pr.merged_by?.login, "bot");
    assert.equal(await status(merge(octokit)), 405, "already merged");
  });
});

Deno.test("merge_when_checks_succeed: scheduled while checks are missing or failing, merged when they pass", async () => {
  await withForge(async (w) => {
    const octokit = client(w.forge);
    const repo = { owner: "eblume", repo: "blumeops" };
    const head = await pushBranch(w, "pin");
    const gitDir = `${w.root}/eblume/blumeops.git`;
    const base = await git(["--git-dir", gitDir, "rev-parse", "main"]);
    await octokit.rest.pulls.create({ ...repo, head: "pin", base: "main", title: "Pin x" });
    const auto = () =>
      octokit.request("POST /repos/{owner}/{repo}/pulls/{index}/merge", {
        ...repo,
        index: 1,
        Do: "squash",
        merge_when_checks_succeed: true,
      });
    const merged = async () =>
      (await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.merged;
    const report = (state: "failure" | "success") =>
      octokit.request("POST /repos/{owner}/{repo}/statuses/{sha}", {
        ...repo,
        sha: head,
        state,
        context: "ci",
      });
    assert.equal((await auto()).status, 200, "scheduled");
    assert.equal(await merged(), false, "no checks yet: not merged");
    assert.equal(await status(auto()), 409, "already scheduled");
    await report("failure");
    assert.equal(await merged(), false, "failing checks: not merged");
    await report("success");
    assert.equal(await merged(), true, "merged once the checks pass");
    assert.equal(await git(["--git-dir", gitDir, "rev-parse", "main^"]), base, "squashed on main");
  });
});

Deno.test("comments: since filters on update time, reactions 201/200, permission 403 rule", async () => {
  await withForge(async (w) => {
    const octokit = client(w.forge);
    const repo = { owner: "eblume", repo: "blumeops" };
    await pushBranch(w, "feature");
    await octokit.rest.pulls.create({ ...repo, head: "feature", base: "main", title: "feature" });

    const first = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: 1,
      body: "one",
    });
    assert.equal(first.status, 201);
    await new Promise((r) => setTimeout(r, 1100)); // Forgejo times have whole seconds
    const second = await w.forge.addComment("eblume", "blumeops", 1, "reader", "/approve");
    const since = String(second.created_at);
    const list = (extra = {}) =>
      octokit.rest.issues.listComments({ ...repo, issue_number: 1, ...extra });
    assert.deepEqual((await list()).data.map((c) => c.body), ["one", "/approve"]);
    assert.deepEqual((await list({ since })).data.map((c) => c.body), ["/approve"]);
    const patched = await octokit.rest.issues.updateComment({
      ...repo,
      comment_id: first.data.id,
      body: "one!",
    });
    assert.equal(patched.status, 200);
    assert.deepEqual((await list({ since })).data.map((c) => c.body), ["one!", "/approve"]);
    const got = await octokit.rest.issues.getComment({ ...repo, comment_id: Number(second.id) });
    assert.equal(got.data.user?.login, "reader");

    const reader = client(w.forge, "reader-token");
    assert.equal(
      await status(
        reader.rest.issues.updateComment({ ...repo, comment_id: first.data.id, body: "x" }),
      ),
      403,
    );
    assert.equal(
      (await reader.rest.issues.createComment({ ...repo, issue_number: 1, body: "hi" })).status,
      201,
    );

    const react = (content: string) =>
      octokit.rest.reactions.createForIssueComment({
        ...repo,
        comment_id: Number(second.id),
        content: content as "+1",
      });
    assert.equal((await react("+1")).status, 201);
    assert.equal((await react("+1")).status, 200);
    assert.equal((await react("eyes")).status, 201);
    assert.equal(await status(react("thumbsup")), 403);
    const reactions = await octokit.rest.reactions.listForIssueComment({
      ...repo,
      comment_id: Number(second.id),
    });
    assert.deepEqual(reactions.data.map((r) => [r.user?.login, r.content]), [["bot", "+1"], [
      "bot",
      "eyes",
    ]]);
    const none = await octokit.rest.reactions.listForIssueComment({
      ...repo,
      comment_id: first.data.id,
    });
    assert.equal(none.data, null, "Forgejo sends null, not [], for no reactions");

    const permission = (as: Octokit, username: string) =>
      as.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    assert.equal((await permission(octokit, "reader")).data.permission, "read");
    assert.equal((await permission(octokit, "eblume")).data.permission, "owner");
    assert.equal((await permission(reader, "reader")).data.permission, "read");
    assert.equal(await status(permission(reader, "bot")), 403);
    assert.equal(await status(permission(octokit, "nobody")), 404);
  });
});

Deno.test("issues: numbers shared with pulls, list by type, state and created_by, PATCH 201, comments", async () => {
  await withForge(async (w) => {
    const octokit = client(w.forge);
    const reader = client(w.forge, "reader-token");
    const repo = { owner: "eblume", repo: "blumeops" };
    await pushBranch(w, "feature");
    await octokit.rest.pulls.create({ ...repo, head: "feature", base: "main", title: "a pull" });
    const created = await octokit.rest.issues.create({ ...repo, title: "Dashboard", body: "b" });
    assert.equal(created.status, 201);
    assert.equal(created.data.number, 2, "after pull #1");
    assert.equal(created.data.pull_request, null);
    assert.equal(created.data.user?.login, "bot");
    assert.equal(await status(octokit.rest.issues.create({ ...repo, title: " " })), 422);
    const theirs = await w.forge.openIssue("eblume", "blumeops", {
      title: "Dashboard",
      body: "b",
      poster: "reader",
    });
    assert.equal(theirs, 3);

    const list = async (query: Record<string, string>) =>
      (await octokit.request("GET /repos/{owner}/{repo}/issues", { ...repo, ...query })).data as {
        number: number;
        pull_request: unknown;
      }[];
    assert.deepEqual((await list({})).map((i) => i.number), [3, 2, 1], "both kinds, newest first");
    assert.deepEqual((await list({ type: "issues" })).map((i) => i.number), [3, 2]);
    assert.deepEqual((await list({ type: "pulls" })).map((i) => i.number), [1]);
    assert.ok((await list({ type: "pulls" }))[0].pull_request, "a pull carries its meta");
    const mine = { type: "issues", state: "open", created_by: "bot" };
    assert.deepEqual((await list(mine)).map((i) => i.number), [2]);
    assert.equal(
      await status(octokit.request("GET /repos/{owner}/{repo}/issues", {
        ...repo,
        created_by: "nobody",
      })),
      404,
    );
    const paged = await octokit.request("GET /repos/{owner}/{repo}/issues", {
      ...repo,
      limit: 1,
      page: 2,
    });
    assert.equal(paged.headers["x-total-count"], "3");
    assert.deepEqual((paged.data as { number: number }[]).map((i) => i.number), [2]);

    const patched = await octokit.rest.issues.update({ ...repo, issue_number: 2, body: "c" });
    assert.equal(patched.status, 201, "Forgejo answers 201");
    assert.equal(patched.data.body, "c");
    assert.equal(
      await status(reader.rest.issues.update({ ...repo, issue_number: 2, body: "x" })),
      403,
      "a reader may not edit the bot's issue",
    );
    assert.equal(
      (await reader.rest.issues.update({ ...repo, issue_number: 3, body: "mine" })).status,
      201,
      "the poster may edit their own",
    );
    const closed = await octokit.rest.issues.update({ ...repo, issue_number: 3, state: "closed" });
    assert.equal(closed.data.state, "closed");
    assert.ok(closed.data.closed_at);
    assert.deepEqual((await list({ type: "issues" })).map((i) => i.number), [2]);
    assert.deepEqual((await list({ type: "issues", state: "closed" })).map((i) => i.number), [3]);

    const comment = await reader.rest.issues.createComment({
      ...repo,
      issue_number: 2,
      body: "hi",
    });
    assert.equal(comment.status, 201);
    assert.match(comment.data.issue_url ?? "", /\/eblume\/blumeops\/issues\/2$/);
    assert.equal((comment.data as { pull_request_url?: string }).pull_request_url, "");
    const got = await octokit.rest.issues.get({ ...repo, issue_number: 2 });
    assert.equal(got.data.comments, 1);
    assert.equal(await status(octokit.rest.issues.get({ ...repo, issue_number: 9 })), 404);
  });
});

Deno.test("auth: bad token 401, anonymous and unknown repos 404, readers cannot push or write", async () => {
  await withForge(async (w) => {
    assert.equal(await status(client(w.forge, "wrong").rest.users.getAuthenticated()), 401);
    const anonymous = new Octokit({ baseUrl: `${w.forge.url}/api/v1`, retry: { enabled: false } });
    assert.equal(await status(anonymous.rest.users.getAuthenticated()), 401);
    assert.equal(
      await status(anonymous.rest.repos.get({ owner: "eblume", repo: "blumeops" })),
      404,
    );
    const octokit = client(w.forge);
    assert.equal((await octokit.rest.users.getAuthenticated()).data.login, "bot");
    assert.equal(await status(octokit.rest.repos.get({ owner: "eblume", repo: "nope" })), 404);
    const repo = await octokit.rest.repos.get({ owner: "eblume", repo: "blumeops" });
    assert.deepEqual(repo.data.permissions, { admin: true, push: true, pull: true });
    assert.equal(repo.data.default_branch, "main");

    const reader = client(w.forge, "reader-token");
    assert.deepEqual(
      (await reader.rest.repos.get({ owner: "eblume", repo: "blumeops" })).data.permissions,
      {
        admin: false,
        push: false,
        pull: true,
      },
    );
    assert.equal(
      await status(
        reader.request("POST /repos/{owner}/{repo}/mirror-sync", {
          owner: "mirrors",
          repo: "authentik",
        }),
      ),
      403,
    );

    const dir = `${w.work}/reader-clone`;
    await git(["clone", "--quiet", cloneUrl(w.forge, "eblume/blumeops", "reader-token"), dir]);
    await git(["checkout", "--quiet", "-b", "sneaky"], undefined, dir);
    const push = await new Deno.Command("git", {
      args: ["push", "origin", "sneaky"],
      cwd: dir,
      stderr: "piped",
    }).output();
    assert.equal(push.success, false);
    assert.match(new TextDecoder().decode(push.stderr), /403/);
    const anonymousClone = await new Deno.Command("git", {
      args: ["clone", `${w.forge.url}/eblume/blumeops.git`, `${w.work}/anon`],
      env: { GIT_TERMINAL_PROMPT: "0" },
      stderr: "piped",
    }).output();
    assert.equal(anonymousClone.success, false);
  });
});

Deno.test("failNext: one injected 500 then recovery; a delayed reply times the client out", async () => {
  await withForge(async (w) => {
    const path = /\/api\/v1\/repos\/eblume\/blumeops$/;
    const get = (o: Octokit, request = {}) =>
      o.rest.repos.get({ owner: "eblume", repo: "blumeops", request });
    const plain = client(w.forge, "bot-token", { enabled: false });
    w.forge.failNext({ path }, { status: 500 });
    assert.equal(await status(get(plain)), 500);
    assert.equal((await get(plain)).status, 200);

    // octokit's retry plugin rides over a single 500 on its own.
    w.forge.failNext({ method: "GET", path }, { status: 500 });
    const before = w.forge.requests.length;
    assert.equal((await get(client(w.forge))).status, 200);
    assert.deepEqual(w.forge.requests.slice(before).map((r) => r.status), [500, 200]);

    w.forge.failNext({ path }, { status: 504, delayMs: 10_000 });
    const timedOut = await get(plain, { signal: AbortSignal.timeout(100) }).then(
      () => "answered",
      (e) => e.name,
    );
    assert.notEqual(timedOut, "answered");
    assert.equal((await get(plain)).status, 200);
  });
});

Deno.test("restart: a stand-in over the same root keeps pulls, comments and reactions", async () => {
  await withForge(async (w) => {
    const repo = { owner: "eblume", repo: "blumeops" };
    await pushBranch(w, "feature");
    await client(w.forge).rest.pulls.create({
      ...repo,
      head: "feature",
      base: "main",
      title: "kept",
    });
    const comment = await w.forge.addComment("eblume", "blumeops", 1, "writer", "remember me");
    const commentId = Number(comment.id);
    await client(w.forge).rest.reactions.createForIssueComment({
      ...repo,
      comment_id: commentId,
      content: "rocket",
    });
    await w.forge.stop();

    const again = await startForge({ root: w.root, users: USERS, validate: true });
    try {
      const octokit = client(again);
      assert.equal((await octokit.rest.pulls.get({ ...repo, pull_number: 1 })).data.title, "kept");
      const comments = await octokit.rest.issues.listComments({ ...repo, issue_number: 1 });
      assert.deepEqual(comments.data.map((c) => [c.id, c.body]), [[commentId, "remember me"]]);
      const reactions = await octokit.rest.reactions.listForIssueComment({
        ...repo,
        comment_id: commentId,
      });
      assert.deepEqual(reactions.data.map((r) => r.content), ["rocket"]);
      await pushBranch({ ...w, forge: again }, "second", "second.txt");
      const next = await octokit.rest.pulls.create({
        ...repo,
        head: "second",
        base: "main",
        title: "next",
      });
      assert.equal(next.data.number, 2);
      assert.deepEqual(again.violations, []);
    } finally {
      await again.stop();
    }
  });
});

Deno.test("files and branches: contents, raw, directory listing, branch lookup with slashes", async () => {
  await withForge(async (w) => {
    const octokit = client(w.forge);
    const repo = { owner: "eblume", repo: "blumeops" };
    await pushBranch(w, "mikado/x");
    const path = "containers/authentik/sources.nix";
    const contents = await octokit.rest.repos.getContent({ ...repo, path, ref: "main" });
    const file = contents.data as { content: string; encoding: string; type: string };
    assert.equal(file.type, "file");
    assert.equal(atob(file.content), 'let version = "2026.2.0"; in {}\n');
    const raw = await octokit.request("GET /repos/{owner}/{repo}/raw/{filepath}", {
      ...repo,
      filepath: path,
    });
    assert.equal(raw.data, 'let version = "2026.2.0"; in {}\n');
    const dir = await octokit.rest.repos.getContent({ ...repo, path: "containers/authentik" });
    assert.deepEqual((dir.data as { name: string }[]).map((e) => e.name), ["sources.nix"]);
    assert.equal(
      await status(octokit.rest.repos.getContent({ ...repo, path: "missing.txt" })),
      404,
    );
    assert.equal(
      await status(octokit.rest.repos.getContent({ ...repo, path, ref: "no-such-ref" })),
      404,
    );

    const branch = await octokit.rest.repos.getBranch({ ...repo, branch: "mikado/x" });
    assert.equal(branch.data.name, "mikado/x");
    const branches = await octokit.paginate<{ name: string }>(
      "GET /repos/{owner}/{repo}/branches" as string,
      {
        ...repo,
        limit: 1,
      },
    );
    assert.deepEqual(branches.map((b) => b.name), ["main", "mikado/x"]);
    const commits = await octokit.request("GET /repos/{owner}/{repo}/commits", {
      ...repo,
      sha: "mikado/x",
      limit: 1,
    });
    assert.equal(commits.data[0].commit.message.trim(), "mikado/x");
    assert.equal(commits.headers["x-total-count"], "2");
  });
});

Deno.test("mirror-sync: fetches the upstream before answering 200; plain repos get 400", async () => {
  await withForge(async (w) => {
    const upstream = await createRepo(w.work, "upstream/authentik-client-go", [
      { message: "c", date: day(1), tags: ["v3.2025.1.0"] },
    ]);
    await git([
      "clone",
      "--quiet",
      "--mirror",
      upstream,
      `${w.root}/mirrors/authentik-client-go.git`,
    ]);
    const octokit = client(w.forge);
    const params = { owner: "mirrors", repo: "authentik-client-go" };
    const tags = async () => (await octokit.rest.repos.listTags(params)).data.map((t) => t.name);
    assert.deepEqual(await tags(), ["v3.2025.1.0"]);

    const work = `${w.work}/upstream-work`;
    await git(["clone", "--quiet", upstream, work]);
    await git(
      ["-c", "user.name=t", "-c", "user.email=t@e", "tag", "-a", "v3.2025.2.0", "-m", "r"],
      undefined,
      work,
    );
    await git(["push", "--quiet", "origin", "v3.2025.2.0"], undefined, work);
    assert.deepEqual(await tags(), ["v3.2025.1.0"], "not before a sync");

    const sync = await octokit.request("POST /repos/{owner}/{repo}/mirror-sync", params);
    assert.equal(sync.status, 200);
    assert.deepEqual((await tags()).sort(), ["v3.2025.1.0", "v3.2025.2.0"]);
    assert.deepEqual(w.forge.mirrorSyncs.map((s) => [s.repo, s.ok]), [[
      "mirrors/authentik-client-go",
      true,
    ]]);
    const mirror = (await octokit.rest.repos.get(params)).data as unknown as { mirror: boolean };
    assert.equal(mirror.mirror, true);
    const plain = octokit.request("POST /repos/{owner}/{repo}/mirror-sync", {
      owner: "eblume",
      repo: "blumeops",
    });
    assert.equal(await status(plain), 400);
  });
});

Deno.test("schema: replies are checked against the swagger operation and status", () => {
  const swagger = loadSwagger(
    new URL("./forgejo-api-v1.swagger.json", import.meta.url).pathname,
  );
  const pull = "/repos/{owner}/{repo}/pulls/{index}";
  const bad = { number: "1", head: { sha: 1 }, merged_at: null, draft: true, surprise: 1 };
  assert.deepEqual(checkReply(swagger, pull, "GET", 200, { json: bad }), [
    "$.number: expected integer, got string",
    "$.head.sha: expected string, got number",
    "$.surprise: not declared in the schema",
  ]);
  assert.deepEqual(checkReply(swagger, pull, "PATCH", 200, { json: {} }), [
    `status 200 not declared for PATCH ${pull}`,
  ]);
  assert.deepEqual(
    checkReply(swagger, "/repos/{owner}/{repo}/tags", "GET", 200, {
      json: [{ commit: { created: "yesterday" } }],
    }),
    [
      '$[0].commit.created: "yesterday" is not a date-time',
    ],
  );
  const merge = "/repos/{owner}/{repo}/pulls/{index}/merge";
  assert.deepEqual(checkReply(swagger, merge, "POST", 200, { json: {} }), [
    "body sent, none declared",
  ]);
  assert.deepEqual(
    checkReply(swagger, merge, "POST", 405, { json: { message: "m", url: "u" } }),
    [],
  );
  assert.deepEqual(checkReply(swagger, merge, "POST", 405, { json: { msg: "m" } }), [
    "$.msg: not declared in the schema",
  ]);
});
