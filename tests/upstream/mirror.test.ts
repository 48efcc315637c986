// A mirror read over git between two tags (lib/upstream/mirror.ts) from the Forgejo stand-in:
// the commit count, what changed, chosen blobs, in three partial fetches.
import assert from "node:assert/strict";
import { ForgejoForge } from "../../lib/platform/forgejo/client.ts";
import { parseDiffTree, withMirrorDiff } from "../../lib/upstream/mirror.ts";
import { startForge } from "../forge/server.ts";
import { createRepo } from "../forge/fixture.ts";

const TOKEN = "bot-token-for-mirror-tests";

Deno.test("withMirrorDiff: commits between the tags, changed paths, blobs read in one fetch", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-mirror-test-" });
  const day = 24 * 3600 * 1000;
  await createRepo(
    root,
    "mirrors/authentik",
    Array.from({ length: 12 }, (_, i) => ({
      date: new Date(Date.UTC(2026, 0, 1) + i * day),
      message: `commit ${i}`,
      files: {
        "README.md": "unchanged\n",
        "uv.lock": `version = 1\n# ${i < 5 ? "old" : "new"}\n`,
        [`notes/${i}.md`]: `notes ${i}\n`,
      },
      tags: i === 2 ? ["version/2026.2.0"] : i === 9 ? ["version/2026.5.0"] : [],
    })),
  );
  const standIn = await startForge({
    root,
    users: [{ login: "bot", token: TOKEN, permission: "admin" }],
    validate: true,
  });
  try {
    const forge = new ForgejoForge(standIn.url, TOKEN);
    const remote = forge.gitRemote("mirrors/authentik");
    await withMirrorDiff(remote, "version/2026.2.0", "version/2026.5.0", async (d) => {
      assert.equal(d.commits, 7);
      assert.deepEqual(d.problems, []);
      const byPath = Object.fromEntries(d.changed.map((c) => [c.path, c]));
      // Earlier files stay in createRepo's trees: notes 3 to 9 are new, uv.lock changed.
      assert.deepEqual(Object.keys(byPath).sort(), [
        ...[3, 4, 5, 6, 7, 8, 9].map((n) => `notes/${n}.md`),
        "uv.lock",
      ]);
      assert.equal(byPath["notes/9.md"].from, null);
      assert.ok(byPath["uv.lock"].from && byPath["uv.lock"].to);
      const notes = await d.blobAt("notes/9.md");
      assert.ok(notes);
      assert.equal(await d.blobAt("no/such/file.md"), null);
      const texts = await d.read([byPath["uv.lock"].from!, byPath["uv.lock"].to!, notes!]);
      assert.equal(texts.get(byPath["uv.lock"].from!), "version = 1\n# old\n");
      assert.equal(texts.get(byPath["uv.lock"].to!), "version = 1\n# new\n");
      assert.equal(texts.get(notes!), "notes 9\n");
    });
    // Three fetches: info/refs and upload-pack each, no more (no lazy fetch behind the bot's back).
    const mirror = standIn.requests.filter((r) => r.path.startsWith("/mirrors/"));
    assert.ok(mirror.length <= 8, mirror.map((r) => r.path).join("\n"));
    assert.equal(mirror.filter((r) => r.path.includes("info/refs")).length, 3);

    // A tag the mirror lacks: the commits cannot be counted (said), and the tips fetch fails.
    await assert.rejects(
      withMirrorDiff(remote, "version/2025.1.0", "version/2026.5.0", () => Promise.resolve()),
      /git fetch failed/,
    );
    assert.deepEqual(standIn.violations, []);
  } finally {
    await standIn.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parseDiffTree: added, deleted and modified entries", () => {
  const z = "0".repeat(40);
  const a = "a".repeat(40);
  const b = "b".repeat(40);
  const raw = `:000000 100644 ${z} ${a} A\0new file.md\0:100644 000000 ${b} ${z} D\0gone\0` +
    `:100644 100644 ${a} ${b} M\0web/package-lock.json\0`;
  assert.deepEqual(parseDiffTree(raw), [
    { path: "new file.md", from: null, to: a },
    { path: "gone", from: b, to: null },
    { path: "web/package-lock.json", from: a, to: b },
  ]);
});
