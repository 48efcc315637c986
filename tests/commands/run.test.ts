// Cron mode end to end: bot.ts against the Forgejo stand-in, with real git and real nix-build.
import assert from "node:assert/strict";
import { $ } from "zx";
import { commitEdit, git, runBot } from "../support/bot_run.ts";
import { replacePythonDepsCopy } from "../support/fixture.ts";
import { type ForgeWorld, withForgeWorld } from "../support/forge_world.ts";
import { branchCommits, mikadoViolations } from "../support/mikado.ts";
import { startSshd } from "../support/sshd.ts";

const TOKEN = "bot-token-0123456789abcdef";
const HUMAN_TOKEN = "human-token-fedcba9876543210";
const BRANCH = "mikado/upgrade-authentik";
const CARDS = "docs/how-to/authentik";

function withWorld(
  fn: (w: ForgeWorld) => Promise<void>,
  builder?: string,
  config: Record<string, unknown> = {},
) {
  return withForgeWorld({
    token: TOKEN,
    people: [{ login: "erich", token: HUMAN_TOKEN, permission: "write" }],
    builder,
    config,
  }, fn);
}

type Pull = {
  number: number;
  title: string;
  body: string;
  state: string;
  head: { ref: string; sha: string };
};

async function pulls(w: ForgeWorld, state = "all"): Promise<Pull[]> {
  return await w.api(`/repos/eblume/blumeops/pulls?state=${state}`) as Pull[];
}

function assertNoToken(run: { stdout: string; stderr: string }): void {
  assert.ok(
    !run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN),
    "the token never appears in output",
  );
}

Deno.test("a cron run opens the Mikado pull request; a second run changes nothing", async () => {
  await withWorld(async (w) => {
    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assertNoToken(run);
    const [pr] = await pulls(w);
    assert.equal(pr.title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0");
    assert.equal(pr.head.ref, BRANCH);
    assert.equal(run.json!.verified, true);
    assert.deepEqual((run.json!.pull as { number: number }).number, pr.number);
    for (
      const text of [
        "| `src` |",
        "mirrors/authentik",
        "v3.2026.5.0",
        "upgrade-authentik",
        "kustomization.yaml",
      ]
    ) {
      assert.ok(pr.body.includes(text), `body mentions ${text}`);
    }

    const repo = await w.clone();
    await $({ cwd: repo, quiet: true })`git fetch -q origin ${BRANCH}`;
    const commits = await branchCommits(repo, `origin/main..FETCH_HEAD`);
    assert.deepEqual(commits.map((c) => c.verb), ["plan", "impl", "impl", "finalize"]);
    assert.deepEqual(mikadoViolations(commits, "upgrade-authentik", CARDS), []);
    await $({ cwd: repo, quiet: true })`git checkout -q FETCH_HEAD`;
    const goal = await Deno.readTextFile(`${repo}/${CARDS}/upgrade-authentik.md`);
    assert.doesNotMatch(goal, /^(status|branch|requires):/m, "finalize removed the Mikado fields");
    assert.match(goal, /2026\.2\.0.*2026\.5\.0/);
    const fragment = await Deno.readTextFile(
      `${repo}/docs/changelog.d/mikado-upgrade-authentik.infra.md`,
    );
    assert.match(fragment, /2026\.5\.0/);
    const versions = await git(repo, "diff", "origin/main", "--", "service-versions.yaml");
    // The service's record: current-version and last-reviewed, nothing else.
    assert.equal(versions.split("\n").filter((l) => /^[-+] /.test(l)).length, 4);
    assert.match(versions, /^\+.*current-version: "2026\.5\.0"$/m);
    assert.match(versions, /^\+.*last-reviewed: "?\d{4}-\d{2}-\d{2}"?$/m);
    const expected = await w.f.expectedHashes("2026.5.0");
    const sources = await Deno.readTextFile(`${repo}/containers/authentik/sources.nix`);
    assert.ok(sources.includes(expected.src) && sources.includes(expected["client-go-src"]));

    const tip = pr.head.sha;
    const again = await w.cron();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /pull request is open already: nothing to do/);
    const after = await pulls(w);
    assert.equal(after.length, 1);
    assert.equal(after[0].head.sha, tip, "no new commit");
    assert.deepEqual(await w.api(`/repos/eblume/blumeops/issues/${pr.number}/comments`), []);
  });
});

