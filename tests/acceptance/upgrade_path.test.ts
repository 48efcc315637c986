// Upgrades in upstream's order and the supply-chain guards, on the REAL eblume/blumeops (the
// bundle) with mirrors of real releases, served by the Forgejo stand-in: stepwise through release
// series, a forced skip, a moved tag, a release younger than min_release_age.
import assert from "node:assert/strict";
import {
  OFFLINE_LINES,
  type RealRelease,
  realRepoSource,
  type RealWorld,
  realWorld,
} from "../support/real_world.ts";
import { git, runBot } from "../support/bot_run.ts";
import { type Forge, startForge } from "../forge/server.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`upgrade_path.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-path-0123456789";
const BRANCH = "mikado/upgrade-authentik";
const REPO = "/repos/eblume/blumeops";

interface PathWorld {
  w: RealWorld;
  forge: Forge;
  /** `run --json` with the world's config (and `extra` config lines), as cron runs it. */
  cron: (args?: string[], extra?: string[]) => ReturnType<typeof runBot>;
  api: (path: string) => Promise<unknown>;
  pulls: (state?: string) => Promise<ApiPull[]>;
  /** The bot's comments on pull request `n`. */
  botComments: (n: number) => Promise<string[]>;
}

type ApiPull = { number: number; title: string; body: string; head: { sha: string } };

/** The real repository (at 2026.2.0) with mirrors holding `releases`, and the stand-in serving
 * both; no config but where the forge, the builder and the lock are (authentik's built-in path:
 * stepwise). */
async function withPathWorld(releases: RealRelease[], fn: (p: PathWorld) => Promise<void>) {
  const w = await realWorld({ releases: [{ version: "2026.2.0" }, ...releases] });
  const forge = await startForge({
    root: `${w.root}/git`,
    users: [
      { login: "bot", token: TOKEN, permission: "admin" },
      { login: "erich", token: "erich-token", permission: "write" },
    ],
    validate: true,
  });
  try {
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    const base = [
      "builder: local",
      `forge: { url: ${forge.url} }`,
      `lock: { dir: ${w.root}/locks }`,
      `log_dir: ${w.root}/logs`,
      // No registry here: the follow-through after merge is not what these tests are about.
      "deploy: null",
      ...OFFLINE_LINES,
    ];
    const cron = async (args: string[] = [], extra: string[] = []) => {
      const config = `${w.root}/upgrade-bot-${crypto.randomUUID()}.yaml`;
      await Deno.writeTextFile(config, [...base, ...extra].join("\n") + "\n");
      return runBot(["run", "--config", config, "--json", ...args], {
        ...w.env,
        TMPDIR: `${w.root}/tmp`,
        FORGE_TOKEN: TOKEN,
      });
    };
    const api = async (path: string) =>
      await (await fetch(`${forge.url}/api/v1${path}`, {
        headers: { Authorization: `token ${TOKEN}` },
      })).json();
    const pulls = async (state = "open") => await api(`${REPO}/pulls?state=${state}`) as ApiPull[];
    const botComments = async (n: number) =>
      (await api(`${REPO}/issues/${n}/comments`) as { body: string; user: { login: string } }[])
        .filter((c) => c.user.login === "bot").map((c) => c.body);
    await fn({ w, forge, cron, api, pulls, botComments });
    assert.deepEqual(forge.violations, [], "every response followed the swagger");
  } finally {
    await forge.stop();
    await w.cleanup();
  }
}

