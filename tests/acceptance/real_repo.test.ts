// The bot on the REAL eblume/blumeops (cloned from $BLUMEOPS_REPO or ../shared/blumeops.bundle),
// with no configuration, in the offline world of tests/support/real_world.ts: discovery, the upgrade, the
// cron run with its failure, a person's fix and /rebuild; after each, the repository's own checks.
import assert from "node:assert/strict";
import { $ } from "zx";
import { OFFLINE_LINES, realRepoSource, type RealWorld, realWorld } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { git, runBot } from "../support/bot_run.ts";
import { startForge } from "../forge/server.ts";
import { startSshd } from "../support/sshd.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`real_repo.test.ts: skipped: ${found.skip}`);

const PKG = "containers/authentik";
const BRANCH = "mikado/upgrade-authentik";
const TOKEN = "bot-token-real-0123456789";
const HASHES = ["src", "client-go-src", "authentik-server-go-modules", "python-deps", "webui-deps"];

/** The bot as a user runs it: no config file, only the world's Nix settings in the environment. */
function bot(w: RealWorld, args: string[], env: Record<string, string> = {}) {
  return runBot(args, { ...w.env, TMPDIR: `${w.root}/tmp`, ...env });
}

/** `upgrade` of the real package to 2026.5.0 on the local builder, as a user types it. */
function upgrade(w: RealWorld, ...args: string[]) {
  return bot(w, [
    "upgrade",
    "--repo",
    w.repo,
    "--version",
    "2026.5.0",
    "--builder",
    "local",
    ...args,
  ]);
}

async function withWorld(fn: (w: RealWorld) => Promise<void>, releases?: string[]) {
  const w = await realWorld();
  try {
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    for (const version of releases ?? []) await w.addRelease({ version });
    await fn(w);
  } finally {
    await w.cleanup();
  }
}

/** Checks out `branch` of `repo`'s origin (with `main` beside it) and runs the repository's checks. */
async function checksOn(repo: string, branch: string, what: string): Promise<string[]> {
  const sh = $({ cwd: repo, quiet: true });
  await sh`git fetch -q origin`;
  await sh`git checkout -q --detach`;
  await sh`git branch -f main origin/main`;
  await sh`git checkout -q -B ${branch} ${"origin/" + branch}`;
  const results = await repoChecks(repo);
  assert.equal(failedChecks(results), "", `${what}: the repository's own checks`);
  return results.map((r) => r.name);
}

function literal(text: string, re: RegExp): string {
  const m = text.match(re);
  assert.ok(m, `no match for ${re}`);
  return m[1];
}

Deno.test({
  name: "inspect --package authentik finds the real package's version copies, hashes and build " +
    "with no config",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      const run = await bot(w, ["inspect", "--repo", w.repo, "--package", "authentik", "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const json = run.json as {
        version: string;
        versions: { file: string }[];
        hashes: { name: string; file: string; pinned: boolean; harvested: boolean }[];
        build: { file: string };
      };
      assert.equal(json.version, "2026.2.0");
      assert.deepEqual(json.versions.map((v) => v.file).sort(), ["default.nix", "sources.nix"]);
      assert.deepEqual(
        json.hashes.filter((h) => h.harvested).map((h) => h.name).sort(),
        [...HASHES].sort(),
      );
      assert.deepEqual(
        json.hashes.filter((h) => h.pinned).map((h) => `${h.name} ${h.file}`),
        ["opencontainers-src authentik-django.nix"],
      );
      assert.equal(json.build.file, "test-build.nix");
      const text = await bot(w, ["inspect", "--repo", w.repo, "--package", "authentik"]);
      assert.match(text.stdout, /pinned to a literal rev or URL: left alone/);
      assert.match(
        text.stdout,
        /within: url = "https:\/\/forge\.ops\.eblu\.me\/mirrors\/authentik\.git";/,
      );
    }),
});