Deno.test("a newer patch of the same series moves the same branch and pull request to it", async () => {
  await withWorld(async (w) => {
    assert.equal((await w.cron()).code, 0);
    const [first] = await pulls(w);
    await w.f.addRelease({ version: "2026.5.1" });
    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr);
    const all = await pulls(w);
    assert.equal(all.length, 1, "no second pull request");
    assert.equal(all[0].number, first.number);
    assert.equal(all[0].title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.1");
    assert.equal((run.json!.pull as { action: string }).action, "updated");
    const repo = await w.clone();
    await $({ cwd: repo, quiet: true })`git fetch -q origin ${BRANCH}`;
    const commits = await branchCommits(repo, "origin/main..FETCH_HEAD");
    assert.deepEqual(
      commits.map((c) => c.verb),
      ["plan", "impl", "impl", "finalize"],
      "rewritten from main",
    );
    assert.deepEqual(mikadoViolations(commits, "upgrade-authentik", CARDS), []);
    await $({ cwd: repo, quiet: true })`git checkout -q FETCH_HEAD`;
    const sources = await Deno.readTextFile(`${repo}/containers/authentik/sources.nix`);
    assert.ok(sources.includes((await w.f.expectedHashes("2026.5.1")).src));
  });
});

Deno.test("a human commit on the branch survives: the bot adds its commits on top", async () => {
  await withWorld(async (w) => {
    assert.equal((await w.cron()).code, 0);
    const repo = await w.clone();
    await $({ cwd: repo, quiet: true })`git checkout -q ${BRANCH}`;
    await commitEdit(
      repo,
      `${CARDS}/build-authentik-from-source.md`,
      (t) => t + "\nA note from Erich.\n",
    );
    const human = await git(repo, "rev-parse", "HEAD");
    await $({ cwd: repo, quiet: true })`git push -q origin ${BRANCH}`;
    await w.f.addRelease({ version: "2026.5.1" });
    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /\(1 commits by others\): adding on top/);
    await $({ cwd: repo, quiet: true })`git fetch -q origin ${BRANCH}`;
    await $({
      cwd: repo,
      quiet: true,
      nothrow: false,
    })`git merge-base --is-ancestor ${human} FETCH_HEAD`;
    const onTop = await branchCommits(repo, `${human}..FETCH_HEAD`);
    assert.deepEqual(onTop.map((c) => c.subject), [
      "C2(upgrade-authentik): plan upgrade authentik 2026.5.0 -> 2026.5.1",
      "C2(upgrade-authentik): impl bump authentik 2026.5.0 -> 2026.5.1",
      "C2(upgrade-authentik): impl update fixed-output hashes for authentik 2026.5.1",
      "C2(upgrade-authentik): finalize upgrade authentik 2026.5.0 -> 2026.5.1",
    ]);
    assert.equal((await pulls(w)).length, 1);
  });
});

Deno.test("a pull request closed without merge skips its version until --version forces it", async () => {
  await withWorld(async (w) => {
    assert.equal((await w.cron()).code, 0);
    const [pr] = await pulls(w);
    await w.api(`/repos/eblume/blumeops/pulls/${pr.number}`, {
      method: "PATCH",
      body: JSON.stringify({ state: "closed" }),
    });
    const skipped = await w.cron();
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /2026\.5\.0: skipped, pull request #\d+ was closed without merge/);
    assert.equal((await pulls(w, "open")).length, 0);
    const forced = await w.cron("--version", "2026.5.0");
    assert.equal(forced.code, 0, forced.stderr);
    const open = await pulls(w, "open");
    assert.equal(open.length, 1);
    assert.notEqual(open[0].number, pr.number);
  });
});

Deno.test("a build failure yields the Mikado reset and a draft pull request", async () => {
  await withWorld(async (w) => {
    const work = await w.clone();
    await commitEdit(
      work,
      "containers/authentik/python-deps.nix",
      replacePythonDepsCopy('echo "uv: no solution for psycopg-c" >&2; exit 1'),
    );
    await $({ cwd: work, quiet: true })`git push -q origin main`;
    const run = await w.cron();
    assert.equal(run.code, 1, run.stderr);
    const [pr] = await pulls(w);
    assert.match(pr.title, /^WIP: C2\(upgrade-authentik\): authentik 2026\.2\.0 -> 2026\.5\.0$/);
    assert.match(pr.body, /no solution for psycopg-c/);
    const stem = run.json!.prerequisite as string;
    assert.equal(stem, "upgrade-authentik-authentik-python-deps");
    assert.ok(pr.body.includes(`[[${stem}]]`));

    const repo = await w.clone();
    await $({ cwd: repo, quiet: true })`git fetch -q origin ${BRANCH}`;
    const commits = await branchCommits(repo, "origin/main..FETCH_HEAD");
    assert.deepEqual(commits.map((c) => c.verb), ["plan", "plan", "impl", "impl"]);
    assert.deepEqual(mikadoViolations(commits, "upgrade-authentik", CARDS), []);
    assert.deepEqual(commits[1].added, [`${CARDS}/${stem}.md`]);
    await $({ cwd: repo, quiet: true })`git checkout -q FETCH_HEAD`;
    const card = await Deno.readTextFile(`${repo}/${CARDS}/${stem}.md`);
    assert.match(card, /^status: active$/m);
    assert.match(card, /no solution for psycopg-c/);
    const goal = await Deno.readTextFile(`${repo}/${CARDS}/upgrade-authentik.md`);
    assert.match(goal, /^status: active$/m);
    assert.ok(goal.includes(stem), "the goal card requires the new card");
  });
});

