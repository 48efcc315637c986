// The forge client (lib/platform/forgejo/client.ts) against the Forgejo stand-in, with Forgejo's quirks.
import assert from "node:assert/strict";
import { $ } from "zx";
import { ForgejoForge } from "../../lib/platform/forgejo/client.ts";
import { parseLsRefs } from "../../lib/platform/forgejo/refs.ts";
import { type Forge as StandIn, startForge } from "../forge/server.ts";
import { createRepo } from "../forge/fixture.ts";

const TOKEN = "bot-token-for-forge-tests";

async function withForge(
  fn: (standIn: StandIn, forge: ForgejoForge, root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-forge-test-" });
  const day = 24 * 3600 * 1000;
  await createRepo(
    root,
    "mirrors/authentik",
    Array.from({ length: 61 }, (_, i) => ({
      date: new Date(Date.UTC(2026, 0, 1) + i * day),
      message: `release ${i}`,
      files: { "README.md": `release ${i}\n`, "dir/file.txt": `nested ${i}\n` },
      tags: [`version/2026.${i}.0`],
    })),
  );
  const standIn = await startForge({
    root,
    users: [{ login: "bot", token: TOKEN, permission: "admin" }, {
      login: "reader",
      token: "reader-token",
      permission: "read",
    }],
    validate: true,
  });
  try {
    await fn(standIn, new ForgejoForge(standIn.url, TOKEN, { retryBaseSeconds: 0.05 }), root);
    assert.deepEqual(standIn.violations, []);
  } finally {
    await standIn.stop();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("tags: one git ref advertisement lists every tag with the prefix, not API pages", async () => {
  await withForge(async (standIn, forge) => {
    const tags = await forge.tags("mirrors/authentik", "version/");
    assert.equal(tags.length, 61);
    assert.ok(tags.includes("version/2026.0.0") && tags.includes("version/2026.60.0"));
    assert.deepEqual(standIn.requests.filter((r) => r.path.startsWith("/api/")), []);
    assert.ok(standIn.requests.length <= 2, JSON.stringify(standIn.requests));
    // protocol v2's ls-refs: one POST, no capability request first.
    assert.deepEqual(
      standIn.requests.map((r) => `${r.method} ${r.path}`),
      ["POST /mirrors/authentik.git/git-upload-pack"],
    );
    assert.equal(forge.requests, 1);
    assert.deepEqual(await forge.tags("mirrors/authentik", "nothing-like-this/"), []);
    assert.equal(await forge.tagExists("mirrors/authentik", "version/2026.7.0"), true);
    assert.equal(await forge.tagExists("mirrors/authentik", "version/2099.1.0"), false);
  });
});

Deno.test("parseLsRefs: the peeled commit wins; lengths in bytes; a refusal and a cut-off answer are said", () => {
  const bytes = (t: string) => new TextEncoder().encode(t);
  const pkt = (t: string) => (bytes(t).length + 4).toString(16).padStart(4, "0") + t;
  const [a, b] = ["a".repeat(40), "b".repeat(40)];
  const listing = parseLsRefs(
    bytes(
      pkt(`${a} refs/tags/v1\n`) + pkt(`${a} refs/tags/v2 peeled:${b}\n`) +
        pkt(`${b} refs/tags/ünï-1.0\n`) + "0000",
    ),
  );
  assert.deepEqual(listing, {
    refs: new Map([["refs/tags/v1", a], ["refs/tags/v2", b], ["refs/tags/ünï-1.0", b]]),
  });
  assert.deepEqual(parseLsRefs(bytes(pkt("ERR no such command\n"))), {
    status: 0,
    message: "no such command",
  });
  assert.ok("message" in parseLsRefs(bytes(pkt(`${a} refs/tags/v1\n`))), "no flush: unfinished");
});

Deno.test("tagCommits and tag: each tag's commit, an annotated tag's peeled; tag's commit date", async () => {
  await withForge(async (_standIn, forge, root) => {
    const gitDir = `${root}/mirrors/authentik.git`;
    const sh = $({ cwd: gitDir, quiet: true });
    const sha = (await sh`git rev-parse ${"version/2026.7.0^{commit}"}`).stdout.trim();
    // An annotated tag on the same commit: the listing names the commit, not the tag object.
    await sh`git -c user.name=M -c user.email=m@x tag -a -m ${"signed"} version/2026.99.0 ${sha}`;
    const commits = await forge.tagCommits("mirrors/authentik", "version/");
    assert.equal(commits.size, 62);
    assert.equal(commits.get("version/2026.7.0"), sha);
    assert.equal(commits.get("version/2026.99.0"), sha);
    const tag = await forge.tag("mirrors/authentik", "version/2026.7.0");
    assert.equal(tag?.sha, sha);
    assert.equal(Date.parse(tag!.created), Date.UTC(2026, 0, 8));
    assert.equal((await forge.tag("mirrors/authentik", "version/2026.99.0"))?.sha, sha);
    assert.equal(await forge.tag("mirrors/authentik", "version/2099.1.0"), null);
  });
});

Deno.test("readFile keeps the path's slashes and reads the given ref", async () => {
  await withForge(async (standIn, forge) => {
    assert.equal(
      await forge.readFile("mirrors/authentik", "dir/file.txt", "version/2026.3.0"),
      "nested 3\n",
    );
    assert.ok(
      standIn.requests.some((r) => r.path.includes("/raw/dir/file.txt?")),
      "no %2F in the path",
    );
  });
});

Deno.test("500s are retried until they pass; 409 and 404 are not retried", async () => {
  await withForge(async (standIn, forge) => {
    standIn.failNext({ path: /\/git-upload-pack$/ }, { status: 500, times: 2 });
    assert.equal((await forge.tags("mirrors/authentik")).length, 61);
    assert.equal(standIn.requests.filter((r) => r.status === 500).length, 2);
    const before = standIn.requests.length;
    await assert.rejects(
      forge.readFile("mirrors/nope", "x", "main"),
      /mirrors\/nope: not found \(404\)/,
    );
    assert.equal(standIn.requests.length - before, 1, "a 404 is asked once");
  });
});

Deno.test("errors name what the token lacks", async () => {
  await withForge(async (standIn) => {
    const bad = new ForgejoForge(standIn.url, "wrong-token");
    await assert.rejects(bad.tags("mirrors/authentik"), /the token was rejected \(401\)/);
    const reader = new ForgejoForge(standIn.url, "reader-token");
    await assert.rejects(
      reader.syncMirror("mirrors/authentik"),
      /syncing the mirror mirrors\/authentik: the token lacks permission \(403\)/,
    );
  });
});

Deno.test("a timeout is retried and then reported", async () => {
  await withForge(async (standIn) => {
    const impatient = new ForgejoForge(standIn.url, TOKEN, {
      timeoutSeconds: 0.5,
      retries: 1,
      retryBaseSeconds: 0.05,
    });
    standIn.failNext({ path: /\/user$/ }, { status: 200, times: 1, delayMs: 2000 });
    assert.equal(await impatient.whoami(), "bot", "the retry after the timeout succeeds");
    standIn.failNext({ path: /\/user$/ }, { status: 200, times: 5, delayMs: 2000 });
    const fresh = new ForgejoForge(standIn.url, TOKEN, {
      timeoutSeconds: 0.5,
      retries: 1,
      retryBaseSeconds: 0.05,
    });
    await assert.rejects(fresh.whoami(), /reading the token's user/);
  });
});

Deno.test("opening a pull request that is open already updates it (Forgejo's 409)", async () => {
  await withForge(async (standIn, forge, root) => {
    await $({
      quiet: true,
    })`git --git-dir ${`${root}/mirrors/authentik.git`} branch feature main~1`;
    const p = { head: "main", base: "feature", title: "first", body: "one" };
    const first = await forge.createPull("mirrors/authentik", p);
    const second = await forge.createPull("mirrors/authentik", {
      ...p,
      title: "second",
      body: "two",
    });
    assert.equal(second.number, first.number);
    assert.equal(second.title, "second");
    assert.ok(standIn.requests.some((r) => r.method === "POST" && r.status === 409));
    assert.equal((await forge.pulls("mirrors/authentik", "open")).length, 1);
  });
});

Deno.test("release: the notes of a tag's release; a tag without one is null", async () => {
  await withForge(async (standIn, forge) => {
    await standIn.addRelease("mirrors", "authentik", {
      tag: "version/2026.5.0",
      name: "authentik 2026.5.0",
      body: "## Breaking changes\n\n- none\n",
    });
    assert.deepEqual(await forge.release("mirrors/authentik", "version/2026.5.0"), {
      tag: "version/2026.5.0",
      name: "authentik 2026.5.0",
      body: "## Breaking changes\n\n- none\n",
      url: `${standIn.url}/mirrors/authentik/releases/tag/version/2026.5.0`,
    });
    assert.equal(await forge.release("mirrors/authentik", "version/2026.6.0"), null);
    assert.equal(
      forge.compareUrl("mirrors/authentik", "version/2026.2.0", "version/2026.5.0"),
      `${standIn.url}/mirrors/authentik/compare/version/2026.2.0...version/2026.5.0`,
    );
  });
});

Deno.test("commitStatus: nothing reported, then the worst of each check's newest status", async () => {
  await withForge(async (standIn, forge, root) => {
    const report = (state: string, context: string, token = TOKEN) =>
      fetch(`${standIn.url}/api/v1/repos/mirrors/authentik/statuses/version%2F2026.3.0`, {
        method: "POST",
        headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ state, context, description: `${context} ${state}` }),
      }).then(async (r) => (await r.body?.cancel(), r.status));
    assert.deepEqual(await forge.commitStatus("mirrors/authentik", "version/2026.3.0"), {
      state: "",
      checks: [],
    });
    assert.equal(await report("success", "lint", "reader-token"), 403, "reporting needs write");
    assert.equal(await report("pending", "build"), 201, "a ref names its commit");
    const sha = (await $({
      cwd: `${root}/mirrors/authentik.git`,
      quiet: true,
    })`git rev-parse ${"version/2026.3.0^{commit}"}`).stdout.trim();
    const post = (state: string, context: string) =>
      fetch(`${standIn.url}/api/v1/repos/mirrors/authentik/statuses/${sha}`, {
        method: "POST",
        headers: { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          state,
          context,
          description: `${context} ${state}`,
          target_url: "http://ci/1",
        }),
      }).then(async (r) => (await r.body?.cancel(), r.status));
    assert.equal(await post("success", "lint"), 201);
    assert.equal((await forge.commitStatus("mirrors/authentik", sha)).state, "pending");
    assert.equal(await post("failure", "build"), 201);
    const failed = await forge.commitStatus("mirrors/authentik", "version/2026.3.0");
    assert.equal(failed.state, "failure");
    assert.deepEqual(failed.checks.map((c) => [c.context, c.state, c.description, c.url]), [
      ["lint", "success", "lint success", "http://ci/1"],
      ["build", "failure", "build failure", "http://ci/1"],
    ]);
    assert.equal(await post("success", "build"), 201);
    assert.equal((await forge.commitStatus("mirrors/authentik", sha)).state, "success");
  });
});