Deno.test({
  name: "a zero-config upgrade of the real repository harvests all five hashes in 3 builds",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      const opencontainers = /opencontainers-src = [\s\S]*?hash = "([^"]+)"/;
      const before = literal(
        await Deno.readTextFile(`${w.packageDir}/authentik-django.nix`),
        opencontainers,
      );
      const began = performance.now();
      const run = await upgrade(w, "--json");
      const wall = (performance.now() - began) / 1000;
      assert.equal(run.code, 0, run.stderr);
      const json = run.json as {
        builds: number;
        verified: boolean;
        rounds: { mismatches: string[] }[];
        hashes: { name: string; new: string }[];
        buildSeconds: number;
      };
      assert.equal(json.verified, true);
      assert.equal(json.builds, 3);
      assert.deepEqual(json.rounds.map((r) => r.mismatches.sort()), [
        ["client-go-src", "src"],
        ["authentik-server-go-modules", "python-deps", "webui-deps"],
        [],
      ]);
      const expected = await w.expectedHashes("2026.5.0");
      for (const h of json.hashes) {
        assert.equal(h.new, expected[h.name as keyof typeof expected], h.name);
      }
      assert.deepEqual(json.hashes.map((h) => h.name).sort(), [...HASHES].sort());
      assert.equal(
        literal(await Deno.readTextFile(`${w.packageDir}/authentik-django.nix`), opencontainers),
        before,
        "the pinned fetch is left alone",
      );
      console.log(
        `  real repository, zero config: ${json.hashes.length} hashes, ${json.builds} builds, ` +
          `${wall.toFixed(1)}s wall (${json.buildSeconds.toFixed(1)}s in nix-build)`,
      );
      // The whole build passes as the branch has it, with the repository's own file.
      const verify = await $({
        cwd: w.packageDir,
        nothrow: true,
        quiet: true,
        env: { ...Deno.env.toObject(), ...w.env },
      })`nix-build test-build.nix --no-out-link --extra-experimental-features ${"nix-command flakes"}`;
      assert.equal(verify.exitCode, 0, verify.stderr);

      const checks = await repoChecks(w.repo);
      assert.equal(failedChecks(checks), "", "success: the repository's own checks");
      const howTo = await Deno.readTextFile(`${w.repo}/docs/how-to/how-to.md`);
      assert.match(howTo, /- \[\[upgrade-authentik\]\]/);
      const goal = await Deno.readTextFile(`${w.repo}/docs/how-to/authentik/upgrade-authentik.md`);
      assert.match(goal, /\[\[build-authentik-from-source\]\]/);
      const versions = await git(w.repo, "diff", "main", "--", "service-versions.yaml");
      assert.match(versions, /^\+ {4}current-version: "2026\.5\.0"$/m);
      assert.match(versions, /^\+ {4}last-reviewed: "\d{4}-\d{2}-\d{2}"$/m);
      assert.equal(versions.split("\n").filter((l) => /^[-+] /.test(l)).length, 4);
    }),
});

Deno.test({
  name: "the real repository that does not evaluate at its own version is exit 2 with no branch",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      await Deno.writeTextFile(
        `${w.packageDir}/test-build.nix`,
        (await Deno.readTextFile(`${w.packageDir}/test-build.nix`)).replace(
          "python-deps = import ./python-deps.nix",
          "python-deps = import ./python-deps-renamed.nix",
        ),
      );
      await $({
        cwd: w.repo,
        quiet: true,
      })`git -c user.name=E -c user.email=e@x commit -qam ${"rename"}`;
      const run = await upgrade(w);
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        /containers\/authentik\/test-build\.nix does not evaluate at the current version 2026\.2\.0[\s\S]*python-deps-renamed\.nix/,
      );
      assert.equal(await git(w.repo, "branch", "--list", "mikado/*"), "");
      assert.equal(await git(w.repo, "status", "--porcelain"), "");
    }),
});

