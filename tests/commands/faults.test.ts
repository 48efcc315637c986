// Faults and hostile input: each case asserts the clear message and that nothing was lost or left.
import assert from "node:assert/strict";
import { $ } from "zx";
import { botArgs, commitEdit, git, runBot } from "../support/bot_run.ts";
import { PYTHON_DEPS_COPY, replacePythonDepsCopy } from "../support/fixture.ts";
import { type ForgeWorld, withForgeWorld } from "../support/forge_world.ts";
import { branchCommits, mikadoViolations } from "../support/mikado.ts";
import { startSshd } from "../support/sshd.ts";

const TOKEN = "bot-token-faults-0123456789";
const BRANCH = "mikado/upgrade-authentik";

interface World extends ForgeWorld {
  pulls: (state?: string) => Promise<{ number: number; title: string }[]>;
  /** Commits a change to main as its owner would. */
  onMain: (path: string, edit: (text: string) => string) => Promise<void>;
}

function withWorld(
  fn: (w: World) => Promise<void>,
  builder = "local",
  extra: Record<string, unknown> = {},
) {
  return withForgeWorld({
    token: TOKEN,
    people: [{ login: "erich", token: "e", permission: "write" }],
    builder,
    // A forge made to hang times out in 2 s and retries come quickly: each fault costs seconds.
    config: { forge: { timeout_seconds: 2, retry_seconds: 0.2 }, ...extra },
  }, async (w) => {
    const work = await w.clone();
    await fn({
      ...w,
      pulls: async (state = "all") =>
        await w.api(`/repos/eblume/blumeops/pulls?state=${state}`) as {
          number: number;
          title: string;
        }[],
      onMain: async (path, edit) => {
        await $({ cwd: work, quiet: true })`git pull -q`;
        await commitEdit(work, path, edit);
        await $({ cwd: work, quiet: true })`git push -q origin main`;
      },
    });
  });
}

/** python-deps waits while `marker` exists: a build long enough to be interrupted. */
function slowPythonDeps(marker: string) {
  return replacePythonDepsCopy(`while [ -e ${marker} ]; do sleep 0.2; done; ${PYTHON_DEPS_COPY}`);
}

/** Lets the round's quick FODs finish: Nix 2.8 killed while it registers a mismatched output
 * leaves `<path>.tmp` in the store, and every later build of that FOD fails with "File exists". */
function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 2000));
}

/** Starts bot.ts and resolves once its stderr shows `line`; returns the child and its output. */
async function startUntil(args: string[], env: Record<string, string>, line: RegExp) {
  const child = new Deno.Command(Deno.execPath(), {
    args: botArgs(args),
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  while (!line.test(stderr)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`bot.ts ended before ${line}:\n${stderr}`);
    stderr += value;
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return stderr;
      stderr += value;
    }
  })();
  return { child, rest };
}

