// The pins' reading of the base's history (lib/pins/history.ts) on a real repository: the same
// answers as the git questions it replaced, one process each.
import assert from "node:assert/strict";
import { $ } from "zx";
import { readBaseHistory } from "../../lib/pins/history.ts";
import { Git } from "../../lib/runtime/git.ts";

Deno.test("readBaseHistory answers as git log -1 --first-parent and merge-base --is-ancestor do", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-history-test-" });
  try {
    const sh = $({ cwd: root, quiet: true });
    await sh`git init -q -b main . && git config user.name t && git config user.email t@localhost`;
    const commit = async (path: string, text: string) => {
      await Deno.mkdir(`${root}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text);
      await sh`git add -A && git commit -q -m ${path}`;
    };
    await commit("containers/app/Dockerfile", "FROM a\n");
    await commit("containers/other/default.nix", "{}\n");
    await sh`git checkout -q -b side`;
    await commit("containers/app/Dockerfile", "FROM b\n");
    await sh`git checkout -q main`;
    await commit("README.md", "r\n");
    await sh`git merge -q --no-ff -m merge side`;
    // The moved file: its old directory changed too (no rename detection).
    await sh`git mv containers/other/default.nix containers/moved.nix && git commit -q -m move`;
    await sh`git update-ref refs/remotes/origin/main HEAD`;
    const git = new Git(root);
    const history = await readBaseHistory(git, "main");
    for (const dir of ["containers/app", "containers/other", "README.md", "containers"]) {
      const expected = (await sh`git log -1 --first-parent --format=%H origin/main -- ${dir}`)
        .stdout.trim();
      assert.equal(history.lastChange(dir), expected, dir);
    }
    const shas = (await sh`git rev-list origin/main`).stdout.trim().split("\n");
    for (const a of shas) {
      for (const b of shas) {
        const is = await sh`git merge-base --is-ancestor ${b} ${a}`.nothrow();
        assert.equal(history.descends(a.slice(0, 7), b), is.exitCode === 0, `${a} ${b}`);
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
