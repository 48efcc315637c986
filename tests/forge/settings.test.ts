// The Forgejo stand-in's models of real Forgejo behaviour that our first stand-in left out: page
// size as an admin setting, permission checks for non-admins, queued mirror syncs, a proxy that
// refuses %2F, closing a pull request whose head branch is deleted, pull requests from other
// people and from forks, and Actions workflow runs. Every reply is checked against the swagger.

import assert from "node:assert/strict";
import { $ } from "zx";
import { createRepo, git } from "./fixture.ts";
import { type Forge, type ForgeSettings, startForge } from "./server.ts";

const USERS = [
  { login: "bot", token: "bot-token", permission: "write" as const },
  { login: "boss", token: "boss-token", permission: "admin" as const },
  { login: "mallory", token: "mallory-token", permission: "read" as const },
];
const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000);

async function withForge(
  settings: Partial<ForgeSettings>,
  fn: (forge: Forge, root: string) => Promise<void>,
) {
  const root = await Deno.makeTempDir({ prefix: "forge-settings-" });
  await createRepo(root, "eblume/blumeops", [
    { message: "init", files: { "README.md": "hi\n" }, date: day(0) },
  ]);
  await createRepo(
    root,
    "mirrors/authentik",
    Array.from({ length: 7 }, (_, i) => ({
      message: `release ${i}`,
      files: { "v.txt": `${i}\n` },
      date: day(i),
      tags: [`version/2026.${i + 1}.0`],
    })),
  );
  const forge = await startForge({ root, users: USERS, validate: true, settings });
  try {
    await fn(forge, root);
    assert.deepEqual(forge.violations, [], "every reply followed the swagger");
  } finally {
    await forge.stop();
    await Deno.remove(root, { recursive: true });
  }
}

