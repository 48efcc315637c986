// Zero config on the REAL eblume/blumeops: a cron run with only the forge's URL finds every container
// built from a forge mirror (two Nix packages, seven Dockerfiles), opens a pull request for each
// Dockerfile package with a newer release, each branch passing the repository's own checks; a
// second run changes nothing; a failure of the checks reported on a pull request is said once.
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import { DOCKER_MIRRORS, realRepoSource, realWorld } from "../support/realworld.ts";
import { failedChecks, repoChecks } from "../support/repochecks.ts";
import { type BotRun, runBot } from "../support/botrun.ts";
import { startForge } from "../forge/server.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`dockerfiles.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-dockerfiles-0123456789";
const CI_TOKEN = "ci-token-dockerfiles-0123456789";

interface Pull {
  number: number;
  title: string;
  body: string;
  state: string;
  head: { ref: string; sha: string };
}

interface Outcome {
  package: string;
  outcome: string;
  error: string | null;
  version: { from: string; to: string };
  pull: { number: number; action: string } | null;
}

function outcomes(run: BotRun): Record<string, Outcome> {
  assert.ok(run.json, `a --json line\n${run.stdout}\n${run.stderr}`);
  const list = run.json.packages as Outcome[];
  return Object.fromEntries(list.map((p) => [p.package, p]));
}

Deno.test({
  name: "zero config on the real repository: a pull request per Dockerfile package, each passing " +
    "the repository's checks; a second run changes nothing; failing checks said once",
  ignore,
  fn: async () => {
    // authentik and ntfy at their current releases only: nothing for the Nix packages to do.
    const w = await realWorld({ releases: [{ version: "2026.2.0" }] });
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    await w.addMirrorTags("ntfy", ["v2.17.0"]);
    // First each mirror at the container's current release only: nothing new anywhere.
    for (const m of DOCKER_MIRRORS) await w.addMirrorTags(m.mirror, [m.tags[0]]);
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
      const pulls = () => api<Pull[]>(`/pulls?state=all&limit=50`);
      // Only the forge's URL (and where this test keeps locks): no package, no mirror named.
      const config = `${w.root}/upgrade-bot.yaml`;
      await Deno.writeTextFile(
        config,
        stringify({ forge: { url: forge.url }, lock: { dir: `${w.root}/locks` } }),
      );
      const cron = async () => {
        const run = await runBot(["run", "--config", config, "--json"], {
          ...w.env,
          TMPDIR: `${w.root}/tmp`,
          FORGE_TOKEN: TOKEN,
        });
        assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), "no secret");
        return run;
      };

      // ---- nothing new: what a cron run asks of the forge, over all nine packages, and how that
      // grows per package (the config's packages: one Dockerfile package, then all seven).
      const asked = async (file: string) => {
        const before = forge.requests.length;
        const run = await runBot(["run", "--config", file, "--json"], {
          ...w.env,
          TMPDIR: `${w.root}/tmp`,
          FORGE_TOKEN: TOKEN,
        });
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        const json = run.json as { requests: number; packages?: Outcome[] };
        for (const p of json.packages ?? []) assert.equal(p.outcome, "up to date", p.package);
        return { bot: json.requests, http: forge.requests.length - before };
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
      const all = await asked(config);
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
      for (const m of DOCKER_MIRRORS) await w.addMirrorTags(m.mirror, m.tags);

      // ---- inspect on the checkout lists the nine packages with no config at all.
      const inspect = await runBot(["inspect", "--repo", w.repo], { ...w.env });
      assert.equal(inspect.code, 0, inspect.stderr);
      const names = ["authentik", "ntfy", ...DOCKER_MIRRORS.map((m) => m.container)].sort();
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

      // ---- the first cron run: one pull request per Dockerfile package.
      const first = await cron();
      assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
      const o1 = outcomes(first);
      assert.deepEqual(Object.keys(o1).sort(), names, first.stderr);
      assert.equal(o1.authentik.outcome, "up to date", JSON.stringify(o1.authentik));
      assert.equal(o1.ntfy.outcome, "up to date", JSON.stringify(o1.ntfy));
      const opened = await pulls();
      assert.equal(opened.length, DOCKER_MIRRORS.length);
      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const sh = $({ cwd: check, quiet: true });
      for (const m of DOCKER_MIRRORS) {
        const o = o1[m.container];
        const bare = m.next.replace(/^v/, "");
        assert.equal(o.outcome, "opened", JSON.stringify(o));
        assert.equal(o.version.to, bare, `${m.container}: the newest release, no candidate`);
        const pull = opened.find((p) => p.head.ref === `upgrade-${m.container}`)!;
        assert.ok(pull, `${m.container}: its pull request`);
        assert.equal(pull.title, `Upgrade ${m.container} from ${o.version.from} to ${bare}`);
        assert.match(pull.body, /built by the repository's workflow .*not by\s+upgrade-bot/s);
        // The branch: the ARG in the file's own style, the service entry, a flat fragment.
        await sh`git fetch -q --prune origin`;
        await sh`git checkout -q --detach`;
        await sh`git branch -f main origin/main`;
        await sh`git checkout -q -B ${pull.head.ref} ${"origin/" + pull.head.ref}`;
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
        assert.equal(failedChecks(await repoChecks(check)), "", `${m.container}: the checks`);
      }

      // ---- the second run: nothing new, nothing changes.
      const tips = async () => (await $({ cwd: check, quiet: true })`git ls-remote origin`).stdout;
      const before = await tips();
      const second = await cron();
      assert.equal(second.code, 0, second.stderr);
      const o2 = outcomes(second);
      for (const name of names) assert.equal(o2[name].outcome, "up to date", name);
      assert.equal(await tips(), before, "no branch moved");
      assert.deepEqual(
        (await pulls()).map((p) => [p.number, p.title, p.body]),
        opened.map((p) => [p.number, p.title, p.body]),
      );
      console.log(
        `requests of a run with nothing new (9 packages, 7 pull requests open): ${
          second.json!.requests
        }`,
      );

      // ---- CI reports a failure on loki's head: said once, on its pull request.
      const loki = opened.find((p) => p.head.ref === "upgrade-loki")!;
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
