// Issue 24 item 4 on the REAL eblume/blumeops: with the forge's URL and where PyPI and the Alpine
// mirror are reached (`sources:`), a cron run finds the Dockerfiles whose version comes from no
// forge mirror (devpi: `pip install devpi-server==${...}`; transmission: `apk add
// transmission-daemon=${...}` from edge/community; grafana: its tarball fetched by version beside
// `LABEL org.opencontainers.image.source="https://github.com/grafana/grafana"`, GitHub's releases
// tagged `v12.3.3`; the docs image: `FROM nginx:${...}-alpine`
// from the registry's tags, here Debian's real docker-registry behind a stand-in for Docker Hub's
// token service) and, each with a newer version, opens their
// pull requests, the repository's checks passing on every branch; a run with nothing new makes
// at most two requests per service and writes nothing. PyPI's JSON API, the Alpine index and
// GitHub's API cannot run here: STAND-INS answer on 127.0.0.1 (tests/support/arg_sources.ts).
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import { DEFAULT_RELEASES, realRepoSource, realWorld } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { type BotRun, type ForgePull, runBot, runOutcomes } from "../support/bot_run.ts";
import { startSourcesStandIn } from "../support/arg_sources.ts";
import { startRegistry } from "../support/registry.ts";
import { tokenFront } from "../support/registry_token.ts";
import { startForge } from "../forge/server.ts";
import { DASHBOARD_MARKER } from "../../lib/dashboard/marker.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`arg_sources.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-argsources-0123456789";

interface Outcome {
  package: string;
  outcome: string;
  error: string | null;
}

const outcomes = (run: BotRun) => runOutcomes<Outcome>(run);

/** What the pull requests change: the ARG in the Dockerfile, the service's record. */
const OPENED: Record<string, { from: string; to: string; record: string; source: RegExp }> = {
  devpi: {
    from: "6.19.1",
    to: "6.20.0",
    record: '"6.20.0"',
    source: /PyPI project devpi-server: <?https:\/\/pypi\.org\/project\/devpi-server\/6\.20\.0\/>?/,
  },
  transmission: {
    from: "4.1.1-r1",
    to: "4.1.2-r0",
    record: '"4.1.2-r0"',
    source: /Alpine package transmission-daemon \(edge\/community\)/,
  },
  // The tag template settled by the releases: 12.3.3 is released as v12.3.3.
  grafana: {
    from: "12.3.3",
    to: "12.4.0",
    record: '"12.4.0"',
    source:
      /GitHub releases of grafana\/grafana: <?https:\/\/github\.com\/grafana\/grafana\/releases\/tag\/v12\.4\.0>?/,
  },
};