Deno.test("the forge failing, then recovering: retried, no duplicate pull request", async () => {
  await withWorld(async (w) => {
    // The tags come through git's ref advertisement: its first two answers fail.
    w.forge.failNext({ path: /\/mirrors\/authentik\.git\/info\/refs/ }, { status: 500, times: 2 });
    w.forge.failNext({ path: /\/raw\// }, { status: 200, delayMs: 4000 });
    // The pull request is created, but the answer is lost: the retry meets Forgejo's 409.
    w.forge.failNext({ method: "POST", path: /\/pulls$/ }, { status: 502, afterProcessing: true });
    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr);
    const pulls = await w.pulls();
    assert.equal(pulls.length, 1);
    assert.equal((run.json!.pull as { number: number }).number, pulls[0].number);
    const statuses = w.forge.requests.map((r) => r.status);
    assert.ok(
      statuses.includes(500) && statuses.includes(502) && statuses.includes(409),
      statuses.join(","),
    );
  });
});

Deno.test("the forge staying down is a clear failure that changes nothing", async () => {
  await withWorld(async (w) => {
    w.forge.failNext({ path: /\/api\/v1\// }, { status: 503, times: 50 });
    const run = await w.cron();
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /forge http:\/\/127\.0\.0\.1:\d+: listing the open pull requests of eblume\/blumeops: HTTP 503/,
    );
    assert.equal(await git(w.f.repo, "ls-remote", "origin", `refs/heads/${BRANCH}`), "");
  });
});

Deno.test("a reply whose answer is lost is not posted twice", async () => {
  await withWorld(async (w) => {
    assert.equal((await w.cron()).code, 0);
    const [pr] = await w.pulls();
    await w.forge.addComment("eblume", "blumeops", pr.number, "erich", "/rebuild");
    w.forge.failNext({ method: "POST", path: /\/issues\/\d+\/comments$/ }, {
      status: 500,
      afterProcessing: true,
    });
    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /rebuilt #\d+: passed/);
    const r = await fetch(
      `${w.forge.url}/api/v1/repos/eblume/blumeops/issues/${pr.number}/comments`,
      {
        headers: { Authorization: `token ${TOKEN}` },
      },
    );
    const replies = (await r.json() as { user: { login: string } }[]).filter((c) =>
      c.user.login === "bot"
    );
    assert.equal(replies.length, 1);
  });
});

Deno.test("the ssh connection dropped during a build: a clear failure, the remote dir removed, the next run succeeds", async () => {
  const sshd = await startSshd();
  try {
    await withWorld(
      async (w) => {
        const marker = `${w.f.root}/python-deps-waits`;
        await Deno.writeTextFile(marker, "");
        await w.onMain("containers/authentik/python-deps.nix", slowPythonDeps(marker));
        // The build host's temp dirs: in its sessions' own TMPDIR.
        const remoteDirs = () =>
          [...Deno.readDirSync(sshd.tmpDir)].filter((e) => e.name.startsWith("upgrade-bot."))
            .map((e) => e.name);
        const before = remoteDirs();
        const { child, rest } = await startUntil(["run", "--config", w.config], {
          FORGE_TOKEN: TOKEN,
          TMPDIR: w.tmp,
        }, /building authentik-python-deps/);
        await settle();
        assert.ok(remoteDirs().length > before.length, "the build runs in the host's TMPDIR");
        await sshd.dropSessions();
        const status = await child.status;
        const stderr = await rest;
        assert.equal(status.code, 1, stderr);
        assert.match(
          stderr,
          /lost the connection to build host ssh:\/\/root@127\.0\.0\.1:\d+ during the build/,
        );
        assert.equal(
          await git(w.f.repo, "ls-remote", "origin", `refs/heads/${BRANCH}`),
          "",
          "nothing pushed",
        );
        let left: string[] = [];
        for (let i = 0; i < 50; i++) {
          left = remoteDirs().filter((name) => !before.includes(name));
          if (left.length === 0) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual(left, [], "the remote temp dir was removed");
        await Deno.remove(marker);
        const next = await w.cron();
        assert.equal(next.code, 0, next.stderr);
        assert.equal((await w.pulls()).length, 1);
      },
      sshd.url,
      { ssh: { config_file: sshd.sshConfig } },
    );
  } finally {
    await sshd.stop();
  }
});

Deno.test("the bot killed in the middle of a run: the next run completes, no duplicates, nothing left", async () => {
  await withWorld(async (w) => {
    const marker = `${w.f.root}/python-deps-waits`;
    await Deno.writeTextFile(marker, "");
    await w.onMain("containers/authentik/python-deps.nix", slowPythonDeps(marker));
    const { child } = await startUntil(
      ["run", "--config", w.config],
      { FORGE_TOKEN: TOKEN, TMPDIR: w.tmp },
      /building authentik-python-deps/,
    );
    const clones = () =>
      // The bot makes its clones in its $TMPDIR: the world's own, as w.cron's runs have it.
      [...Deno.readDirSync(w.tmp)].filter((e) =>
        e.name.startsWith(`upgrade-bot-clone-${child.pid}-`)
      ); // each clone and its lock file
    // Two clones while it builds: the run's clone of the base (the scan's, kept for the pins after
    // the packages: lib/runtime/workspace.ts RunClone) and the package's own.
    assert.equal(clones().length, 4);
    await settle();
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(marker);
    const next = await w.cron();
    assert.equal(next.code, 0, next.stderr);
    // The kernel released the killed run's lock: nothing to wait for or break.
    assert.doesNotMatch(next.stderr, /waiting for the run holding the lock/);
    assert.match(next.stderr, /upgrade-bot-clone-\d+-\w+, left by a run that was killed/);
    assert.equal(clones().length, 0, "the killed run's clone was removed");
    assert.equal((await w.pulls()).length, 1);
    const repo = `${w.f.root}/check`;
    await $({
      quiet: true,
    })`git clone -q -b ${BRANCH} ${`${w.f.mirrorsDir}/eblume/blumeops.git`} ${repo}`;
    const commits = await branchCommits(repo, "origin/main..HEAD");
    assert.deepEqual(commits.map((c) => c.verb), ["plan", "impl", "impl", "finalize"]);
    assert.deepEqual(mikadoViolations(commits, "upgrade-authentik", "docs/how-to/authentik"), []);
  });
});

Deno.test("hostile tag names are ignored and never reach a shell", async () => {
  await withWorld(async (w) => {
    const bare = `${w.f.mirrorsDir}/mirrors/authentik.git`;
    const hostile = [
      "version/2026.9.0;touch${IFS}PWNED",
      "version/$(touch${IFS}PWNED)",
      "version/`touch${IFS}PWNED`",
      "version/" + "9".repeat(240),
      "v3.2026.9.0;touch${IFS}PWNED",
    ];
    for (const tag of hostile) await $({ quiet: true })`git --git-dir ${bare} tag ${tag} main`;
    const run = await w.cron();
    assert.equal(run.code, 0, run.stderr);
    assert.equal((run.json!.version as { to: string }).to, "2026.5.0");
    for (const dir of [Deno.cwd(), w.f.root, w.tmp, "/tmp", `${w.f.mirrorsDir}/mirrors`]) {
      assert.ok(![...Deno.readDirSync(dir)].some((e) => e.name === "PWNED"), dir);
    }
    const forced = await w.cron("--version", "2026.9.0;touch${IFS}PWNED");
    assert.equal(forced.code, 2);
    assert.match(
      forced.stderr,
      /--version "2026\.9\.0;touch\$\{IFS\}PWNED" is not a release version/,
    );
  });
});

Deno.test("a malformed config and malformed .nix files are clear errors that change nothing", async () => {
  await withWorld(async (w) => {
    const bad = `${w.f.root}/bad.yaml`;
    await Deno.writeTextFile(bad, "forge:\n  url: [not, a, url]\n");
    const config = await runBot(["run", "--config", bad], { FORGE_TOKEN: TOKEN });
    assert.equal(config.code, 2);
    assert.match(config.stderr, /bad\.yaml: forge\.url: expected a non-empty string, got a list/);

    // A repository that does not evaluate at its current version is not the new release's
    // problem: exit 2 before anything changes, no branch, no card, no pull request.
    await w.onMain(
      "containers/authentik/sources.nix",
      (t) => t.replace(/(version = "2026\.2\.0";)/, '$1\n  version = "2026.2.0";'),
    );
    const duplicate = await w.cron();
    assert.equal(duplicate.code, 2, duplicate.stderr);
    assert.match(
      duplicate.stderr,
      /containers\/authentik\/test-build\.nix does not evaluate at the current version 2026\.2\.0, before any change[\s\S]*attribute 'version' already defined/,
    );
    assert.equal(await git(w.f.repo, "ls-remote", "origin", `refs/heads/${BRANCH}`), "");
    assert.deepEqual(await w.pulls(), []);

    await w.onMain(
      "containers/authentik/sources.nix",
      (t) =>
        t.replace(/\n {2}version = "2026\.2\.0";/, "").replace(
          "inherit version;",
          "inherit version",
        ),
    );
    const syntax = await w.cron();
    assert.equal(syntax.code, 2, syntax.stderr);
    assert.match(syntax.stderr, /does not evaluate at the current version[\s\S]*syntax error/);
    assert.equal(await git(w.f.repo, "ls-remote", "origin", `refs/heads/${BRANCH}`), "");

    // Only a failure that appears after the bump is the release's: a Mikado prerequisite card.
    await w.onMain(
      "containers/authentik/sources.nix",
      (t) => t.replace("inherit version\n", "inherit version;\n"),
    );
    await w.onMain(
      "containers/authentik/python-deps.nix",
      (t) =>
        t.replace(
          'pname = "authentik-python-deps";',
          'pname = if sources.version == "2026.5.0" then throw "uv.lock moved in 2026.5.0" ' +
            'else "authentik-python-deps";',
        ),
    );
    const broken = await w.cron();
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(
      broken.stdout,
      /FAILED \(build\): evaluation failed: .*uv\.lock moved in 2026\.5\.0/,
    );
    const [pr] = await w.pulls();
    assert.match(pr.title, /^WIP: /);
    assert.equal(broken.json!.prerequisite, "upgrade-authentik-evaluation");
  });
});
