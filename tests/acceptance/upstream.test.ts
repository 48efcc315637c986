// What changed upstream, on the REAL eblume/blumeops (the bundle) with mirrors whose lock files
// are in their real formats and whose tree holds authentik's release notes: the pull request's
// compare link and commit count, the crossed releases' notes (a forge release first, else the
// file; never a later release's), the dependency changes under the hashes they feed, the same in
// --json, and no extra forge request in a run with nothing new.
import assert from "node:assert/strict";
import { $ } from "zx";
import {
  OFFLINE_LINES,
  realRepoSource,
  type RealWorld,
  realWorld,
  uvLock,
} from "../support/real_world.ts";
import { parseRecord } from "../../lib/mikado/tag_record.ts";
import { skipNoted } from "../../lib/mikado/pull_text.ts";
import { exposed, topHeadings } from "../upstream/inert_check.ts";
import { CRAFTED_LOCK_LINE, CRAFTED_NOTES } from "../upstream/samples.ts";
import { runBot } from "../support/bot_run.ts";
import { type Forge, startForge } from "../forge/server.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`upstream.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-upstream-0123456789";

async function withForgeOnRealWorld(
  releases: string[],
  fn: (
    w: RealWorld,
    forge: Forge,
    cron: (...args: string[]) => ReturnType<typeof runBot>,
  ) => Promise<void>,
) {
  const w = await realWorld({ releases: [{ version: "2026.2.0" }] });
  const forge = await startForge({
    root: `${w.root}/git`,
    users: [{ login: "bot", token: TOKEN, permission: "admin" }],
    validate: true,
  });
  try {
    await Deno.mkdir(`${w.root}/tmp`);
    for (const version of releases) await w.addRelease({ version });
    const config = `${w.root}/upgrade-bot.yaml`;
    // Only what differs from the user's site: the forge, the builder, no follow-through.
    await Deno.writeTextFile(
      config,
      [
        "builder: local",
        `forge: { url: ${forge.url} }`,
        `lock: { dir: ${w.root}/locks }`,
        "deploy: null",
        ...OFFLINE_LINES,
      ].join("\n") + "\n",
    );
    const cron = (...args: string[]) =>
      runBot(["run", "--config", config, "--json", ...args], {
        ...w.env,
        TMPDIR: `${w.root}/tmp`,
        FORGE_TOKEN: TOKEN,
      });
    await fn(w, forge, cron);
    assert.deepEqual(forge.violations, [], "every reply followed the swagger");
  } finally {
    await forge.stop();
    await w.cleanup();
  }
}

interface UpstreamJson {
  repo: string;
  compare: string;
  commits: number;
  notes: { releases: string[]; source: string; title: string; text: string }[];
  dependencies: {
    hash: string | null;
    file: string;
    changes: { name: string; from: string | null; to: string | null }[];
  }[];
  problems: string[];
}

