// A repository's files read from a checkout and from a commit's tree in a blobless clone with no
// checkout (lib/runtime/tree.ts): the same paths and texts, and the clone's blobs come in one fetch.
import assert from "node:assert/strict";
import { $ } from "zx";
import { checkoutFiles, commitFiles } from "../../lib/runtime/tree.ts";
import { Git } from "../../lib/runtime/git.ts";

Deno.test("commitFiles lists and reads what checkoutFiles does, with no checkout written", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-tree-test-" });
  try {
    const src = `${root}/src`;
    const files: Record<string, string> = {
      "service-versions.yaml": "services: []\n",
      "containers/app/Dockerfile": "FROM x\n",
      "containers/app/deep/er/still/more/file.txt": "five levels\n",
      "argocd/apps/app.yaml": "kind: Application\n",
      "docs/ünïcode — name.md": "Grüße, 世界\n",
      ".hidden/secret": "no\n",
      "containers/.dot": "no\n",
      "node_modules/x/index.js": "no\n",
    };
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${src}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeTextFile(`${src}/${path}`, text);
    }
    await Deno.symlink("Dockerfile", `${src}/containers/app/link`);
    const sh = $({ cwd: src, quiet: true });
    await sh`git init -q -b main . && git add -A && git -c user.name=t -c user.email=t@x commit -q -m all`;
    await sh`git config uploadpack.allowFilter true`;
    await $({
      cwd: root,
      quiet: true,
    })`git clone -q --no-checkout --filter=blob:none file://${src} clone`;
    const clone = `${root}/clone`;
    assert.deepEqual([...Deno.readDirSync(clone)].map((e) => e.name), [".git"], "no checkout");
    const fromGit = await commitFiles(new Git(clone), "origin/main", true);
    const fromDisk = checkoutFiles(src);
    for (const [dir, depth] of [["", Infinity], ["containers", Infinity], ["", 2], ["nope", 1]]) {
      const listed = await fromGit.list(dir as string, depth as number);
      assert.deepEqual(listed, await fromDisk.list(dir as string, depth as number), `${dir}`);
      for (const path of listed) assert.equal(await fromGit.read(path), await fromDisk.read(path));
    }
    assert.deepEqual((await fromGit.list("")).sort(), [
      "argocd/apps/app.yaml",
      "containers/app/Dockerfile",
      "containers/app/deep/er/still/more/file.txt",
      "docs/ünïcode — name.md",
      "service-versions.yaml",
    ]);
    assert.equal(await fromGit.read("docs/ünïcode — name.md"), "Grüße, 世界\n");
    assert.equal(await fromGit.read("containers/app/link"), null, "a symlink is not followed");
    assert.equal(await fromGit.read("missing"), null);
    // The listed files' blobs came in the one fetch; those never read (dot names, node_modules,
    // the symlink) did not.
    const inClone = $({ cwd: clone, quiet: true });
    const missing = (await inClone`git rev-list --objects --missing=print origin/main`).stdout
      .split("\n").filter((l) => l.startsWith("?")).map((l) => l.slice(1)).sort();
    const tree = (await inClone`git ls-tree -r origin/main`).stdout.trim().split("\n");
    const oidOf = (path: string) => tree.find((l) => l.endsWith(`\t${path}`))!.split(/\s/)[2];
    const unread = [".hidden/secret", "containers/.dot", "node_modules/x/index.js"];
    assert.deepEqual(missing, [...new Set([...unread, "containers/app/link"].map(oidOf))].sort());
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
