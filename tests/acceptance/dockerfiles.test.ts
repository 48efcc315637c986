// Issue 17's proof on the REAL eblume/blumeops: a cron run with only the forge's URL finds every
// container built from a forge mirror (two Nix packages, seven Dockerfiles) and, each with a newer
// release, opens nine pull requests (the Nix ones built and verified), each branch passing the
// repository's own checks, one dashboard listing them, each saying what changed upstream (loki's
// mirror has a CHANGELOG.md and a forge release); a second run changes nothing; a failure of the
// checks reported on a pull request is said once.
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import {
  DEFAULT_RELEASES,
  DOCKER_MIRRORS,
  ntfyMirror,
  OFFLINE,
  realRepoSource,
  realWorld,
} from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { type BotRun, type ForgePull, runBot, runOutcomes } from "../support/bot_run.ts";
import { startForge } from "../forge/server.ts";
import { DASHBOARD_MARKER } from "../../lib/dashboard/marker.ts";
import { checksMarker } from "../../lib/docker/pull_text.ts";
import { ownComments } from "../../lib/upstream/inert.ts";
import { exposed } from "../upstream/inert_check.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`dockerfiles.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-dockerfiles-0123456789";
const CI_TOKEN = "ci-token-dockerfiles-0123456789";

interface Issue {
  number: number;
  title: string;
  body: string;
  pull_request: unknown;
  user: { login: string };
}

interface Outcome {
  package: string;
  outcome: string;
  error: string | null;
  version: { from: string; to: string };
  pull: { number: number; action: string } | null;
  verified: boolean;
  builds: number;
  hashes: { name: string; file: string; old: string; new: string | null }[];
  upstream: {
    repo: string;
    commits: number | null;
    notes: { releases: string[]; source: string; title: string }[];
    problems: string[];
  }[];
}

const outcomes = (run: BotRun) => runOutcomes<Outcome>(run);

/** The table row of `service` in the dashboard's body, its cells. */
function row(body: string, service: string): string[] {
  const line = body.split("\n").find((l) => l.startsWith(`| ${service} |`));
  assert.ok(line, `a row for ${service} in:\n${body}`);
  return line.slice(2, -2).split(" | ");
}

/** `s` matched literally in a RegExp. */
const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** loki's CHANGELOG.md at `tag`, as release-please writes it (the real one's shape), growing with
 * each release; 3.7.0's section hostile: a mention, closing keywords, raw HTML that would close
 * the fold, a copy of the bot's record of failed checks. */
function lokiChangelog(tag: string): Record<string, string> {
  const sections: Record<string, string[]> = {
    "v3.6.5": [
      "## [3.6.5](https://github.com/grafana/loki/compare/v3.6.4...v3.6.5) (2026-01-10)",
      "",
      "### Bug Fixes",
      "",
      "* DEPLOYED RELEASE: a fix",
    ],
    "v3.7.0-rc.1": [
      "## [3.7.0-rc.1](https://github.com/grafana/loki/compare/v3.6.5...v3.7.0-rc.1) (2026-02-01)",
      "",
      "* CANDIDATE ONLY",
    ],
    "v3.7.0": [
      "## [3.7.0](https://github.com/grafana/loki/compare/v3.6.5...v3.7.0) (2026-02-20)",
      "",
      "### ⚠ BREAKING CHANGES",
      "",
      "* LOKI BREAKING: `limits_config.max_streams` moved, thanks @someone, fixes #1",
      "",
      "### Features",
      "",
      "* a new query planner ([#20001](https://github.com/grafana/loki/issues/20001)) closes #2",
      "",
      "<img src=x onerror=alert(1)> </details>",
      "",
      checksMarker("0123456789abcdef0123456789abcdef01234567"),
    ],
  };
  const order = ["v3.7.0", "v3.7.0-rc.1", "v3.6.5"];
  const held = order.slice(order.indexOf(tag));
  return {
    "CHANGELOG.md": ["# Changelog", "", ...held.flatMap((t) => [...sections[t], ""])].join("\n"),
  };
}

/** The extra files of a Dockerfile mirror's tags: loki's changelog. */
const mirrorFiles = (mirror: string) => mirror === "loki" ? lokiChangelog : undefined;

