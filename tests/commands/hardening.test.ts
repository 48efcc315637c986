// Hardening, end to end: bot.ts against the Forgejo stand-in set up as real Forgejo behaves (page
// size, a writer-only bot, pull requests by others and from forks), with real git; `--no-build`
// keeps these cheap where the build is beside the point.
import assert from "node:assert/strict";
import { $ } from "zx";
import { makeFixture } from "../support/fixture.ts";
import { type ForgeWorld, type ForgeWorldOptions, withForgeWorld } from "../support/forge_world.ts";
import { botArgs, git, runBot, writeConfig } from "../support/bot_run.ts";

const TOKEN = "bot-token-hardening-0123456789";
const BRANCH = "mikado/upgrade-authentik";

interface World extends ForgeWorld {
  /** A work tree of the target, for pushing branches as people do. */
  work: string;
}

function withWorld(
  fn: (w: World) => Promise<void>,
  o: Omit<ForgeWorldOptions, "token" | "people"> = {},
) {
  return withForgeWorld({
    token: TOKEN,
    people: [
      { login: "erich", token: "erich-token", permission: "write" },
      { login: "mallory", token: "mallory-token", permission: "read" },
    ],
    ...o,
    // These tests move the pull request across release series (2026.5 -> 2026.6 -> ...) the way
    // `latest` does; the stepwise path has its own tests (tests/acceptance/upgrade_path.test.ts).
    config: { upgrade_path: "latest", ...o.config },
  }, async (w) => fn({ ...w, work: await w.clone() }));
}

type ApiPull = {
  number: number;
  title: string;
  body: string;
  state: string;
  user: { login: string };
  head: { ref: string; sha: string; repo: { full_name: string } | null };
};

async function pulls(w: World, state = "all"): Promise<ApiPull[]> {
  return await w.api(`/repos/eblume/blumeops/pulls?state=${state}&limit=50`) as ApiPull[];
}

/** Pushes `branch` (one empty commit on main) to the target, or to a bare fork of it. */
async function pushBranch(w: World, branch: string, to = "origin"): Promise<void> {
  const sh = $({ cwd: w.work, quiet: true });
  await sh`git checkout -q -B ${branch} origin/main`;
  await sh`git -c user.name=M -c user.email=m@example.org commit -q --allow-empty -m ${"x"}`;
  await sh`git push -q -f ${to} ${`${branch}:${branch}`}`;
  await sh`git checkout -q main`;
}

async function forkOf(w: World, owner: string): Promise<string> {
  const fork = `${w.f.mirrorsDir}/${owner}/blumeops.git`;
  await $({ quiet: true })`git clone -q --bare ${`${w.f.mirrorsDir}/eblume/blumeops.git`} ${fork}`;
  return fork;
}

const FIVE = "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0";

Deno.test("spoofing: a mikado/ pull request from a fork or by another user is not the bot's", async () => {
  await withWorld(async (w) => {
    // From a fork, titled as the bot's for the newest release: it blocked upgrades.
    const fork = await forkOf(w, "mallory");
    await pushBranch(w, BRANCH, fork);
    const fromFork = await w.forge.openPull("eblume", "blumeops", {
      head: BRANCH,
      base: "main",
      title: FIVE,
      body: "keep me",
      poster: "mallory",
    }, "mallory/blumeops");
    const run = await w.cron("--no-build");
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const all = await pulls(w);
    const mine = all.find((p) => p.user.login === "bot");
    assert.ok(mine, "the bot opened its own pull request");
    assert.equal(mine.head.repo?.full_name, "eblume/blumeops");
    const theirs = all.find((p) => p.number === fromFork)!;
    assert.equal(theirs.title, FIVE);
    assert.equal(theirs.body, "keep me", "the fork's pull request was not overwritten");
    assert.ok(w.forge.requests.some((r) => r.path === "/api/v1/user"), "GET /user asked");
  });
});

