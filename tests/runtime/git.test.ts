// Tests for lib/runtime/git.ts: the exit codes of git failures (a rejected push or an unreachable
// forge is the run's failure, 1), the work tree's state in one process, and no git housekeeping on
// the bot's clock.
import assert from "node:assert/strict";
import { $ } from "zx";
import { Git } from "../../lib/runtime/git.ts";
import { InputError, UpgradeFailed } from "../../lib/runtime/errors.ts";

Deno.test("a rejected push and an unreachable remote are UpgradeFailed (exit 1), a bad ref is exit 2", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-git-test-" });
  try {
    await $({ quiet: true })`git init -q --bare ${root}/origin.git`;
    await Deno.writeTextFile(
      `${root}/origin.git/hooks/pre-receive`,
      "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n",
    );
    await Deno.chmod(`${root}/origin.git/hooks/pre-receive`, 0o755);
    await $({ quiet: true })`git init -q ${root}/work`;
    const git = new Git(`${root}/work`, { name: "t", email: "t@localhost" });
    await Deno.writeTextFile(`${root}/work/a`, "a\n");
    await git.commit(["a"], "a");
    await git.run(["remote", "add", "origin", `${root}/origin.git`]);
    await assert.rejects(
      () => git.run(["push", "--quiet", "origin", "HEAD:refs/heads/x"]),
      (e: Error) =>
        e instanceof UpgradeFailed && e.exitCode === 1 && /protected branch/.test(e.message),
    );
    await assert.rejects(
      () => git.run(["ls-remote", "http://127.0.0.1:9/nobody.git"]),
      (e: Error) => e instanceof UpgradeFailed && e.exitCode === 1,
    );
    await assert.rejects(
      () => git.run(["checkout", "--quiet", "no-such-branch"]),
      (e: Error) => e instanceof InputError && e.exitCode === 2,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the bot's commits start no git housekeeping (maintenance, gc) on its clock", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-git-test-" });
  try {
    await $({ quiet: true })`git init -q ${root}/work`;
    const trace = `${root}/trace`;
    const git = new Git(`${root}/work`, { name: "t", email: "t@localhost" }, { GIT_TRACE: trace });
    await Deno.writeTextFile(`${root}/work/a`, "a\n");
    await git.commit(["a"], "a");
    const traced = await Deno.readTextFile(trace);
    assert.match(traced, /built-in: git commit /);
    assert.doesNotMatch(traced, /maintenance|\bgc\b/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("state: clean or not (untracked files count), the branch or a detached HEAD, and HEAD", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-git-test-" });
  try {
    await $({ quiet: true })`git init -q -b main ${root}/work`;
    const git = new Git(`${root}/work`, { name: "t", email: "t@localhost" });
    await assert.rejects(() => git.state(), (e: Error) => e instanceof InputError);
    await Deno.writeTextFile(`${root}/work/a`, "a\n");
    const sha = await git.commit(["a"], "a");
    assert.deepEqual(await git.state(), { clean: true, branch: "main", head: sha });
    await Deno.writeTextFile(`${root}/work/b`, "b\n");
    assert.deepEqual(await git.state(), { clean: false, branch: "main", head: sha });
    await git.run(["checkout", "--quiet", "--detach"]);
    assert.deepEqual(await git.state(), { clean: false, branch: null, head: sha });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