Deno.test("release candidates only when configured; a missing client-go tag waits", async () => {
  // On the latest path: every newer series is looked at (stepwise would stop at 2026.5).
  await withWorld(
    async (w) => {
      await w.f.addRelease({ version: "2026.8.0-rc1" });
      await w.f.addRelease({ version: "2026.9.0", clientGo: false });
      const run = await w.cron("--dry-run");
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /authentik 2026\.9\.0: waiting for v3\.2026\.9\.0/);
      assert.deepEqual((run.json!.version as { to: string }).to, "2026.5.0");
      assert.deepEqual(run.json!.waiting, ["2026.9.0"]);
      assert.equal((await pulls(w)).length, 0, "a dry run posts nothing");
      assert.match(
        run.stdout,
        /title: C2\(upgrade-authentik\): authentik 2026\.2\.0 -> 2026\.5\.0/,
      );
      assert.match(run.stdout, /\(would commit\) C2\(upgrade-authentik\): finalize/);
      assert.match(run.stdout, /\+\+\+ b\/containers\/authentik\/sources\.nix/);

      const rcConfig = await w.configWith({ prereleases: true });
      const rc = await runBot(["run", "--config", rcConfig, "--json", "--dry-run"], {
        FORGE_TOKEN: TOKEN,
      });
      assert.equal(rc.code, 0, rc.stderr);
      assert.equal((rc.json!.version as { to: string }).to, "2026.8.0-rc1");

      const missing = await w.cron("--version", "2026.9.0");
      assert.equal(missing.code, 2);
      assert.match(
        missing.stderr,
        /--version 2026\.9\.0: mirror mirrors\/authentik-client-go has no tag v3\.2026\.9\.0/,
      );
      assertNoToken(missing);
    },
    undefined,
    { upgrade_path: "latest" },
  );
});

Deno.test("nothing new is one line and exit 0; a bad token is a clear error", async () => {
  await withWorld(async (w) => {
    // Someone upgraded by hand: every version copy and the service's record.
    const repo = await w.clone();
    for (const file of ["containers/authentik/sources.nix", "containers/authentik/default.nix"]) {
      await commitEdit(repo, file, (t) => t.replace('"2026.2.0"', '"2026.5.0"'));
    }
    await commitEdit(
      repo,
      "service-versions.yaml",
      (t) => t.replace('current-version: "2026.2.0"', 'current-version: "2026.5.0"'),
    );
    await $({ cwd: repo, quiet: true })`git push -q origin main`;
    const first = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /\ndashboard: #1 opened: http\S+\n$/,
      "the first run opens the dashboard",
    );
    const run = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout.trim(),
      "authentik 2026.5.0 is the newest ready release: nothing to do",
    );
    const bad = await runBot(["run", "--config", w.config], { FORGE_TOKEN: "not-the-token" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /the token was rejected \(401\)/);
    const none = await runBot(["run", "--config", w.config]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /set FORGE_TOKEN/);
  });
});

Deno.test("a cron run with the loopback sshd as the build host", async () => {
  const sshd = await startSshd();
  try {
    await withWorld(
      async (w) => {
        const run = await w.cron();
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.json!.builds, 3);
        assert.match(run.stderr, /building on ssh:\/\/root@127\.0\.0\.1/);
        assert.equal((await pulls(w)).length, 1);
        assertNoToken(run);
      },
      sshd.url,
      { ssh: { config_file: sshd.sshConfig } },
    );
  } finally {
    await sshd.stop();
  }
});

