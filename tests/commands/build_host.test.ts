// The build host, end to end: only the package directory is sent, and a host that did not build never passes.
import assert from "node:assert/strict";
import { $ } from "zx";
import { makeFixture } from "../support/fixture.ts";
import { commitEdit, git, runBot, writeConfig } from "../support/bot_run.ts";
import { shellThatRunsNothing, startSshd } from "../support/sshd.ts";

Deno.test("a package importing a file from outside its directory gets an error naming the import (ssh builder)", async () => {
  const sshd = await startSshd();
  const f = await makeFixture();
  try {
    await Deno.writeTextFile(`${f.repo}/containers/shared.nix`, "{ }\n");
    await $({ cwd: f.repo, quiet: true })`git add containers/shared.nix`;
    await commitEdit(
      f.repo,
      "containers/authentik/test-build.nix",
      (t) =>
        t.replace("let\n", "let\n  shared = import ../shared.nix;\n").replace(
          "\nin\n{",
          "\nin\nshared // {",
        ),
    );
    const head = await git(f.repo, "rev-parse", "HEAD");
    const config = await writeConfig(f, sshd.url, { ssh: { config_file: sshd.sshConfig } });
    const run = await runBot(
      ["upgrade", "--repo", f.repo, "--version", "2026.5.0", "--config", config],
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /test-build\.nix:\d+ imports \.\.\/shared\.nix, from outside the package directory\. Only containers\/authentik is sent to the build host/,
    );
    assert.equal(await git(f.repo, "rev-parse", "HEAD"), head, "nothing committed");
    assert.equal(await git(f.repo, "status", "--porcelain"), "");
  } finally {
    await f.cleanup();
    await sshd.stop();
  }
});

Deno.test("a build host whose login shell runs nothing never reads as a pass: exit 1 naming the host, nothing committed", async () => {
  const fake = await shellThatRunsNothing();
  const sshd = await startSshd({ loginShell: fake });
  const f = await makeFixture();
  try {
    const head = await git(f.repo, "rev-parse", "HEAD");
    const config = await writeConfig(f, sshd.url, { ssh: { config_file: sshd.sshConfig } });
    const run = await runBot(
      ["upgrade", "--repo", f.repo, "--version", "2026.5.0", "--config", config],
    );
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`build host ${sshd.url}`), run.stderr);
    assert.match(run.stderr, /fish: Expected a variable name after this \$\./);
    assert.doesNotMatch(run.stdout + run.stderr, /verified/);
    assert.equal(await git(f.repo, "rev-parse", "HEAD"), head, "nothing committed");
  } finally {
    await f.cleanup();
    await sshd.stop();
    await Deno.remove(fake);
  }
});