Deno.test("spoofing: another user's pull request from the bot's branch is named, not overwritten", async () => {
  await withWorld(async (w) => {
    await pushBranch(w, BRANCH);
    const other = await w.forge.openPull("eblume", "blumeops", {
      head: BRANCH,
      base: "main",
      title: "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.4.0",
      body: "mallory's",
      poster: "mallory",
    });
    const run = await w.cron("--no-build");
    assert.equal(run.code, 2, run.stderr + run.stdout);
    assert.match(run.stderr, new RegExp(`#${other} by mallory is open from that branch already`));
    const [p] = await pulls(w);
    assert.equal(p.body, "mallory's", "not overwritten");
    assert.equal(p.title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.4.0");
  });
});

Deno.test("paging: with MAX_RESPONSE_ITEMS 2, a rejected release on page 2 is not proposed again", async () => {
  await withWorld(async (w) => {
    // Rejected: the bot's closed pull request for 2026.5.0, then three newer closed ones.
    await pushBranch(w, "old-1");
    const rejected = await w.forge.openPull("eblume", "blumeops", {
      head: "old-1",
      base: "main",
      title: FIVE,
      poster: "bot",
    });
    await w.forge.closePull("eblume", "blumeops", rejected);
    for (const n of [2, 3, 4]) {
      await pushBranch(w, `old-${n}`);
      const i = await w.forge.openPull("eblume", "blumeops", {
        head: `old-${n}`,
        base: "main",
        title: `C2(other-chain): something ${n}`,
        poster: "bot",
      });
      await w.forge.closePull("eblume", "blumeops", i);
    }
    const run = await w.cron("--no-build");
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stderr, /2026\.5\.0: skipped, pull request #\d+ was closed without merge/);
    const open = await pulls(w, "open");
    assert.deepEqual(open.map((p) => p.title), [
      "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.4.0",
    ]);
  }, {
    settings: { maxResponseItems: 2 },
    fixture: {
      releases: [{ version: "2026.2.0" }, { version: "2026.4.0" }, { version: "2026.5.0" }],
    },
  });
});

/** The bot's pull request, opened through the stand-in (no build needed), and a comment on it. */
async function botPull(w: World): Promise<number> {
  await pushBranch(w, BRANCH);
  return await w.forge.openPull("eblume", "blumeops", {
    head: BRANCH,
    base: "main",
    title: "WIP: " + FIVE,
    poster: "bot",
  });
}

async function replies(w: World, pull: number): Promise<string[]> {
  return (await w.api(`/repos/eblume/blumeops/issues/${pull}/comments`) as {
    body: string;
    user: { login: string };
  }[]).filter((c) => c.user.login === "bot").map((c) => c.body);
}

Deno.test("a writer-only bot cannot check permissions: it says so and what to do", async () => {
  await withWorld(async (w) => {
    const pull = await botPull(w);
    const tip = (await git(w.f.repo, "ls-remote", "origin", BRANCH)).split("\t")[0];
    await w.forge.addComment("eblume", "blumeops", pull, "erich", "/rebuild");
    const run = await w.cron("--no-build");
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stderr, /refused: the bot may not read erich's permission/);
    const [reply, ...more] = await replies(w, pull);
    assert.deepEqual(more, []);
    assert.match(reply, /^@erich: I may not check who has write access here/);
    assert.match(reply, /make the bot's account an admin of this repository/);
    assert.match(reply, /add `erich` to `rebuild.allow`/);
    assert.doesNotMatch(reply, /only people with write access/, "not told they may not");
    const after = (await git(w.f.repo, "ls-remote", "origin", BRANCH)).split("\t")[0];
    assert.equal(after, tip, "nothing ran");
  }, { botPermission: "write" });
});

Deno.test("lost work: a person's amend of the bot's last commit survives newer releases", async () => {
  await withWorld(async (w) => {
    assert.equal((await w.cron()).code, 0);
    // Erich amends the bot's last commit (the author stays the bot), adding a file.
    const sh = $({ cwd: w.work, quiet: true });
    await sh`git fetch -q origin`;
    await sh`git checkout -q -B ${BRANCH} ${`origin/${BRANCH}`}`;
    await Deno.writeTextFile(`${w.work}/ERICH.md`, "Erich's fix\n");
    await sh`git add ERICH.md`;
    await sh`git -c user.name=Erich -c user.email=blume@example.org commit -q --amend --no-edit`;
    const author = await git(w.work, "log", "-1", "--format=%ae");
    assert.notEqual(author, "blume@example.org", "the amend kept the bot as author");
    await sh`git push -q -f origin ${BRANCH}`;
    const amended = await git(w.work, "rev-parse", "HEAD");

    for (const version of ["2026.6.0", "2026.7.0"]) {
      await w.f.addRelease({ version });
      const run = await w.cron();
      assert.equal(run.code, 0, run.stderr + run.stdout);
      await sh`git fetch -q origin`;
      await $({
        cwd: w.work,
        quiet: true,
        nothrow: false,
      })`git merge-base --is-ancestor ${amended} ${`origin/${BRANCH}`}`;
      assert.equal(
        await git(w.work, "show", `origin/${BRANCH}:ERICH.md`),
        "Erich's fix",
        `the file is still there after ${version}`,
      );
      const [p] = await pulls(w, "open");
      assert.match(p.title, new RegExp(`-> ${version.replaceAll(".", "\\.")}$`));
      assert.match(run.stderr, /changed since the bot last pushed it.*adding on top/);
    }
  });
});

Deno.test("exactly once: a reaction whose answer was lost still counts as the bot's own claim", async () => {
  await withWorld(async (w) => {
    const pull = await botPull(w);
    await w.forge.addComment("eblume", "blumeops", pull, "mallory", "/rebuild");
    // The reaction is made, its answer lost (500): octokit's retry gets 200 "already reacted".
    w.forge.failNext({ method: "POST", path: /\/reactions$/ }, {
      status: 500,
      afterProcessing: true,
    });
    const run = await w.cron("--no-build");
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.ok(
      w.forge.requests.filter((r) => r.method === "POST" && r.path.endsWith("/reactions"))
        .map((r) => r.status).join() === "500,200",
      "the reaction was retried and found made",
    );
    const answers = await replies(w, pull);
    assert.equal(answers.length, 1, "handled, and answered once");
    assert.match(answers[0], /^@mallory: only people with write access/);
    assert.equal((await w.cron("--no-build")).code, 0);
    assert.equal((await replies(w, pull)).length, 1, "not answered twice");
  });
});

Deno.test("exactly once: a run killed after claiming a comment; the next run answers it", async () => {
  await withWorld(async (w) => {
    const pull = await botPull(w);
    const id = Number(
      (await w.forge.addComment("eblume", "blumeops", pull, "mallory", "/rebuild")).id,
    );
    // The claim (the eyes reaction) is made, its answer hangs, and the bot is killed meanwhile.
    w.forge.failNext({ method: "POST", path: /\/reactions$/ }, {
      status: 500,
      afterProcessing: true,
      delayMs: 60_000,
    });
    const bot = new Deno.Command(Deno.execPath(), {
      args: botArgs([
        "run",
        "--config",
        w.config,
        "--no-build",
      ]),
      env: { FORGE_TOKEN: TOKEN, TMPDIR: w.tmp },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const claimed = async () =>
      (await w.api(`/repos/eblume/blumeops/issues/comments/${id}/reactions`) as unknown[] | null)
        ?.length ?? 0;
    for (let i = 0; i < 200 && (await claimed()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await claimed(), 1, "claimed");
    bot.kill("SIGKILL");
    await bot.status;
    assert.deepEqual(await replies(w, pull), [], "killed before it answered");

    const next = await w.cron("--no-build");
    assert.equal(next.code, 0, next.stderr + next.stdout);
    assert.match(next.stderr, new RegExp(`comment ${id} was claimed but never answered`));
    const answers = await replies(w, pull);
    assert.equal(answers.length, 1);
    assert.match(answers[0], /^@mallory: only people with write access/);
  });
});

Deno.test("mirror-sync only queues: the run waits until the mirror has synced before reading tags", async () => {
  await withWorld(async (w) => {
    // The mirrors become real pull mirrors of upstreams, which get the next release.
    for (const name of ["authentik", "authentik-client-go"]) {
      const upstream = `${w.f.root}/upstream/${name}.git`;
      const mirror = `${w.f.mirrorsDir}/mirrors/${name}.git`;
      await $({ quiet: true })`git clone -q --bare ${mirror} ${upstream}`;
      await Deno.remove(mirror, { recursive: true });
      await $({ quiet: true })`git clone -q --mirror ${upstream} ${mirror}`;
      await $({
        cwd: `${w.f.root}/work/mirrors/${name}`,
        quiet: true,
      })`git remote set-url origin ${upstream}`;
    }
    await w.f.addRelease({ version: "2026.6.0" });
    const run = await w.cron("--no-build");
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const [p] = await pulls(w, "open");
    assert.equal(
      p.title,
      "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.6.0",
      "the synced release",
    );
    assert.equal(w.forge.mirrorSyncs.length, 2);
  }, {
    settings: { mirrorSyncDelayMs: 1500 },
    config: { forge: { sync_mirrors: true } },
  });
});

/** Everything about a checkout that "left as it was" covers: HEAD, every ref, the work tree. */
async function checkoutState(repo: string): Promise<string> {
  return [
    await git(repo, "rev-parse", "--symbolic-full-name", "HEAD"),
    await git(repo, "rev-parse", "HEAD"),
    await git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    await git(repo, "status", "--porcelain", "--ignored"),
  ].join("\n");
}

Deno.test("the user's checkout: a detached HEAD, --dry-run and a failure mid-chain leave it as it was", async () => {
  const f = await makeFixture();
  try {
    const config = await writeConfig(f, "local");
    const upgrade = (...args: string[]) =>
      runBot(["upgrade", "--repo", f.repo, "--version", "2026.5.0", "--config", config, ...args]);
    const sha = await git(f.repo, "rev-parse", "HEAD");

    // A failure mid-chain (the user's pre-commit hook refuses the first commit), from a branch
    // and from a detached HEAD: the hook's words are the error, and nothing is left behind.
    const hook = `${f.repo}/.git/hooks/pre-commit`;
    await Deno.writeTextFile(hook, "#!/bin/sh\necho 'hook: no commits today' >&2\nexit 1\n");
    await Deno.chmod(hook, 0o755);
    for (const detach of [false, true]) {
      if (detach) await git(f.repo, "checkout", "-q", "--detach");
      const before = await checkoutState(f.repo);
      const failed = await upgrade("--no-build");
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /hook: no commits today/, "the first error is the one told");
      assert.doesNotMatch(failed.stderr, /branch failed|could not put/);
      assert.equal(await checkoutState(f.repo), before, `as it was (detached: ${detach})`);
    }
    await Deno.remove(hook);

    // --dry-run from the detached HEAD changes nothing at all.
    const before = await checkoutState(f.repo);
    const dry = await upgrade("--no-build", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(await checkoutState(f.repo), before, "a dry run changes nothing");

    // A successful upgrade from the detached HEAD makes the branch and leaves HEAD where it was.
    const done = await upgrade("--no-build");
    assert.equal(done.code, 0, done.stderr);
    assert.equal(await git(f.repo, "rev-parse", "--symbolic-full-name", "HEAD"), "HEAD");
    assert.equal(await git(f.repo, "rev-parse", "HEAD"), sha, "still detached where it was");
    assert.equal(await git(f.repo, "status", "--porcelain"), "");
    assert.match(await git(f.repo, "log", "-1", "--format=%s", BRANCH), /^C2\(upgrade-authentik\)/);
  } finally {
    await f.cleanup();
  }
});

Deno.test("a tag that git lists but the API answers 404 for (a proxy refusing %2F) is an error naming it", async () => {
  await withWorld(async (w) => {
    const run = await w.cron("--no-build", "--version", "2026.5.0");
    assert.equal(run.code, 2, run.stderr + run.stdout);
    assert.match(
      run.stderr,
      /the API answers 404 for tag version\/2026\.5\.0 of mirrors\/authentik, which git lists: a proxy in front of Forgejo refusing %2F/,
    );
    assert.deepEqual(await pulls(w), [], "nothing opened");
  }, { settings: { refuseEncodedSlash: true } });
});

Deno.test("paging: every pull request is read when pages are shorter than asked for; every tag through git", async () => {
  await withWorld(async (w) => {
    const { ForgejoForge } = await import("../../lib/platform/forgejo/client.ts");
    const client = new ForgejoForge(w.forge.url, TOKEN);
    assert.deepEqual(
      (await client.tags("mirrors/authentik")).sort(),
      ["version/2026.2.0", "version/2026.4.0", "version/2026.5.0"],
    );
    for (const n of [1, 2, 3]) {
      await pushBranch(w, `b-${n}`);
      await w.forge.openPull("eblume", "blumeops", {
        head: `b-${n}`,
        base: "main",
        title: `t${n}`,
        poster: "erich",
      });
    }
    // The tags come through git's ref advertisement, whatever the API's page size.
    assert.ok(!w.forge.requests.some((r) => r.path.includes("/tags?")), "no API tag pages");
    const before = w.forge.requests.length;
    assert.equal((await client.pulls("eblume/blumeops", "open")).length, 3);
    const pages = w.forge.requests.slice(before).filter((r) =>
      r.path.includes("/repos/eblume/blumeops/pulls?")
    );
    assert.equal(pages.length, 2, "stopped on X-Total-Count, not on an extra empty page");
  }, {
    settings: { maxResponseItems: 2 },
    fixture: {
      releases: [{ version: "2026.2.0" }, { version: "2026.4.0" }, { version: "2026.5.0" }],
    },
  });
});

Deno.test("spoofing: another user's closed pull request titled as the bot's rejects no version", async () => {
  await withWorld(async (w) => {
    await pushBranch(w, "fake");
    const fake = await w.forge.openPull("eblume", "blumeops", {
      head: "fake",
      base: "main",
      title: FIVE,
      poster: "mallory",
    });
    await w.forge.closePull("eblume", "blumeops", fake);
    const run = await w.cron("--no-build");
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.doesNotMatch(run.stderr, /skipped/);
    const open = await pulls(w, "open");
    assert.deepEqual(open.map((p) => [p.title, p.user.login]), [[FIVE, "bot"]]);
  });
});