Deno.test({
  name: "cron on the real repository over ssh: a release that breaks the build, a fix, /rebuild",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      // 2026.6.0 moved the web UI to webui/: after the bump, webui-deps cannot find its sources.
      await w.addRelease({ version: "2026.6.0", webDir: "webui" });
      const sshd = await startSshd({ setEnv: w.sshdEnv });
      const forge = await startForge({
        root: `${w.root}/git`,
        users: [
          { login: "bot", token: TOKEN, permission: "admin" },
          { login: "erich", token: "erich-token", permission: "write" },
        ],
        validate: true,
      });
      try {
        const config = `${w.root}/upgrade-bot.yaml`;
        // Only what differs from the user's site: where the forge and the build host are.
        await Deno.writeTextFile(
          config,
          [
            `builder: ${sshd.url}`,
            `ssh: { config_file: ${sshd.sshConfig} }`,
            `forge: { url: ${forge.url} }`,
            `lock: { dir: ${w.root}/locks }`,
            // Straight to the release that breaks the build, past 2026.3 and 2026.5 (authentik's
            // stepwise path has its own tests: upgrade_path.test.ts).
            "upgrade_path: latest",
            ...OFFLINE_LINES,
          ].join("\n") + "\n",
        );
        const cron = () => bot(w, ["run", "--config", config, "--json"], { FORGE_TOKEN: TOKEN });
        const pulls = async () =>
          await (await fetch(`${forge.url}/api/v1/repos/eblume/blumeops/pulls?state=open`, {
            headers: { Authorization: `token ${TOKEN}` },
          })).json() as { number: number; title: string; body: string }[];

        const first = await cron();
        assert.equal(first.code, 1, first.stderr);
        assert.match(first.stdout, /authentik 2026\.2\.0 -> 2026\.6\.0/);
        const [draft] = await pulls();
        assert.match(
          draft.title,
          /^WIP: C2\(upgrade-authentik\): authentik 2026\.2\.0 -> 2026\.6\.0/,
        );
        const prerequisite = first.json!.prerequisite as string;
        assert.match(prerequisite, /^upgrade-authentik-/);
        const clone = `${w.root}/check`;
        await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${clone}`;
        const ran = await checksOn(clone, BRANCH, "failure, draft");
        assert.equal(ran.length, 10);
        const prCard = await Deno.readTextFile(`${clone}/docs/how-to/authentik/${prerequisite}.md`);
        assert.match(prCard, /status: active/);
        assert.match(
          await Deno.readTextFile(`${clone}/docs/how-to/authentik/upgrade-authentik.md`),
          new RegExp(`\\[\\[${prerequisite}\\]\\]`),
        );

        // Erich moves both derivations to webui/ on the branch, as the card asks, and comments.
        await $({ cwd: clone, quiet: true })`git checkout -q ${BRANCH}`;
        for (const file of ["webui-deps.nix", "webui.nix"]) {
          const path = `${clone}/${PKG}/${file}`;
          await Deno.writeTextFile(
            path,
            (await Deno.readTextFile(path)).replace('src.name}/web";', 'src.name}/webui";'),
          );
        }
        await $({
          cwd: clone,
          quiet: true,
        })`git -c user.name=Erich -c user.email=blume@example.org commit -qam ${"C2(upgrade-authentik): impl build the web UI from webui/"}`;
        await $({ cwd: clone, quiet: true })`git push -q origin ${BRANCH}`;
        await forge.addComment("eblume", "blumeops", draft.number, "erich", "/rebuild");

        const rebuild = await cron();
        assert.equal(rebuild.code, 0, rebuild.stderr);
        const [done] = await pulls();
        assert.doesNotMatch(done.title, /^WIP/);
        assert.match(done.body, /2026\.6\.0/);
        await checksOn(clone, BRANCH, "after /rebuild");
        const subjects = (await git(clone, "log", "--format=%s", `main..${BRANCH}`)).split("\n");
        assert.match(subjects[0], /^C2\(upgrade-authentik\): finalize /);
        assert.ok(
          subjects.includes(`C2(upgrade-authentik): close ${prerequisite}`),
          subjects.join("\n"),
        );
        const expected = await w.expectedHashes("2026.6.0");
        const webuiDeps = await Deno.readTextFile(`${clone}/${PKG}/webui-deps.nix`);
        assert.ok(webuiDeps.includes(expected["webui-deps"]), "webui-deps harvested from webui/");
        assert.deepEqual(forge.violations, []);
      } finally {
        await forge.stop();
        await sshd.stop();
      }
    }),
});