Deno.test("sync_mirrors asks the forge to sync both mirrors before reading their tags", async () => {
  await withWorld(async (w) => {
    // The mirrors now mirror their work repositories, where a release is tagged but not yet
    // fetched by the forge.
    await $({ cwd: `${w.f.root}/work/mirrors/authentik`, quiet: true })`git tag version/2026.5.1`;
    await $({
      cwd: `${w.f.root}/work/mirrors/authentik-client-go`,
      quiet: true,
    })`git tag v3.2026.5.1`;
    for (const repo of ["authentik", "authentik-client-go"]) {
      const bare = `${w.f.mirrorsDir}/mirrors/${repo}.git`;
      await $({
        quiet: true,
      })`git --git-dir ${bare} config remote.origin.url ${`${w.f.root}/work/mirrors/${repo}`}`;
      await $({
        quiet: true,
      })`git --git-dir ${bare} config remote.origin.fetch ${"+refs/*:refs/*"}`;
      await $({ quiet: true })`git --git-dir ${bare} config remote.origin.mirror true`;
    }
    const plain = await w.cron("--dry-run", "--no-build");
    assert.equal((plain.json!.version as { to: string }).to, "2026.5.0", plain.stderr);
    assert.equal(w.forge.mirrorSyncs.length, 0);
    const syncing = await w.configWith({ forge: { sync_mirrors: true } });
    const synced = await runBot(["run", "--config", syncing, "--json", "--dry-run", "--no-build"], {
      FORGE_TOKEN: TOKEN,
    });
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal((synced.json!.version as { to: string }).to, "2026.5.1");
    assert.deepEqual(w.forge.mirrorSyncs.map((s) => `${s.repo} ${s.ok}`).sort(), [
      "mirrors/authentik true",
      "mirrors/authentik-client-go true",
    ]);
  });
});

Deno.test("a base upgraded by hand closes the bot's pull request; a person's commit keeps its branch", async () => {
  await withWorld(async (w) => {
    assert.equal((await w.cron()).code, 0);
    const [pr] = await pulls(w);
    const repo = await w.clone();
    // Erich adds a commit on the bot's branch, then upgrades main to 2026.5.0 himself.
    await $({ cwd: repo, quiet: true })`git checkout -q ${BRANCH}`;
    await commitEdit(repo, `${CARDS}/build-authentik-from-source.md`, (t) => t + "\nA note.\n");
    const human = await git(repo, "rev-parse", "HEAD");
    await $({ cwd: repo, quiet: true })`git push -q origin ${BRANCH}`;
    await $({ cwd: repo, quiet: true })`git checkout -q main`;
    for (const file of ["containers/authentik/sources.nix", "containers/authentik/default.nix"]) {
      await commitEdit(repo, file, (t) => t.replace('"2026.2.0"', '"2026.5.0"'));
    }
    await commitEdit(
      repo,
      "service-versions.yaml",
      (t) => t.replace(/current-version: "?2026\.2\.0"?/, 'current-version: "2026.5.0"'),
    );
    const main = await git(repo, "rev-parse", "HEAD");
    await $({ cwd: repo, quiet: true })`git push -q origin main`;

    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.json!.closed as string,
      /main is at 2026\.5\.0, pull request #\d+ \(2026\.5\.0\) is done: closed it, branch mikado\/upgrade-authentik kept: it holds work that is not only the bot's/,
    );
    const [after] = await pulls(w);
    assert.equal(after.state, "closed");
    const comments = await w.api(`/repos/eblume/blumeops/issues/${pr.number}/comments`) as {
      body: string;
    }[];
    assert.equal(comments.length, 1);
    assert.match(comments[0].body, /^Closing: main is at authentik 2026\.5\.0 already/);
    const heads = await $({ cwd: repo, quiet: true })`git ls-remote origin`;
    assert.match(heads.stdout, new RegExp(`^${human}\\trefs/heads/${BRANCH}$`, "m"), "kept");
    assert.match(heads.stdout, new RegExp(`^${main}\\trefs/heads/main$`, "m"), "main untouched");
    // Nothing more to do: the next run neither reopens nor comments.
    const again = await w.cron();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json!.closed, null);
    assert.equal((await pulls(w, "open")).length, 0);
  });
});