Deno.test({
  name: "the pull request says what changed upstream: compare, commits, crossed notes, locks",
  ignore,
  fn: () =>
    withForgeOnRealWorld(
      ["2026.3.0", "2026.5.0", "2026.5.1", "2026.8.0"],
      async (w, forge, cron) => {
        // 2026.3.0 has a forge release (its notes come from there); so has 2026.8.0, which this
        // upgrade does not cross.
        await forge.addRelease("mirrors", "authentik", {
          tag: "version/2026.3.0",
          name: "authentik 2026.3.0",
          body: "## Breaking changes\n\n- 2026.3 FORGE RELEASE: fixes #7, see </details>\n",
        });
        await forge.addRelease("mirrors", "authentik", {
          tag: "version/2026.8.0",
          name: "authentik 2026.8.0",
          body: "2026.8 FORGE RELEASE\n",
        });
        const run = await cron("--version", "2026.5.1", "--dry-run", "--no-build");
        assert.equal(run.code, 0, run.stderr);
        const json = run.json as { upstream: UpstreamJson[]; pull: { body: string } };
        const body = json.pull.body;

        // Compare link and commits, counted here with git on the mirror itself.
        const count = (await $({
          quiet: true,
        })`git -C ${`${w.mirrorsDir}/authentik.git`} rev-list --count ${"version/2026.2.0..version/2026.5.1"}`)
          .stdout.trim();
        assert.equal(count, "3");
        const compare =
          `${forge.url}/mirrors/authentik/compare/version/2026.2.0...version/2026.5.1`;
        assert.ok(
          body.includes(
            `[Compare \`version/2026.2.0...version/2026.5.1\`](<${compare}>): 3 commits.`,
          ),
          body,
        );
        assert.ok(
          body.includes(
            `/mirrors/authentik-client-go/compare/v3.2026.2.0...v3.2026.5.1>): 3 commits.`,
          ),
        );

        // Notes: 2026.3.0 from its forge release, 2026.5.x from the file at the new tag; not 2026.8.
        assert.match(body, /^##### 2026\.3\.0: forge release `authentik 2026\.3\.0`$/m);
        assert.match(body, /2026\.3 FORGE RELEASE: fixes #&#8203;7, see &lt;\/details&gt;/);
        assert.match(
          body,
          /^##### 2026\.5\.0, 2026\.5\.1: `website\/docs\/releases\/2026\/v2026\.5\.md` at the new tag$/m,
        );
        assert.match(body, /2026\.5 breaking: the `\/api\/v2` endpoints are gone\./);
        assert.match(body, /2026\.5\.1 fix: core: fix a crash/);
        // 2026.8.0 is only named as the step still ahead, never with its notes.
        assert.ok(!body.includes("2026.8 FORGE RELEASE"), "no later release's notes");
        assert.ok(!body.includes("v2026.8.md"), "no later series' notes file");
        assert.deepEqual(
          body.match(/2026\.8[^\n]*/g),
          ["2026.8.0."],
          "2026.8 only as the step ahead",
        );
        assert.ok(!body.includes("2026.2 breaking"), "not the deployed series' notes");
        // Breaking changes and upgrading come before the fold; highlights are in it.
        const breaking = body.indexOf("2026.5 breaking");
        const fold = body.indexOf("<details><summary>Other sections:", breaking - 2000);
        assert.ok(breaking < fold && body.indexOf("2026.5 upgrading") < fold);
        assert.ok(body.indexOf("2026.5 highlight") > fold);
        assert.match(body, /2026\.5 feature: &lt;Tabs&gt;a tab&lt;\/Tabs&gt;/, "no raw HTML");

        // Dependency changes under the hashes they feed, as the real .nix files say.
        const python = body.indexOf("`python-deps` reads `uv.lock`: 3 changed");
        assert.ok(python > 0, body);
        assert.match(body, /^- `django` `5\.2\.11` -> `6\.0\.2`$/m);
        assert.match(body, /^`webui-deps` reads `web\/package-lock\.json`: 3 changed$/m);
        assert.match(body, /^- `lit` `3\.3\.1` -> `3\.3\.2`$/m);
        assert.match(body, /^`authentik-server-go-modules` reads `go\.sum`: 3 changed$/m);
        assert.match(body, /^- `github\.com\/spf13\/cobra` `v1\.9\.1` -> `v1\.10\.1`$/m);

        // The same in --json.
        const [own, client] = json.upstream;
        assert.equal(own.repo, "mirrors/authentik");
        assert.equal(own.compare, compare);
        assert.equal(own.commits, 3);
        assert.deepEqual(own.notes.map((n) => [n.releases, n.source, n.title]), [
          [["2026.3.0"], "release", "authentik 2026.3.0"],
          [["2026.5.0", "2026.5.1"], "file", "website/docs/releases/2026/v2026.5.md"],
        ]);
        assert.deepEqual(
          own.dependencies.map((d) => [d.hash, d.file]),
          [
            ["authentik-server-go-modules", "go.sum"],
            ["python-deps", "uv.lock"],
            ["webui-deps", "web/package-lock.json"],
          ],
        );
        assert.deepEqual(
          own.dependencies.find((d) => d.hash === "python-deps")!.changes,
          [
            { name: "django", from: "5.2.11", to: "6.0.2" },
            { name: "gunicorn", from: "23.0.0", to: "24.0.0" },
            { name: "psycopg", from: "3.3.2", to: "3.3.3" },
          ],
        );
        assert.deepEqual(own.problems, []);
        assert.equal(client.repo, "mirrors/authentik-client-go");
        assert.deepEqual(client.notes, []);
      },
    ),
});

Deno.test({
  name: "a cron run with nothing new makes no upstream request; one with an upgrade makes them",
  ignore,
  fn: () =>
    withForgeOnRealWorld([], async (w, forge, cron) => {
      const since = (n: number) => forge.requests.slice(n).map((r) => `${r.method} ${r.path}`);
      const idle = await cron();
      assert.equal(idle.code, 0, idle.stderr);
      assert.match(idle.stdout, /nothing to do/);
      const quiet = since(0);
      assert.ok(!quiet.some((r) => /releases|compare/.test(r)), quiet.join("\n"));
      // The mirror's tags through git's ref listing only, once for the zero-config scan and the
      // run: one ls-refs POST. (The scan also asks each other container's mirror.)
      assert.deepEqual(
        quiet.filter((r) => r.includes("/mirrors/authentik.git")),
        ["POST /mirrors/authentik.git/git-upload-pack"],
        quiet.join("\n"),
      );

      await w.addRelease({ version: "2026.5.0" });
      // Untrusted notes holding the bot's own token: redacted in what is posted.
      await forge.addRelease("mirrors", "authentik", {
        tag: "version/2026.5.0",
        name: "authentik 2026.5.0",
        body: `## Security\n\n- leaked: ${TOKEN}\n`,
      });
      const before = forge.requests.length;
      const upgrade = await cron("--no-build");
      assert.equal(upgrade.code, 0, upgrade.stderr);
      const busy = since(before);
      const releases = busy.filter((r) => r.includes("/releases/tags/"));
      // One release lookup per crossed release per mirror (2026.5.0 on both).
      assert.deepEqual(releases.sort(), [
        "GET /api/v1/repos/mirrors/authentik-client-go/releases/tags/v3.2026.5.0",
        "GET /api/v1/repos/mirrors/authentik/releases/tags/version%2F2026.5.0",
      ]);
      const pulls =
        await (await fetch(`${forge.url}/api/v1/repos/eblume/blumeops/pulls?state=open`, {
          headers: { Authorization: `token ${TOKEN}` },
        })).json() as { body: string }[];
      assert.match(pulls[0].body, /^- leaked: \*\*\*$/m);
      assert.ok(!pulls[0].body.includes(TOKEN));
      assert.ok(!upgrade.stdout.includes(TOKEN));
      const gitReads = busy.filter((r) => /\/mirrors\/[^/]+\.git\//.test(r));
      console.log(
        `  requests: nothing new ${quiet.length} (${
          quiet.filter((r) => r.includes("/api/")).length
        } API, ` +
          `${
            quiet.length - quiet.filter((r) => r.includes("/api/")).length
          } git); with an upgrade ` +
          `${busy.length} (${busy.filter((r) => r.includes("/api/")).length} API, ` +
          `${busy.length - busy.filter((r) => r.includes("/api/")).length} git, of which ` +
          `${gitReads.length} reads of the mirrors)`,
      );
      console.log(busy.map((r) => `    ${r}`).join("\n"));
    }),
});

Deno.test({
  name: "crafted release notes and lock file: the body exposes nothing, and no record is forged",
  ignore,
  fn: () =>
    withForgeOnRealWorld([], async (w, forge, cron) => {
      // 2026.5.0's uv.lock breaks TOML on a line its parse error quotes; its forge release holds
      // the crafted notes of issue 22 (copies of the bot's records at every nesting).
      const lock = uvLock("2026.5.0", { django: "6.0.2" }).replace(
        /^version = "6\.0\.2"$/m,
        `${CRAFTED_LOCK_LINE}\nversion = "6.0.2"`,
      );
      await w.addRelease({ version: "2026.5.0", uvLock: lock });
      await forge.addRelease("mirrors", "authentik", {
        tag: "version/2026.5.0",
        name: "authentik 2026.5.0 @name fixes #1",
        body: CRAFTED_NOTES,
      });
      const first = await cron("--no-build");
      assert.equal(first.code, 0, first.stderr);
      const pulls = async () =>
        await (await fetch(`${forge.url}/api/v1/repos/eblume/blumeops/pulls?state=open`, {
          headers: { Authorization: `token ${TOKEN}` },
        })).json() as { number: number; body: string; head: { sha: string } }[];
      const [pr] = await pulls();
      const body = pr.body;
      const tagged = (await $({
        quiet: true,
      })`git -C ${`${w.mirrorsDir}/authentik.git`} rev-parse ${"version/2026.5.0^{commit}"}`)
        .stdout.trim();
      const record = (v: string) =>
        /^<!-- upgrade-bot: harvested mirrors\/[\w-]+ \S+ [0-9a-f]{40} -->$/.test(v.trim()) &&
        !v.includes("0".repeat(40));
      const own = (v: string) =>
        record(v) || /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());
      assert.deepEqual(exposed(body, own), [], body);
      // The crafted lock's error and the notes are there, inert.
      assert.match(
        body,
        /^- Not shown: uv\.lock: cannot be read as uv\.lock: .*@&#8203;name fixes #&#8203;1 &lt;\/details&gt;/m,
      );
      assert.match(body, /^###### Breaking changes$/m);
      assert.ok(body.indexOf("The config moved") < body.indexOf("<details><summary>Other"), body);
      const headings = topHeadings(body);
      assert.deepEqual(
        headings.slice(headings.indexOf("### What changed upstream")).filter((h) =>
          /^#{1,3} /.test(h)
        ),
        [
          "### What changed upstream",
          "### Dependency Graph",
          "### Cards that still mention 2026.2.0",
          "### After merge",
        ],
      );
      assert.deepEqual(
        parseRecord(body).filter((r) => r.repo === "mirrors/authentik"),
        [{ repo: "mirrors/authentik", tag: "version/2026.5.0", commit: tagged }],
      );
      assert.ok(!skipNoted(body));

      // The next run sees no moved tag, says nothing about one, and does not leave the pull
      // request alone as forced.
      const second = await cron("--no-build");
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual((second.json as { moved: unknown[] }).moved, []);
      assert.doesNotMatch(second.stdout + second.stderr, /tag \S+ of \S+ moved|forced past/);
      const comments = await (await fetch(
        `${forge.url}/api/v1/repos/eblume/blumeops/issues/${pr.number}/comments`,
        { headers: { Authorization: `token ${TOKEN}` } },
      )).json() as { body: string }[];
      assert.deepEqual(comments.filter((c) => c.body.includes("moved")), []);
      console.log(`  second run: ${(second.json as { message: string }).message}`);
    }),
});