async function api(forge: Forge, path: string, token = "bot-token", init: RequestInit = {}) {
  const r = await fetch(`${forge.url}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
  });
  const text = await r.text();
  const json = r.headers.get("Content-Type")?.includes("json") ? JSON.parse(text) : null;
  return { status: r.status, headers: r.headers, json };
}

Deno.test("MAX_RESPONSE_ITEMS caps every page; X-Total-Count says how many there are", async () => {
  await withForge({ maxResponseItems: 3 }, async (forge) => {
    const first = await api(forge, "/repos/mirrors/authentik/tags?limit=50");
    assert.equal(first.json.length, 3);
    assert.equal(first.headers.get("X-Total-Count"), "7");
    const third = await api(forge, "/repos/mirrors/authentik/tags?limit=50&page=3");
    assert.equal(third.json.length, 1);
    // The tags list comes newest first by the tag's date, not by name.
    assert.equal(first.json[0].name, "version/2026.7.0");
  });
});

Deno.test("permission checks: a writer bot gets 403 for others; older Forgejo even for itself", async () => {
  await withForge({}, async (forge) => {
    const other = await api(forge, "/repos/eblume/blumeops/collaborators/eblume/permission");
    assert.equal(other.status, 403);
    const self = await api(forge, "/repos/eblume/blumeops/collaborators/bot/permission");
    assert.equal(self.status, 200);
    const admin = await api(
      forge,
      "/repos/eblume/blumeops/collaborators/eblume/permission",
      "boss-token",
    );
    assert.equal(admin.json.permission, "owner");
  });
  await withForge({ permissionSelf: false }, async (forge) => {
    const self = await api(forge, "/repos/eblume/blumeops/collaborators/bot/permission");
    assert.equal(self.status, 403);
  });
});

Deno.test("mirror-sync only queues: the new tags and mirror_updated show up later", async () => {
  // The delay is long enough for the tags to be read before it ends on a busy machine; the sync
  // itself (a git fetch) is waited for, not timed.
  await withForge({ mirrorSyncDelayMs: 1000 }, async (forge, root) => {
    // A mirror of an upstream that gets a new release after the mirror was made.
    await createRepo(`${root}/upstream`, "x/app", [
      { message: "a", files: { "a": "1\n" }, date: day(1), tags: ["v1.0.0"] },
    ]);
    await git([
      "clone",
      "--quiet",
      "--mirror",
      `${root}/upstream/x/app.git`,
      `${root}/mirrors/app.git`,
    ]);
    await createRepo(`${root}/upstream`, "x/app2", [
      { message: "b", files: { "a": "2\n" }, date: day(2), tags: ["v2.0.0"] },
    ]);
    await git([
      "--git-dir",
      `${root}/upstream/x/app.git`,
      "fetch",
      "--quiet",
      `${root}/upstream/x/app2.git`,
      "refs/tags/*:refs/tags/*",
    ]);
    const before = await api(forge, "/repos/mirrors/app");
    await new Promise((r) => setTimeout(r, 1100)); // mirror_updated counts whole seconds
    const sync = await api(forge, "/repos/mirrors/app/mirror-sync", "bot-token", {
      method: "POST",
    });
    assert.equal(sync.status, 200);
    const soon = await api(forge, "/repos/mirrors/app/tags");
    assert.deepEqual(soon.json.map((t: { name: string }) => t.name), ["v1.0.0"], "not yet synced");
    const tags = async () =>
      (await api(forge, "/repos/mirrors/app/tags")).json.map((t: { name: string }) => t.name);
    for (let waited = 0; waited < 15_000 && (await tags()).length < 2; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const later = await api(forge, "/repos/mirrors/app/tags");
    assert.deepEqual(later.json.map((t: { name: string }) => t.name).sort(), ["v1.0.0", "v2.0.0"]);
    const after = await api(forge, "/repos/mirrors/app");
    assert.notEqual(after.json.mirror_updated, before.json.mirror_updated);
  });
});

Deno.test("a proxy that refuses %2F answers 404 for a tag that exists", async () => {
  await withForge({ refuseEncodedSlash: true }, async (forge) => {
    const tag = await api(
      forge,
      `/repos/mirrors/authentik/tags/${encodeURIComponent("version/2026.1.0")}`,
    );
    assert.equal(tag.status, 404);
    const plain = await api(forge, "/repos/mirrors/authentik/tags/version/2026.1.0");
    assert.equal(plain.status, 200);
  });
});

Deno.test("pull requests by others and from forks; deleting the head branch closes one", async () => {
  await withForge({}, async (forge, root) => {
    const work = `${root}/work`;
    await $({ quiet: true })`git clone -q ${`${root}/eblume/blumeops.git`} ${work}`;
    const sh = $({ cwd: work, quiet: true });
    await sh`git checkout -q -b mikado/upgrade-authentik`;
    await sh`git -c user.name=M -c user.email=m@x commit -q --allow-empty -m spoof`;
    await sh`git push -q origin mikado/upgrade-authentik`;
    await git([
      "clone",
      "--quiet",
      "--bare",
      `${root}/eblume/blumeops.git`,
      `${root}/mallory/blumeops.git`,
    ]);
    await sh`git push -q ${`${root}/mallory/blumeops.git`} mikado/upgrade-authentik`;

    const byOther = await forge.openPull("eblume", "blumeops", {
      head: "mikado/upgrade-authentik",
      base: "main",
      title: "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.9.0",
      poster: "mallory",
    });
    const fromFork = await forge.openPull("eblume", "blumeops", {
      head: "mikado/upgrade-authentik",
      base: "main",
      title: "from a fork",
      poster: "mallory",
    }, "mallory/blumeops");
    const pulls = (await api(forge, "/repos/eblume/blumeops/pulls?state=open")).json as {
      number: number;
      user: { login: string };
      head: { label: string; repo: { full_name: string } };
    }[];
    const other = pulls.find((p) => p.number === byOther)!;
    assert.equal(other.user.login, "mallory");
    assert.equal(other.head.repo.full_name, "eblume/blumeops");
    const fork = pulls.find((p) => p.number === fromFork)!;
    assert.equal(fork.head.repo.full_name, "mallory/blumeops");
    assert.equal(fork.head.label, "mallory:mikado/upgrade-authentik");

    await sh`git push -q origin --delete mikado/upgrade-authentik`;
    const closed = await api(forge, `/repos/eblume/blumeops/pulls/${byOther}`);
    assert.equal(closed.json.state, "closed", "deleting the head branch closed it");
    const stillOpen = await api(forge, `/repos/eblume/blumeops/pulls/${fromFork}`);
    assert.equal(stillOpen.json.state, "open", "the fork's branch is still there");
  });
});

Deno.test("Actions workflow runs: listed newest first, filtered by head_sha and status", async () => {
  await withForge({}, async (forge) => {
    const a = await forge.addActionRun("eblume", "blumeops", {
      workflowId: "build-container-nix.yaml",
      title: "Build Container (Nix)",
      event: "push",
      headBranch: "main",
      headSha: "a".repeat(40),
      status: "running",
    });
    await forge.addActionRun("eblume", "blumeops", {
      workflowId: "build-container-nix.yaml",
      title: "Build Container (Nix)",
      event: "push",
      headBranch: "main",
      headSha: "b".repeat(40),
      status: "success",
    });
    const all = await api(forge, "/repos/eblume/blumeops/actions/runs");
    assert.equal(all.json.total_count, 2);
    assert.equal(all.json.workflow_runs[0].head_sha, "b".repeat(40));
    await forge.setActionRunStatus(a, "failure");
    const mine = await api(forge, `/repos/eblume/blumeops/actions/runs?head_sha=${"a".repeat(40)}`);
    assert.deepEqual(mine.json.workflow_runs.map((r: { status: string }) => r.status), ["failure"]);
    const failed = await api(forge, "/repos/eblume/blumeops/actions/runs?status=failure");
    assert.equal(failed.json.total_count, 1);
    const one = await api(forge, `/repos/eblume/blumeops/actions/runs/${a}`);
    assert.equal(one.json.workflow_id, "build-container-nix.yaml");
  });
});
