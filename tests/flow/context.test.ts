// The context's builder and the run's base files (lib/flow/context.ts), against the Forgejo stand-in and real git.
import assert from "node:assert/strict";
import { join } from "node:path";
import { baseFiles, makeContext } from "../../lib/flow/context.ts";
import { ForgejoForge } from "../../lib/platform/forgejo/client.ts";
import { Git } from "../../lib/runtime/git.ts";
import { parseConfig, runSettings } from "../../lib/runtime/config.ts";
import type { ResolvedPackage } from "../../lib/nix/layout.ts";
import { startForge } from "../forge/server.ts";
import { createRepo } from "../forge/fixture.ts";

const TOKEN = "bot-token-for-context-tests";

Deno.test("baseFiles: each file of the base branch asked once a run, a failure once too", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-context-test-" });
  await createRepo(root, "eblume/blumeops", [{
    date: new Date(Date.UTC(2026, 0, 1)),
    message: "base",
    files: {
      "service-versions.yaml": "services: []\n",
      "argocd/manifests/authentik/kustomization.yaml": "images: []\n",
    },
  }]);
  const standIn = await startForge({
    root,
    users: [{ login: "bot", token: TOKEN, permission: "admin" }],
    validate: true,
  });
  try {
    const forge = new ForgejoForge(standIn.url, TOKEN, { retryBaseSeconds: 0.05 });
    const settings = {
      forge: { ...runSettings(parseConfig("", "t")).forge, repo: "eblume/blumeops" },
    };
    const files = baseFiles(forge, settings);
    const raw = (path: string) =>
      standIn.requests.filter((r) =>
        r.path.startsWith(`/api/v1/repos/eblume/blumeops/raw/${path}?`)
      )
        .length;
    // Two packages and the dashboard read the services' file; one the manifest.
    const [a, b] = await Promise.all([
      files("service-versions.yaml"),
      files("service-versions.yaml"),
    ]);
    assert.equal(a, "services: []\n");
    assert.equal(b, a);
    assert.equal(await files("service-versions.yaml"), a);
    assert.equal(await files("argocd/manifests/authentik/kustomization.yaml"), "images: []\n");
    assert.equal(raw("service-versions.yaml"), 1);
    assert.equal(raw("argocd/manifests/authentik/kustomization.yaml"), 1);
    assert.ok(
      standIn.requests.every((r) => !r.path.includes("/raw/") || r.path.endsWith("ref=main")),
    );
    // A file the base lacks: every reader hears the same error, asked once.
    for (let i = 0; i < 2; i++) {
      await assert.rejects(files("missing.yaml"), /missing\.yaml.*\(404\)/);
    }
    assert.equal(raw("missing.yaml"), 1);
    assert.deepEqual(standIn.violations, []);
  } finally {
    await standIn.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("makeContext: the package directory in the checkout, and nothing the caller did not ask", () => {
  const settings = runSettings(parseConfig("", "t"));
  const git = new Git("/checkout", { name: "t", email: "t@localhost" });
  const pkg = { name: "authentik", dir: "containers/authentik" } as ResolvedPackage;
  const ctx = makeContext({ settings, forge: null }, { git, top: "/checkout" }, pkg, {
    from: "2026.2.0",
    to: "2026.5.0",
    date: "2026-05-01",
  });
  assert.equal(ctx.dir, join("/checkout", "containers/authentik"));
  assert.equal(ctx.package, pkg);
  assert.equal(ctx.git, git);
  assert.deepEqual(
    { fromTags: ctx.fromTags, path: ctx.path, bump: ctx.bump, diffBase: ctx.diffBase },
    { fromTags: [], path: { ahead: [], skipped: [], tags: [] }, bump: true, diffBase: null },
  );
  assert.equal(ctx.publish, null);
  assert.equal(ctx.upstream, undefined);
  const rebuild = makeContext({ settings, forge: null }, { git, top: "/scratch" }, pkg, {
    from: "2026.2.0",
    to: "2026.5.0",
    date: "2026-05-01",
    bump: false,
    diffBase: "abc",
  });
  assert.equal(rebuild.dir, "/scratch/containers/authentik");
  assert.equal(rebuild.bump, false);
  assert.equal(rebuild.diffBase, "abc");
});