Deno.test("several packages: --version needs --package; --package runs that one only; /rebuild by the pull request's package", async () => {
  const mirrors = [
    { repo: "mirrors/authentik", tag: "version/{version}" },
    { repo: "mirrors/authentik-client-go", tag: "v3.{version}" },
  ];
  await withWorld(
    async (w) => {
      const forced = await w.cron("--version", "2026.5.0");
      assert.equal(forced.code, 2);
      assert.match(
        forced.stderr,
        /--version 2026\.5\.0: the config has several packages \(authentik, authentik-copy\): name one with --package NAME/,
      );
      const unknown = await w.cron("--package", "nope");
      assert.equal(unknown.code, 2);
      assert.match(
        unknown.stderr,
        /--package nope: no such package in .*\(authentik, authentik-copy\)/,
      );
      const one = await w.cron("--version", "2026.5.0", "--package", "authentik", "--no-build");
      assert.equal(one.code, 0, one.stderr);
      const list = one.json!.packages as { package: string; outcome: string }[];
      assert.deepEqual(list.map((p) => [p.package, p.outcome]), [["authentik", "opened"]]);
      assert.deepEqual((await pulls(w)).map((p) => p.head.ref), [BRANCH]);

      // The other package's pull request, then a /rebuild on it through `event`: handled with
      // that package's config (its chain), not the first package's.
      const copy = await w.cron(
        "--version",
        "2026.5.0",
        "--package",
        "authentik-copy",
        "--no-build",
      );
      assert.equal(copy.code, 0, copy.stderr);
      const pr = (await pulls(w)).find((p) => p.head.ref === "mikado/upgrade-authentik-copy")!;
      assert.equal(pr.title, "C2(upgrade-authentik-copy): authentik-copy 2026.2.0 -> 2026.5.0");
      const comment = await w.forge.addComment(
        "eblume",
        "blumeops",
        pr.number,
        "erich",
        "/rebuild",
      );
      const file = `${w.f.root}/event.json`;
      await Deno.writeTextFile(
        file,
        JSON.stringify({
          action: "created",
          issue: { number: pr.number, pull_request: { merged: false } },
          comment: { id: comment.id, body: "/rebuild", user: { login: "erich" } },
          repository: { full_name: "eblume/blumeops" },
        }),
      );
      const event = await runBot(["event", file, "--config", w.config], { FORGE_TOKEN: TOKEN });
      assert.equal(event.code, 0, event.stderr);
      assert.doesNotMatch(event.stdout, /ignored/, event.stdout);
      const replies = await w.api(`/repos/eblume/blumeops/issues/${pr.number}/comments`) as {
        body: string;
      }[];
      assert.equal(replies.length, 2, "the command and the bot's reply");
      assert.match(replies[1].body, /passed/i);
    },
    undefined,
    {
      packages: [
        { name: "authentik", dir: "containers/authentik", mirrors },
        // The same directory under another name: its own chain and service entry.
        {
          name: "authentik-copy",
          dir: "containers/authentik",
          mirrors,
          service_versions: { name: "authentik" },
        },
      ],
    },
  );
});

Deno.test("a cron run with nothing new makes a handful of requests however many tags the mirrors hold", async () => {
  await withForgeWorld(
    { token: TOKEN, fixture: { current: "2026.5.0" } },
    async ({ f, forge, cron }) => {
      for (const [name, prefix] of [["authentik", "version/"], ["authentik-client-go", "v3."]]) {
        const repo = `${f.mirrorsDir}/mirrors/${name}.git`;
        const head = await git(repo, "rev-parse", "HEAD");
        const lines = Array.from(
          { length: 400 },
          (_, i) =>
            `create refs/tags/${prefix}${2010 + Math.floor(i / 50)}.${1 + (i % 50)}.0 ${head}\n`,
        );
        await $({ cwd: repo, quiet: true, input: lines.join("") })`git update-ref --stdin`;
      }
      // The first run opens the dashboard issue; the second is the one with nothing new.
      assert.equal((await cron()).code, 0);
      forge.requests.length = 0;
      const run = await cron();
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /nothing to do/);
      const paths = forge.requests.map((r) => `${r.method} ${r.path}`);
      // With no package configured, the run first scans the base branch's files: a shallow clone
      // (three git requests) before the handful the package's run makes.
      const scan = forge.requests.filter((r) => r.path.startsWith("/eblume/blumeops.git/"));
      assert.ok(scan.length <= 3, paths.join("\n"));
      assert.ok(forge.requests.length - scan.length <= 6, paths.join("\n"));
      assert.ok(!paths.some((p) => p.includes("/tags")), "tags come from git, not the API");
      const refs = forge.requests.filter((r) => r.path.includes("/mirrors/authentik.git/"));
      assert.ok(refs.length >= 1 && refs.length <= 2, paths.join("\n"));
    },
  );
});