Deno.test({
  name:
    "stepwise: 2026.2.0 -> 2026.5.1 (not 2026.8.0), waits for a late client-go tag, then -> 2026.8.0 after merge",
  ignore,
  fn: () =>
    withPathWorld(
      [{ version: "2026.5.0" }, { version: "2026.5.1" }, { version: "2026.8.0" }],
      async ({ w, forge, cron, pulls }) => {
        // The bug this path fixes: `latest` (today's behaviour) skips the 2026.5 series.
        const latest = await cron(["--no-build", "--dry-run"], ["upgrade_path: latest"]);
        assert.equal(latest.code, 0, latest.stderr);
        assert.deepEqual(latest.json!.version, { from: "2026.2.0", to: "2026.8.0" });

        const first = await cron(["--no-build"]);
        assert.equal(first.code, 0, first.stderr);
        assert.deepEqual(first.json!.version, { from: "2026.2.0", to: "2026.5.1" });
        assert.deepEqual(first.json!.ahead, ["2026.8.0"]);
        assert.deepEqual(first.json!.skipped, []);
        assert.match(first.stdout, /ahead: next 2026\.8\.0/);
        const [pr] = await pulls();
        assert.equal(pr.title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.1");
        assert.ok(pr.body.includes("Still ahead: next: 2026.8.0."), pr.body);
        // The tags' commits as harvested, shown and recorded.
        const tags = first.json!.tags as { repo: string; tag: string; commit: string }[];
        assert.deepEqual(tags.map((t) => t.tag), ["version/2026.5.1", "v3.2026.5.1"]);
        const own = await git(`${w.mirrorsDir}/authentik.git`, "rev-parse", "version/2026.5.1");
        assert.equal(tags[0].commit, own);
        assert.ok(pr.body.includes(`, commit \`${own}\``));

        // A newer patch whose client-go tag is late: the pull request stays, nothing skips ahead.
        await w.addRelease({ version: "2026.5.2", clientGo: false });
        const waiting = await cron(["--no-build"]);
        assert.equal(waiting.code, 0, waiting.stderr);
        assert.match(waiting.stderr, /authentik 2026\.5\.2: waiting for v3\.2026\.5\.2/);
        assert.match(waiting.stdout, /2026\.5\.1: its pull request is open already: nothing to do/);
        assert.deepEqual(waiting.json!.waiting, ["2026.5.2"]);
        assert.deepEqual(waiting.json!.ahead, ["2026.8.0"]);
        // Its client-go tag arrives: the same pull request moves to the series' newest patch (built
        // for real this time: it is merged next).
        await w.addRelease({ version: "2026.5.2" });
        const moved = await cron();
        assert.equal(moved.code, 0, moved.stderr);
        assert.equal(moved.json!.verified, true);
        assert.equal((moved.json!.pull as { action: string }).action, "updated");
        const [same] = await pulls();
        assert.equal(same.number, pr.number);
        assert.equal(same.title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.2");

        // Merged: the next series is next.
        await forge.mergePull("eblume", "blumeops", pr.number);
        const next = await cron(["--no-build"]);
        assert.equal(next.code, 0, next.stderr);
        assert.deepEqual(next.json!.version, { from: "2026.5.2", to: "2026.8.0" });
        assert.deepEqual(next.json!.ahead, []);
        const [second] = await pulls();
        assert.equal(second.title, "C2(upgrade-authentik): authentik 2026.5.2 -> 2026.8.0");
        assert.doesNotMatch(second.body, /Still ahead/);
      },
    ),
});

Deno.test({
  name:
    "stepwise: nothing of the next series ready waits; a forced --version past it says so and stays",
  ignore,
  fn: () =>
    withPathWorld(
      [{ version: "2026.5.0", clientGo: false }, { version: "2026.8.0" }],
      async ({ cron, pulls }) => {
        const wait = await cron(["--no-build"]);
        assert.equal(wait.code, 0, wait.stderr);
        assert.equal(wait.json!.upToDate, true);
        assert.deepEqual(wait.json!.waiting, ["2026.5.0"]);
        assert.deepEqual(wait.json!.ahead, ["2026.5.0", "2026.8.0"]);
        assert.match(
          wait.stdout,
          /nothing to do \(waiting for 2026\.5\.0: the other mirrors' tags; 2026\.8\.0 after the 2026\.5 series, in order\)/,
        );
        assert.equal((await pulls()).length, 0, "2026.8.0 is never proposed past 2026.5");

        const forced = await cron(["--no-build", "--version", "2026.8.0"]);
        assert.equal(forced.code, 0, forced.stderr);
        assert.match(
          forced.stderr,
          /authentik 2026\.2\.0 -> 2026\.8\.0 \(forced\): skips release series 2026\.5 \(2026\.5\.0\)/,
        );
        assert.deepEqual(forced.json!.skipped, ["2026.5.0"]);
        assert.match(forced.stdout, /skips release series: 2026\.5\.0 \(forced\)/);
        const [pr] = await pulls();
        assert.equal(pr.title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.8.0");
        assert.match(
          pr.body,
          /\*\*Skips a release series: 2026\.5\.0\.\*\* Forced with `--version`/,
        );

        // The series' tags complete: the cron leaves the forced pull request to its people.
        const after = await cron(["--no-build"]);
        assert.equal(after.code, 0, after.stderr);
        assert.match(
          after.stdout,
          /2026\.8\.0: its pull request \(forced past the 2026\.5 series\)/,
        );
        assert.equal((await pulls())[0].title, pr.title);
      },
    ),
});

Deno.test({
  name:
    "a moved tag: nothing pushed, one comment naming the tag and both commits, /rebuild accepts",
  ignore,
  fn: () =>
    withPathWorld([{ version: "2026.5.0" }], async ({ w, forge, cron, pulls, botComments }) => {
      const first = await cron(["--no-build"]);
      assert.equal(first.code, 0, first.stderr);
      const [pr] = await pulls();
      const { was, now } = await w.moveTag("2026.5.0");

      const seen = await cron();
      assert.equal(seen.code, 0, seen.stderr);
      assert.deepEqual(seen.json!.moved, [
        { repo: "mirrors/authentik", tag: "version/2026.5.0", commit: was, now },
      ]);
      assert.match(
        seen.stdout,
        new RegExp(`tag version/2026\\.5\\.0 of mirrors/authentik moved: ${was} -> ${now}`),
      );
      assert.equal((await pulls())[0].head.sha, pr.head.sha, "nothing pushed");
      const comments = await botComments(pr.number);
      assert.equal(comments.length, 1);
      assert.ok(comments[0].includes("`version/2026.5.0`"), comments[0]);
      assert.ok(comments[0].includes(`was \`${was}\`, now \`${now}\``), comments[0]);
      // Said once.
      const again = await cron();
      assert.equal(again.code, 0, again.stderr);
      assert.equal((again.json!.moved as unknown[]).length, 1);
      assert.equal((await botComments(pr.number)).length, 1);

      // A writer accepts the new commit: the harvest runs again from it.
      await forge.addComment("eblume", "blumeops", pr.number, "erich", "/rebuild");
      const rebuilt = await cron();
      assert.equal(rebuilt.code, 0, rebuilt.stderr + rebuilt.stdout);
      assert.match(rebuilt.stderr, /rebuilt #\d+: passed/);
      assert.deepEqual(rebuilt.json!.moved, []);
      const [accepted] = await pulls();
      assert.notEqual(accepted.head.sha, pr.head.sha);
      assert.ok(accepted.body.includes(`, commit \`${now}\``), accepted.body);
      const expected = await w.expectedHashes("2026.5.0");
      const clone = `${w.root}/check`;
      await git(w.root, "clone", "-q", "-b", BRANCH, `${w.root}/git/eblume/blumeops.git`, clone);
      const sources = await Deno.readTextFile(`${clone}/containers/authentik/sources.nix`);
      assert.ok(sources.includes(expected.src), "src harvested from the moved tag's commit");
      const quiet = await cron();
      assert.deepEqual(quiet.json!.moved, []);
      assert.equal((await botComments(pr.number)).filter((c) => c.includes("moved")).length, 1);
    }),
});

Deno.test({
  name:
    "min_release_age: a release waits from when the bot first saw it, whatever its commit's date, and is taken once old enough",
  ignore,
  fn: () =>
    withPathWorld([], async ({ w, cron, pulls }) => {
      // Its commit dated two years ago: upstream writes that date, so the age never counts from it.
      await w.addRelease({ version: "2026.5.0", date: new Date(Date.now() - 2 * 365 * 86400_000) });
      const young = await cron(["--no-build"], ["min_release_age: 40s"]);
      // The bot's sighting was noted during that run: old enough 40 s after its end at the latest.
      const ripe = Date.now() + 40_000;
      assert.equal(young.code, 0, young.stderr);
      assert.equal(young.json!.upToDate, true);
      assert.deepEqual(young.json!.waiting, ["2026.5.0"]);
      const [y] = young.json!.young as { version: string; age: string }[];
      assert.equal(y.version, "2026.5.0");
      assert.match(y.age, /^\d+s$/);
      assert.match(
        young.stderr,
        /authentik 2026\.5\.0: waiting, first seen \d+s ago \(min_release_age 40s\)/,
      );
      assert.equal((await pulls()).length, 0);
      // A second run soon after reads the same sighting: still waiting, a little older.
      const again = await cron(["--no-build"], ["min_release_age: 40s"]);
      assert.deepEqual(again.json!.waiting, ["2026.5.0"]);
      await new Promise((r) => setTimeout(r, Math.max(0, ripe - Date.now()) + 1000));
      const taken = await cron(["--no-build"], ["min_release_age: 40s"]);
      assert.equal(taken.code, 0, taken.stderr);
      assert.deepEqual(taken.json!.young, []);
      assert.equal(
        (await pulls())[0].title,
        "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0",
      );
    }),
});