Deno.test({
  name: "zero config on the real repository: devpi from PyPI, transmission from Alpine's " +
    "edge/community index and grafana from GitHub's releases (its source label), one pull " +
    "request each, the repository's checks passing; nothing new " +
    "asks at most two requests per service and writes nothing; the docs image's FROM base from " +
    "the registry, configured",
  ignore,
  fn: async () => {
    const began = performance.now();
    const w = await realWorld({ releases: [DEFAULT_RELEASES[0]] });
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    const standIn = startSourcesStandIn();
    // On main's day: the versions the Dockerfiles pin are the newest.
    standIn.pypi.set("devpi-server", { "6.18.0": false, "6.19.1": false });
    standIn.alpine.set("edge/community", [
      { name: "transmission-daemon", version: "4.1.1-r1" },
      { name: "transmission-cli", version: "4.1.1-r1" },
    ]);
    const grafana = (...tags: string[]) =>
      tags.map((tag_name) => ({ tag_name, draft: false, prerelease: tag_name.includes("-") }));
    standIn.github.set("grafana/grafana", grafana("v12.3.3", "v12.2.5", "v11.6.9"));
    const registry = await startRegistry();
    const hub = tokenFront(registry, "docker.io");
    // Other shapes beside the current one: 1.29.0 and 1.30.0-perl are not `{version}-alpine`.
    for (const tag of ["1.28.2-alpine", "1.28.2", "1.29.0", "1.30.0-perl"]) {
      await registry.push("docker.io/library/nginx", tag, {});
    }
    const forge = await startForge({
      root: `${w.root}/git`,
      users: [{ login: "bot", token: TOKEN, permission: "admin" }],
      validate: true,
    });
    try {
      const REPO_API = `${forge.url}/api/v1/repos/eblume/blumeops`;
      const pulls = async () =>
        await (await fetch(`${REPO_API}/pulls?state=all&limit=50`, {
          headers: { Authorization: `token ${TOKEN}` },
        })).json() as ForgePull[];
      const base = {
        builder: "local",
        forge: { url: forge.url },
        lock: { dir: `${w.root}/locks` },
        deploy: null,
        // The ringtail flake's inputs and the upstream images are out of reach offline (their own
        // tests).
        flakes: null,
        // The upstream images are out of reach offline (their own test); the docs image's FROM
        // base is read through a configured package below.
        registries: null,
        sources: { pypi: standIn.url, alpine: standIn.url, github: standIn.url },
      };
      const config = `${w.root}/upgrade-bot.yaml`;
      await Deno.writeTextFile(config, stringify(base));
      const env = { ...w.env, TMPDIR: `${w.root}/tmp`, FORGE_TOKEN: TOKEN };
      const botRun = async (file: string, code = 0) => {
        const run = await runBot(["run", "--config", file, "--json"], env);
        assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), "no secret");
        assert.equal(run.code, code, `${run.stdout}\n${run.stderr}`);
        return run;
      };
      const writes = (r: { method: string; path: string }[]) =>
        r.filter((q) => q.method !== "GET" && !q.path.endsWith("/git-upload-pack"))
          .map((q) => `${q.method} ${q.path}`);

      // ---- nothing new: what a run asks, zero config and configured (packages[].source).
      const asked = async (file: string) => {
        const from = forge.requests.length;
        const fromSources = standIn.requests.length;
        const run = await botRun(file);
        const json = run.json as { requests: number; sourceRequests: number; seconds: number };
        for (const [name, o] of Object.entries(outcomes(run))) {
          assert.equal(o.outcome, "up to date", `${name}: ${JSON.stringify(o)}\n${run.stderr}`);
        }
        return {
          bot: json.requests,
          sources: standIn.requests.length - fromSources,
          counted: json.sourceRequests,
          seconds: json.seconds,
          during: forge.requests.slice(from),
          names: Object.keys(outcomes(run)).sort(),
          stderr: run.stderr,
        };
      };
      const SOURCES = {
        devpi: { kind: "pypi", name: "devpi-server" },
        transmission: {
          kind: "alpine",
          name: "transmission-daemon",
          repositories: ["edge/community"],
        },
      };
      const narrowed = async (services: (keyof typeof SOURCES)[]) => {
        const file = `${w.root}/upgrade-bot-${services.length}.yaml`;
        await Deno.writeTextFile(
          file,
          stringify({
            ...base,
            packages: services.map((s) => ({
              name: s,
              dir: `containers/${s}`,
              kind: "dockerfile",
              source: SOURCES[s],
            })),
          }),
        );
        return await asked(file);
      };
      const one = await narrowed(["devpi"]);
      const two = await narrowed(["devpi", "transmission"]);
      const perService = two.bot - one.bot;
      await asked(config); // the first zero-config run draws the dashboard
      const all = await asked(config);
      assert.ok(
        all.names.includes("devpi") && all.names.includes("transmission"),
        `the scan finds both: ${all.names.join(", ")}\n${all.stderr}`,
      );
      assert.match(
        all.stderr,
        /found 4 packages .*: authentik \(nix\), devpi \(dockerfile\), grafana \(dockerfile\), transmission \(dockerfile\)/,
      );
      assert.equal(all.sources, 3, "one request per PyPI, Alpine or GitHub package");
      assert.equal(all.counted, all.sources, "the run counts the sources' requests");
      assert.deepEqual(writes(all.during), [], "no write at the forge");
      assert.deepEqual(await pulls(), [], "no pull request");
      console.log(
        `nothing new: zero config (${all.names.length} packages: ${all.names.join(", ")}): ` +
          `${all.bot} requests counted by the bot, ${all.sources} of them at the sources ` +
          `stand-in, the run's own ${
            all.seconds.toFixed(2)
          } s; configured: devpi alone ${one.bot} ` +
          `(${one.sources} at PyPI), devpi and transmission ${two.bot} (${two.sources}): ` +
          `${perService} per service`,
      );
      assert.ok(perService <= 2, `at most two requests per service, got ${perService}`);

      // ---- newer versions: one pull request each. Untrusted answers: a yanked release, a
      // version the bot cannot order, a pre-release (prereleases is off) are left out.
      standIn.pypi.set("devpi-server", {
        "6.18.0": false,
        "6.19.1": false,
        "6.20.0": false,
        "6.21.0": true,
        "7.0.0rc1": false,
        "2!9.0": false,
      });
      standIn.alpine.set("edge/community", [
        { name: "transmission-daemon", version: "4.1.1-r1" },
        { name: "transmission-daemon", version: "4.1.2-r0" },
        { name: "transmission-daemon", version: "4.2_beta1-r0" },
        { name: "transmission-cli", version: "9.9.9-r0" },
      ]);
      // A draft, a pre-release, an older series' patch and a tag of another shape left out.
      standIn.github.set("grafana/grafana", [
        { tag_name: "v12.5.0", draft: true, prerelease: false },
        ...grafana("v13.0.0-beta1", "v12.4.0", "v11.6.10", "12.9.0", "v12.3.3", "v12.2.5"),
      ]);
      const first = await botRun(config);
      const o1 = outcomes(first);
      const opened = await pulls();
      assert.equal(opened.length, 3, opened.map((p) => p.title).join("\n"));
      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const sh = $({ cwd: check, quiet: true });
      const today = new Date().toISOString().slice(0, 10);
      for (const [service, e] of Object.entries(OPENED)) {
        assert.equal(o1[service].outcome, "opened", JSON.stringify(o1[service]));
        const pull = opened.find((p) => p.head.ref === `upgrade-${service}`);
        assert.ok(pull, `${service}: its pull request`);
        assert.equal(pull.title, `Upgrade ${service} from ${e.from} to ${e.to}`);
        assert.match(pull.body, e.source);
        console.log(
          `---- ${service}: pull request #${pull.number} as rendered\n` +
            `title: ${pull.title}\n\n${pull.body}`,
        );
        await sh`git fetch -q --prune origin`;
        await sh`git checkout -q --detach`;
        await sh`git branch -f main origin/main`;
        await sh`git checkout -q -B ${pull.head.ref} ${"origin/" + pull.head.ref}`;
        const changed = (await sh`git diff --name-only main...HEAD`).stdout.trim().split("\n");
        const dockerfile = `containers/${service}/Dockerfile`;
        assert.deepEqual(changed.sort(), [
          dockerfile,
          `docs/changelog.d/upgrade-${service}.infra.md`,
          "service-versions.yaml",
        ]);
        // The Dockerfile: only the version ARG moved.
        const before = (await sh`git show ${"main:" + dockerfile}`).stdout;
        assert.equal(
          await Deno.readTextFile(`${check}/${dockerfile}`),
          before.replace(
            `ARG CONTAINER_APP_VERSION=${e.from}`,
            `ARG CONTAINER_APP_VERSION=${e.to}`,
          ),
        );
        const services = await Deno.readTextFile(`${check}/service-versions.yaml`);
        const entry = services.slice(services.indexOf(`- name: ${service}\n`)).split("\n\n")[0];
        assert.match(entry, new RegExp(`current-version: ${e.record.replace(/\./g, "\\.")}`));
        assert.match(entry, new RegExp(`last-reviewed: "?${today}`), entry);
        assert.equal(failedChecks(await repoChecks(check)), "", `${service}: the checks`);
      }

      // ---- the dashboard: both rows watched, each naming its pull request.
      const boards = (await (await fetch(`${REPO_API}/issues?type=issues&state=all&limit=50`, {
        headers: { Authorization: `token ${TOKEN}` },
      })).json() as { body: string; pull_request: unknown }[])
        .filter((i) => !i.pull_request && i.body.startsWith(DASHBOARD_MARKER));
      assert.equal(boards.length, 1, "one dashboard");
      for (const service of Object.keys(OPENED)) {
        const line = boards[0].body.split("\n").find((l) => l.startsWith(`| ${service} |`));
        assert.ok(line, `${service}: its row`);
        const pull = opened.find((p) => p.head.ref === `upgrade-${service}`)!;
        assert.match(line, new RegExp(`pull request \\[#${pull.number}\\]`), line);
        assert.doesNotMatch(line, /not watched/, line);
        console.log(`dashboard row: ${line}`);
      }

      // ---- a second run with nothing newer: nothing written.
      const tips = async () => (await sh`git ls-remote origin`).stdout;
      const tipsBefore = await tips();
      const from = forge.requests.length;
      const second = await botRun(config);
      for (const [s, o] of Object.entries(outcomes(second))) {
        assert.equal(o.outcome, "up to date", `${s}: ${JSON.stringify(o)}`);
      }
      assert.deepEqual(writes(forge.requests.slice(from)), [], "no write at the forge");
      assert.equal(await tips(), tipsBefore, "no branch moved");
      assert.deepEqual(
        (await pulls()).map((p) => [p.number, p.title, p.body]),
        opened.map((p) => [p.number, p.title, p.body]),
      );

      // ---- a source out of reach fails its own package only.
      standIn.pypi.delete("devpi-server");
      // A package failed: the run's exit code says so (2), the others' outcomes kept.
      const third = await botRun(config, 2);
      const o3 = outcomes(third);
      assert.equal(o3.devpi.outcome, "failed");
      assert.match(o3.devpi.error ?? "", /pypi\/devpi-server\/json: HTTP 404/);
      assert.equal(o3.transmission.outcome, "up to date");
      assert.equal(o3.grafana.outcome, "up to date");
      // ---- the docs image's FROM base (`FROM nginx:${NGINX_VERSION}-alpine`), named in config:
      // the registry's tags of the `{version}-alpine` shape.
      const docsConfig = `${w.root}/upgrade-bot-docs.yaml`;
      await Deno.writeTextFile(
        docsConfig,
        stringify({
          ...base,
          registries: { "docker.io": hub.url },
          packages: [{
            name: "quartz",
            dir: "containers/quartz",
            kind: "dockerfile",
            source: { kind: "registry", image: "nginx", tag: "{version}-alpine" },
            service_versions: { name: "docs" },
          }],
        }),
      );
      const docsNothing = await asked(docsConfig);
      // Beside what devpi alone asks of the forge: the tag list, and once a run for the registry
      // host its GET /v2/ and a token (as for the upstream images).
      const beyond = docsNothing.bot - (one.bot - one.sources);
      console.log(
        `nothing new: the docs image alone: ${docsNothing.bot} requests, ${beyond} at the ` +
          `registry (its tag list, GET /v2/ and a token once a run)`,
      );
      assert.ok(beyond <= 3, `the docs image's registry: ${beyond}`);
      await registry.push("docker.io/library/nginx", "1.29.5-alpine", {});
      await registry.push("docker.io/library/nginx", "1.29.5", {});
      assert.equal(outcomes(await botRun(docsConfig)).quartz.outcome, "opened");
      const docsPull = (await pulls()).find((p) => p.head.ref === "upgrade-quartz");
      assert.ok(docsPull, "the docs image's pull request");
      assert.equal(docsPull.title, "Upgrade quartz from 1.28.2 to 1.29.5");
      assert.match(
        docsPull.body,
        /base image nginx:\{version\}-alpine: <?https:\/\/hub\.docker\.com\/_\/nginx>?/,
      );
      console.log(`---- quartz (docs): pull request #${docsPull.number}\ntitle: ${docsPull.title}`);
      await sh`git fetch -q --prune origin`;
      await sh`git checkout -q -B upgrade-quartz origin/upgrade-quartz`;
      assert.match(
        await Deno.readTextFile(`${check}/containers/quartz/Dockerfile`),
        /^ARG CONTAINER_APP_VERSION=1\.29\.5$/m,
      );
      const docsEntry = await Deno.readTextFile(`${check}/service-versions.yaml`);
      assert.match(
        docsEntry.slice(docsEntry.indexOf("- name: docs\n")).split("\n\n")[0],
        /current-version: "1\.29\.5"/,
      );
      assert.equal(failedChecks(await repoChecks(check)), "", "quartz: the checks");

      // ---- runner-job-image's Dagger CLI, named in config: GitHub's releases of dagger/dagger
      // through octokit (the stand-in answers GET /repos/dagger/dagger/releases).
      standIn.github.set("dagger/dagger", [
        { tag_name: "v0.20.1", draft: false, prerelease: false },
        { tag_name: "sdk/python/v0.20.1", draft: false, prerelease: false },
      ]);
      const daggerConfig = `${w.root}/upgrade-bot-dagger.yaml`;
      await Deno.writeTextFile(
        daggerConfig,
        stringify({
          ...base,
          packages: [{
            name: "runner-job-image",
            dir: "containers/runner-job-image",
            kind: "dockerfile",
            source: { kind: "github", repo: "dagger/dagger", tag: "v{version}" },
          }],
        }),
      );
      const daggerNothing = await asked(daggerConfig);
      assert.equal(daggerNothing.sources, 1, "one request to GitHub");
      standIn.github.get("dagger/dagger")!.unshift(
        { tag_name: "v0.21.0", draft: true, prerelease: false },
        { tag_name: "v0.20.2", draft: false, prerelease: false },
      );
      assert.equal(outcomes(await botRun(daggerConfig))["runner-job-image"].outcome, "opened");
      const daggerPull = (await pulls()).find((p) => p.head.ref === "upgrade-runner-job-image");
      assert.ok(daggerPull, "runner-job-image's pull request");
      assert.equal(daggerPull.title, "Upgrade runner-job-image from 0.20.1 to 0.20.2");
      assert.match(
        daggerPull.body,
        /GitHub releases of dagger\/dagger: <?https:\/\/github\.com\/dagger\/dagger\/releases\/tag\/v0\.20\.2>?/,
      );
      console.log(
        `nothing new: runner-job-image alone: ${daggerNothing.bot} requests, ` +
          `${daggerNothing.sources} at GitHub; pull request #${daggerPull.number}: ${daggerPull.title}`,
      );
      await sh`git fetch -q --prune origin`;
      await sh`git checkout -q -B upgrade-runner-job-image origin/upgrade-runner-job-image`;
      assert.match(
        await Deno.readTextFile(`${check}/containers/runner-job-image/Dockerfile`),
        /^ARG CONTAINER_APP_VERSION=0\.20\.2$/m,
      );
      assert.equal(failedChecks(await repoChecks(check)), "", "runner-job-image: the checks");

      console.log(`arg_sources.test.ts: ${((performance.now() - began) / 1000).toFixed(1)} s`);
    } finally {
      await forge.stop();
      await standIn.stop();
      await hub.stop();
      await registry.stop();
      await w.cleanup();
    }
  },
});