/** The Nix packages' pull requests: what each one's branch is and says. */
const NIX_PULLS = [
  {
    name: "authentik",
    // Upstream's path is stepwise: the next release series (2026.3), not the newest (2026.5).
    title: "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.3.0",
    to: "2026.3.0",
    hashes: 5,
  },
  // ntfy's fetchgit source, npmDepsHash and vendorHash.
  { name: "ntfy", title: "C2(upgrade-ntfy): ntfy 2.17.0 -> 2.18.0", to: "2.18.0", hashes: 3 },
];

Deno.test({
  name: "zero config on the real repository: one cron run opens nine pull requests (authentik " +
    "and ntfy built and verified, seven Dockerfiles), each passing the repository's checks, " +
    "one dashboard lists them; a second run changes nothing; failing checks said once",
  ignore,
  fn: async () => {
    // First every mirror at its container's current release only: nothing new anywhere.
    const w = await realWorld({ releases: [DEFAULT_RELEASES[0]] });
    assert.equal(DEFAULT_RELEASES[0].version, "2026.2.0", "authentik's version on main");
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    await ntfyMirror(w, ["2.17.0"]);
    for (const m of DOCKER_MIRRORS) {
      await w.addMirrorTags(m.mirror, [m.tags[0]], mirrorFiles(m.mirror));
    }
    const forge = await startForge({
      root: `${w.root}/git`,
      users: [
        { login: "bot", token: TOKEN, permission: "admin" },
        { login: "ci", token: CI_TOKEN, permission: "write" },
      ],
      validate: true,
    });
    try {
      const REPO_API = `${forge.url}/api/v1/repos/eblume/blumeops`;
      const api = async <T>(path: string, init: RequestInit = {}, token = TOKEN): Promise<T> =>
        await (await fetch(`${REPO_API}${path}`, {
          ...init,
          headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
        })).json() as T;
      const pulls = () => api<ForgePull[]>(`/pulls?state=all&limit=50`);
      const dashboards = async () =>
        (await api<Issue[]>(`/issues?type=issues&state=all&limit=50`))
          .filter((i) => !i.pull_request && i.body.startsWith(DASHBOARD_MARKER));
      // No package, no mirror named: only the forge's URL, where this test keeps locks, and the
      // builder. The site's default builder is the build host ssh://ringtail, which does not exist
      // here: `local` runs the same nix-build on this machine (with w.env: the stand-in nixpkgs).
      const config = `${w.root}/upgrade-bot.yaml`;
      await Deno.writeTextFile(
        config,
        stringify({
          builder: "local",
          forge: { url: forge.url },
          lock: { dir: `${w.root}/locks` },
          // Out of reach offline (inspect below still lists the flake).
          ...OFFLINE,
        }),
      );
      const env = { ...w.env, TMPDIR: `${w.root}/tmp`, FORGE_TOKEN: TOKEN };
      const botRun = async (file: string) => {
        const run = await runBot(["run", "--config", file, "--json"], env);
        for (const secret of [TOKEN, CI_TOKEN]) {
          assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "no secret");
        }
        return run;
      };
      const cron = () => botRun(config);

      // ---- nothing new: what a cron run asks of the forge, over all nine packages, and how that
      // grows per package (the config's packages: one Dockerfile package, then all seven).
      const asked = async (file: string) => {
        const before = forge.requests.length;
        const run = await botRun(file);
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        const json = run.json as { requests: number; packages?: Outcome[] };
        for (const p of json.packages ?? []) assert.equal(p.outcome, "up to date", p.package);
        return { bot: json.requests, http: forge.requests.length - before, json };
      };
      const narrowed = async (count: number) => {
        const file = `${w.root}/upgrade-bot-${count}.yaml`;
        await Deno.writeTextFile(
          file,
          stringify({
            forge: { url: forge.url },
            lock: { dir: `${w.root}/locks` },
            packages: DOCKER_MIRRORS.slice(0, count).map((m) => ({
              name: m.container,
              dir: `containers/${m.container}`,
              kind: "dockerfile",
              mirrors: [{
                repo: `mirrors/${m.mirror}`,
                tag: m.tags[0].startsWith("v") ? "v{version}" : "{version}",
              }],
            })),
          }),
        );
        return await asked(file);
      };
      const names = ["authentik", "ntfy", ...DOCKER_MIRRORS.map((m) => m.container)].sort();
      const all = await asked(config);
      assert.deepEqual(all.json.packages!.map((p) => p.package).sort(), names, "all nine");
      const one = await narrowed(1);
      const seven = await narrowed(DOCKER_MIRRORS.length);
      const perPackage = (seven.bot - one.bot) / (DOCKER_MIRRORS.length - 1);
      console.log(
        `nothing new, zero config, 9 packages: ${all.bot} requests counted by the bot ` +
          `(${all.http} HTTP requests at the forge, the scan's shallow clone included); ` +
          `packages: 1 Dockerfile package ${one.bot} (${one.http} HTTP), 7: ${seven.bot} ` +
          `(${seven.http} HTTP): ${perPackage} per package`,
      );
      assert.ok(perPackage <= 2, `at most two requests per package, got ${perPackage}`);
      // The constant: the token's login, the dashboard's issue list, the shared pull request list,
      // and the Nix packages' own reads (their versions on the base, the follow-through's manifests).
      assert.ok(all.bot <= 2 * 9 + 10, `two per package plus a constant, got ${all.bot}`);

      // ---- the newer releases: authentik 2026.3.0, 2026.5.0-rc1, 2026.5.0; ntfy 2.18.0; each
      // Dockerfile mirror its release and candidates.
      for (const r of DEFAULT_RELEASES.slice(1)) await w.addRelease(r);
      await ntfyMirror(w, ["2.18.0"]); // on top of 2.17.0's commit
      for (const m of DOCKER_MIRRORS) {
        await w.addMirrorTags(m.mirror, m.tags, mirrorFiles(m.mirror));
      }
      await forge.addRelease("mirrors", "loki", {
        tag: "v3.7.0",
        name: "v3.7.0",
        body: "## Security\n\n* LOKI RELEASE NOTES: CVE-2026-0001 fixed, resolves #3\n",
      });

      // ---- inspect on the checkout lists the nine packages with no config at all.
      const inspect = await runBot(["inspect", "--repo", w.repo], { ...w.env });
      assert.equal(inspect.code, 0, inspect.stderr);
      for (const name of names) {
        assert.match(inspect.stdout, new RegExp(`^  ${name} +(nix|dockerfile) `, "m"), name);
      }
      assert.match(inspect.stdout, /^ {2}loki +dockerfile +3\.6\.5 +mirrors\/loki v\{version\}/m);
      assert.match(
        inspect.stdout,
        /^ {2}grafana-sidecar +dockerfile +1\.28\.0 +mirrors\/kiwigrid-grafana-sidecar \{version\}/m,
      );
      assert.match(
        inspect.stdout,
        /^ {2}authentik +nix .*mirrors\/authentik-client-go v3\.\{version\}/m,
      );
      assert.match(inspect.stdout, /^ {2}ntfy +nix +2\.17\.0 +mirrors\/ntfy v\{version\}/m);
      // With no config, the flake of nixos/ringtail too: its row is the runner's service entry.
      assert.match(
        inspect.stdout,
        /^ {2}ringtail-flake +flake +2026-03-05 .*service: nix-container-builder$/m,
      );

      // ---- the first cron run: nine pull requests.
      const beforeFirst = forge.requests.length;
      const first = await cron();
      const firstRequests = forge.requests.slice(beforeFirst).map((r) => `${r.method} ${r.path}`);
      assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
      const o1 = outcomes(first);
      assert.deepEqual(Object.keys(o1).sort(), names, first.stderr);
      for (const name of names) assert.equal(o1[name].outcome, "opened", JSON.stringify(o1[name]));
      console.log(
        `figures: the cron run that opened nine pull requests: ${first.json!.requests} forge ` +
          `requests, builds authentik ${o1.authentik.builds} + ntfy ${o1.ntfy.builds}, ` +
          `${(first.json!.seconds as number).toFixed(1)} s`,
      );
      const opened = await pulls();
      assert.equal(opened.length, names.length, opened.map((p) => p.title).join("\n"));
      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const sh = $({ cwd: check, quiet: true });
      const checkout = async (branch: string) => {
        await sh`git fetch -q --prune origin`;
        await sh`git checkout -q --detach`;
        await sh`git branch -f main origin/main`;
        await sh`git checkout -q -B ${branch} ${"origin/" + branch}`;
      };
      const byName = new Map<string, ForgePull>();

      // authentik and ntfy: built, verified, the harvested hashes on the branch.
      const expected = await w.expectedHashes("2026.3.0");
      for (const n of NIX_PULLS) {
        const o = o1[n.name];
        assert.equal(o.verified, true, `${n.name}: verified (${JSON.stringify(o)})`);
        assert.ok(o.builds > 0, `${n.name}: built`);
        assert.equal(o.version.to, n.to);
        const pull = opened.find((p) => p.head.ref === `mikado/upgrade-${n.name}`);
        assert.ok(pull, `${n.name}: its pull request`);
        assert.equal(pull.title, n.title);
        assert.equal(o.pull?.number, pull.number);
        byName.set(n.name, pull);
        await checkout(pull.head.ref);
        assert.equal(o.hashes.length, n.hashes, `${n.name}: ${JSON.stringify(o.hashes)}`);
        for (const h of o.hashes) {
          assert.ok(h.new, `${n.name}: ${h.name} harvested`);
          const file = `containers/${n.name}/${h.file}`;
          assert.ok(
            (await Deno.readTextFile(`${check}/${file}`)).includes(`"${h.new}"`),
            `${n.name}: ${h.name}'s harvested ${h.new} in ${file} on the branch`,
          );
          // authentik's hashes as computed here without Nix; ntfy's every source moved.
          if (n.name === "authentik") {
            assert.equal(h.new, expected[h.name as keyof typeof expected], h.name);
          } else assert.notEqual(h.new, h.old, `${n.name}: ${h.name} moved`);
        }
        const services = await Deno.readTextFile(`${check}/service-versions.yaml`);
        const entry = services.slice(services.indexOf(`- name: ${n.name}\n`)).split("\n\n")[0];
        assert.match(entry, new RegExp(`current-version: "v?${literally(n.to)}"`), entry);
        assert.equal(failedChecks(await repoChecks(check)), "", `${n.name}: the checks`);
      }

      // The seven Dockerfile packages: the newest release, no candidate.
      for (const m of DOCKER_MIRRORS) {
        const o = o1[m.container];
        const bare = m.next.replace(/^v/, "");
        assert.equal(o.version.to, bare, `${m.container}: the newest release, no candidate`);
        const pull = opened.find((p) => p.head.ref === `upgrade-${m.container}`);
        assert.ok(pull, `${m.container}: its pull request`);
        assert.equal(o.pull?.number, pull.number);
        byName.set(m.container, pull);
        assert.equal(pull.title, `Upgrade ${m.container} from ${o.version.from} to ${bare}`);
        assert.match(pull.body, /built by the repository's workflow .*not by\s+upgrade-bot/s);
        // The branch: the ARG in the file's own style, the service entry, a flat fragment.
        await checkout(pull.head.ref);
        const dockerfile = await Deno.readTextFile(`${check}/containers/${m.container}/Dockerfile`);
        assert.match(dockerfile, new RegExp(`^ARG CONTAINER_APP_VERSION=${m.next}$`, "m"));
        const services = await Deno.readTextFile(`${check}/service-versions.yaml`);
        const service = m.container;
        const entry = services.slice(services.indexOf(`- name: ${service}\n`)).split("\n\n")[0];
        assert.match(entry, new RegExp(`current-version: "${m.next}"`), entry);
        assert.match(
          entry,
          new RegExp(`last-reviewed: "?${new Date().toISOString().slice(0, 10)}`),
        );
        const changed = (await sh`git diff --name-only main...HEAD`).stdout.trim().split("\n");
        assert.deepEqual(changed.sort(), [
          `containers/${m.container}/Dockerfile`,
          `docs/changelog.d/upgrade-${m.container}.infra.md`,
          "service-versions.yaml",
        ]);
        const log = (await sh`git log --format=%s main..HEAD`).stdout.trim();
        assert.equal(log, pull.title, "one commit, named as the pull request");
        // What changed upstream: the compare link and the commits between the two tags (one per
        // tag in these mirrors), read over git; nothing exposed, no record but the bot's.
        const fromTag = m.tags[0];
        const toTag = m.tags.find((t) => t.replace(/^v/, "") === bare)!;
        const commits = m.tags.indexOf(toTag);
        assert.match(
          pull.body,
          new RegExp(
            `^\\[Compare \`${
              literally(`${fromTag}...${toTag}`)
            }\`\\]\\(<http://[^>]+/mirrors/${m.mirror}/compare/${
              literally(`${fromTag}...${toTag}`)
            }>\\): ${commits} commits?\\.$`,
            "m",
          ),
          `${m.container}: the compare link and ${commits} commits\n${pull.body}`,
        );
        assert.equal(o.upstream[0]?.commits, commits, JSON.stringify(o.upstream));
        const fold = (v: string) =>
          /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());
        assert.deepEqual(exposed(pull.body, fold), [], m.container);
        assert.deepEqual(ownComments(pull.body), [], m.container);
        assert.equal(failedChecks(await repoChecks(check)), "", `${m.container}: the checks`);
      }

      // ---- loki's pull request: its forge release, then its CHANGELOG.md section (breaking
      // first, the rest folded), not the candidate's nor the deployed release's; what it asked.
      const lokiPull = byName.get("loki")!;
      console.log(`---- loki: pull request #${lokiPull.number} as rendered\n${lokiPull.body}`);
      const lokiBody = lokiPull.body;
      const at = (s: string) => {
        const i = lokiBody.indexOf(s);
        assert.ok(i >= 0, `${s} in loki's body`);
        return i;
      };
      assert.ok(at("##### 3.7.0: forge release `v3.7.0`") < at("LOKI RELEASE NOTES"));
      assert.ok(
        at("LOKI RELEASE NOTES") < at("##### 3.7.0: its section of `CHANGELOG.md` at the new tag"),
      );
      assert.ok(
        at("its section of `CHANGELOG.md`") < at("LOKI BREAKING") &&
          at("LOKI BREAKING") < at("<details><summary>Other sections: Features</summary>") &&
          at("<details><summary>Other sections: Features") < at("a new query planner"),
      );
      assert.match(lokiBody, /thanks @&#8203;someone, fixes #&#8203;1/);
      assert.ok(!lokiBody.includes("CANDIDATE ONLY") && !lokiBody.includes("DEPLOYED RELEASE"));
      assert.deepEqual(
        o1.loki.upstream.map((u) => u.notes.map((n) => [n.releases, n.source, n.title])),
        [[[["3.7.0"], "release", "v3.7.0"], [["3.7.0"], "changelog", "CHANGELOG.md"]]],
      );
      // The mirrors without a changelog or release: compare and commits only, nothing missing said.
      for (const m of DOCKER_MIRRORS.filter((m) => m.mirror !== "loki")) {
        assert.deepEqual(o1[m.container].upstream[0].notes, [], m.container);
        assert.deepEqual(o1[m.container].upstream[0].problems, [], m.container);
      }
      /** The requests of `list` to a mirror, over git or the API. */
      const mirrorAsked = (mirror: string, list: string[]) =>
        list.filter((r) =>
          r.includes(`/mirrors/${mirror}.git/`) || r.includes(`/mirrors/${mirror}/`)
        );
      const lokiFirst = mirrorAsked("loki", firstRequests);
      assert.deepEqual(
        lokiFirst.filter((r) => r.includes("/releases/")),
        ["GET /api/v1/repos/mirrors/loki/releases/tags/v3.7.0"],
        "one release lookup: the one release crossed",
      );

      // ---- one dashboard, listing the nine with their pull requests.
      const [board, ...more] = await dashboards();
      assert.ok(board, "a dashboard issue");
      assert.deepEqual(more.map((i) => i.number), [], "one dashboard only");
      assert.equal(board.user.login, "bot");
      for (const name of names) {
        const pull = byName.get(name)!;
        const to = o1[name].version.to;
        const cells = row(board.body, name);
        assert.match(
          cells[4],
          new RegExp(
            `^pull request \\[#${pull.number}\\]\\(http[^)]+/pulls/${pull.number}\\) open: ` +
              `${literally(to)}$`,
          ),
          `${name}'s row names #${pull.number} and ${to}: ${cells.join(" | ")}`,
        );
      }
      // The Deployed column: the pins and the drift of the real repository (lib/flow/pins.ts).
      assert.equal(
        row(board.body, "cloudnative-pg")[5],
        "drift: service-versions.yaml says v1.28.1; argocd/apps/cloudnative-pg.yaml deploys v1.27.1",
      );
      assert.match(
        row(board.body, "transmission")[5],
        /^transmission pin to v4\.1\.1-r1-[0-9a-f]{7}: failed; drift: transmission is deployed at 2 tags: /,
      );
      assert.match(row(board.body, "loki")[5], /^loki pinned at v3\.6\.5-[0-9a-f]{7}$/);
      console.log(
        `the dashboard's rows with drift, from this zero-config cron run:\n${
          board.body.split("\n").filter((l) => l.includes("drift: ")).join("\n")
        }`,
      );

      // ---- the second run: nothing new, nothing changes.
      const tips = async () => (await sh`git ls-remote origin`).stdout;
      const before = await tips();
      const from = forge.requests.length;
      const second = await cron();
      assert.equal(second.code, 0, second.stderr);
      // Writes at the forge: every request but a read (git's POSTs to upload-pack only read).
      const during = forge.requests.slice(from);
      const writes = during
        .filter((r) => r.method !== "GET" && !r.path.endsWith("/git-upload-pack"))
        .map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(writes, [], "no write at the forge");
      const o2 = outcomes(second);
      for (const name of names) assert.equal(o2[name].outcome, "up to date", name);
      // Nothing new: no upstream read. What the pull request's run asked of a mirror beyond this
      // run's (its tags) is what its upstream section cost: at most a Nix package's (one lookup per
      // crossed release, 8 over git), the third fetch only for a changelog.
      const idle = during.map((r) => `${r.method} ${r.path}`);
      const added = DOCKER_MIRRORS.map((m) => {
        const now = mirrorAsked(m.mirror, idle);
        assert.ok(!now.some((r) => r.includes("/releases/")), now.join("\n"));
        const extra = mirrorAsked(m.mirror, firstRequests).length - now.length;
        assert.ok(extra <= 1 + 8, `${m.mirror}: ${extra} requests for its upstream section`);
        return `${m.mirror} ${extra}`;
      });
      const lokiIdle = mirrorAsked("loki", idle);
      console.log(
        `loki's mirror: ${lokiFirst.length} requests in the run that opened its pull request, ` +
          `${lokiIdle.length} in a run with nothing new:\n${lokiFirst.join("\n")}\n` +
          `---- nothing new:\n${lokiIdle.join("\n")}\n` +
          `what each Dockerfile mirror's upstream section added to the run: ${added.join(", ")}`,
      );
      assert.equal(await tips(), before, "no branch moved");
      assert.deepEqual(
        (await pulls()).map((p) => [p.number, p.title, p.body]),
        opened.map((p) => [p.number, p.title, p.body]),
        "no new pull request, none edited",
      );
      assert.deepEqual(
        (await dashboards()).map((i) => [i.number, i.body]),
        [[board.number, board.body]],
        "the dashboard unchanged",
      );
      console.log(
        `requests of a run with nothing new (9 packages, 9 pull requests open): ${
          second.json!.requests
        } counted by the bot, ${during.length} HTTP requests at the forge`,
      );

      // ---- CI reports a failure on loki's head: said once, on its pull request.
      const loki = byName.get("loki")!;
      const status = await fetch(`${REPO_API}/statuses/${loki.head.sha}`, {
        method: "POST",
        headers: { Authorization: `token ${CI_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          state: "failure",
          context: "pre-commit / checks",
          description: "container-version-check failed",
          target_url: `${forge.url}/eblume/blumeops/actions/runs/1`,
        }),
      });
      assert.equal(status.status, 201);
      await status.body?.cancel();
      const comments = () =>
        api<{ body: string; user: { login: string } }[]>(
          `/issues/${loki.number}/comments`,
        );
      assert.equal((await comments()).length, 0);
      const third = await cron();
      assert.equal(third.code, 0, third.stderr);
      const said = await comments();
      assert.equal(said.length, 1, "the failure said on the pull request");
      assert.equal(said[0].user.login, "bot");
      assert.match(said[0].body, /`pre-commit \/ checks` failure: container-version-check failed/);
      const fourth = await cron();
      assert.equal(fourth.code, 0, fourth.stderr);
      assert.equal((await comments()).length, 1, "said once, not on every run");
      for (const p of opened.filter((p) => p.number !== loki.number)) {
        assert.equal(
          (await api<unknown[]>(`/issues/${p.number}/comments`)).length,
          0,
          `no comment on #${p.number}`,
        );
      }
      assert.deepEqual(forge.violations, [], "every response followed the swagger");
    } finally {
      await forge.stop();
      await w.cleanup();
    }
  },
});
