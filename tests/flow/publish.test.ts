// Whose tip a branch's is: the bot's notes read back from the forge, the per-branch ref and the one
// ref earlier versions wrote (real git, a bare repository as the forge).
import assert from "node:assert/strict";
import { $ } from "zx";
import { Git } from "../../lib/runtime/git.ts";
import { mayRewrite, notesRef } from "../../lib/flow/publish.ts";

const BRANCH = "mikado/upgrade-authentik";

Deno.test("a tip noted by an earlier version under refs/notes/upgrade-bot is still the bot's", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-publish-test-" });
  try {
    await $({ quiet: true })`git init -q --bare ${root}/origin.git`;
    await $({ quiet: true })`git init -q -b main ${root}/old`;
    const old = new Git(`${root}/old`, { name: "bot", email: "bot@localhost" });
    await old.run(["remote", "add", "origin", `${root}/origin.git`]);
    const commit = async (file: string) => {
      await Deno.writeTextFile(`${root}/old/${file}`, `${file}\n`);
      await old.commit([file], file);
      return (await old.run(["rev-parse", "HEAD"])).trim();
    };
    const legacy = await commit("a");
    const other = await commit("b");
    const unnoted = await commit("c");
    const perBranch = await commit("d");
    // What an earlier version pushed: one ref for every branch's tips.
    const note = (ref: string, text: string, sha: string) =>
      old.run(["notes", "--ref", ref, "add", "-m", text, sha]);
    await note("refs/notes/upgrade-bot", `rewritable ${BRANCH}`, legacy);
    await note("refs/notes/upgrade-bot", "rewritable mikado/upgrade-other", other);
    // Today's per-branch ref wins where it has a note: this tip was pushed on someone's work.
    await note("refs/notes/upgrade-bot", `rewritable ${BRANCH}`, perBranch);
    await note(notesRef(BRANCH), `pushed ${BRANCH}`, perBranch);
    await old.run([
      "push",
      "--quiet",
      "origin",
      `HEAD:refs/heads/${BRANCH}`,
      "refs/notes/upgrade-bot:refs/notes/upgrade-bot",
      `${notesRef(BRANCH)}:${notesRef(BRANCH)}`,
    ]);

    await $({ quiet: true })`git clone -q ${root}/origin.git ${root}/now`;
    const now = new Git(`${root}/now`, { name: "bot", email: "bot@localhost" });
    assert.equal(await mayRewrite(now, legacy, BRANCH), true, "the earlier version's note");
    assert.equal(await mayRewrite(now, other, BRANCH), false, "another branch's note");
    assert.equal(await mayRewrite(now, unnoted, BRANCH), false, "no note");
    assert.equal(await mayRewrite(now, perBranch, BRANCH), false, "the branch's own ref first");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
