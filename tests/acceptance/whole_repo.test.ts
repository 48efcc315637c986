// Issue 24's proof on the REAL eblume/blumeops, with every source the bot watches in one world
// (tests/support/whole_world.ts): the forge's mirrors (authentik and client-go, ntfy, the seven
// Dockerfiles', the Applications', frigate's source), Debian's docker-registry behind a stand-in
// for the registries' token service (every upstream image, the docs image's FROM base), and
// STAND-INS for PyPI, the Alpine index and GitHub's releases API, which cannot run here
// (tests/support/arg_sources.ts). With nothing new, a zero-config cron run makes at most two
// requests per watched service plus a constant and writes nothing. With every source one release
// ahead, one zero-config cron run opens a pull request for every watched package (the Nix ones
// built and verified), each branch passing the repository's own checks, and the dashboard lists
// all 42 services, each row not watched saying why; a second run changes nothing. Then what needs
// a state of its own: failing checks said once, a closed pull request's tag skipped, a source out
// of reach failing its package only, a source named in config (the Dagger CLI).
import assert from "node:assert/strict";
import { $ } from "zx";
import { parse } from "yaml";
import { DOCKER_MIRRORS, realRepoSource } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { type BotRun, type ForgePull, runBot, runOutcomes } from "../support/bot_run.ts";
import { APPS, IMAGES, TAILSCALE_PROXY, wholeWorld } from "../support/whole_world.ts";
import { DASHBOARD_MARKER } from "../../lib/dashboard/marker.ts";
import { checksMarker } from "../../lib/docker/pull_text.ts";
import { ownComments } from "../../lib/upstream/inert.ts";
import { exposed } from "../upstream/inert_check.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`whole_repo.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-whole-0123456789";
const CI_TOKEN = "ci-token-whole-0123456789";

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

interface RunJson {
  requests: number;
  registryRequests: number;
  sourceRequests: number;
  seconds: number;
  packages: Outcome[];
}

const outcomes = (run: BotRun) => runOutcomes<Outcome>(run);

/** `s` matched literally in a RegExp. */
const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The table rows of a dashboard's body, each its cells. */
function tableRows(body: string): string[][] {
  return body.split("\n").filter((l) =>
    l.startsWith("| ") && !l.startsWith("| Service |") &&
    !l.startsWith("| --- ")
  ).map((l) => l.slice(2, -2).split(" | "));
}

/** The table row of `service` in the dashboard's body, its cells. */
function row(body: string, service: string): string[] {
  const cells = tableRows(body).find((c) => c[0] === service);
  assert.ok(cells, `a row for ${service} in:\n${body}`);
  return cells;
}

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

/** The upstream images' pull requests: the tag in the manifests before and after, the title; the
 * service's record after is main's with the version moved unless said. */
const IMAGE_PULLS: Record<string, { from: string; to: string; title?: string; record?: string }> = {
  mosquitto: { from: "2.0.22", to: "2.0.23", record: '"2.0.23"' },
  frigate: {
    from: "0.17.0-rc2-tensorrt",
    to: "0.17.0-tensorrt",
    title: "Upgrade frigate from 0.17.0-rc2 to 0.17.0",
    record: '"0.17.0"',
  },
  "tailscale-operator": { from: "v1.94.2", to: "v1.96.0", record: '"v1.96.0"' },
  "blumeops-pg": {
    from: "18.3",
    to: "18.4",
    title: "Upgrade blumeops-pg from 18.3 to 18.4",
    record: '"18.4"',
  },
  "kube-state-metrics": { from: "v2.18.0", to: "v2.18.1" },
  ollama: { from: "0.17.5", to: "0.17.6" },
  tempo: { from: "2.10.1", to: "2.10.2" },
  "alloy-k8s": { from: "v1.13.1", to: "v1.13.2" },
  "alloy-tracing-ringtail": { from: "v1.13.1", to: "v1.13.2" },
  "frigate-notify": { from: "v0.5.4", to: "v0.5.5" },
  "nvidia-device-plugin": { from: "v0.18.2", to: "v0.18.3" },
  "forgejo-runner": { from: "12.7.0", to: "12.7.1" },
};

/** The Dockerfiles whose version comes from no forge mirror, found with no config: the ARG before
 * and after, the record after, where the pull request says the version came from. */
const SOURCE_PULLS: Record<
  string,
  { from: string; to: string; record: string; source: RegExp; service?: string }
> = {
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
  // grafana: its tarball fetched by version beside `LABEL org.opencontainers.image.source=
  // "https://github.com/grafana/grafana"`; the tag template settled by the releases (v12.3.3).
  grafana: {
    from: "12.3.3",
    to: "12.4.0",
    record: '"12.4.0"',
    source:
      /GitHub releases of grafana\/grafana: <?https:\/\/github\.com\/grafana\/grafana\/releases\/tag\/v12\.4\.0>?/,
  },
  // The docs image: `FROM nginx:${NGINX_VERSION}-alpine`, the registry's tags of that shape.
  quartz: {
    from: "1.28.2",
    to: "1.29.5",
    record: '"1.29.5"',
    source: /base image nginx:\{version\}-alpine: <?https:\/\/hub\.docker\.com\/_\/nginx>?/,
    service: "docs",
  },
};

/** Every package a zero-config run watches here (the flake's inputs are off: on GitHub). */
const WATCHED_PACKAGES = [
  ...NIX_PULLS.map((n) => n.name),
  ...DOCKER_MIRRORS.map((m) => m.container),
  ...Object.keys(IMAGE_PULLS),
  ...APPS.map((a) => a.service),
  ...Object.keys(SOURCE_PULLS),
].sort();

/** A package's service-versions.yaml entry's name. */
const serviceOf = (name: string) => SOURCE_PULLS[name]?.service ?? name;

/** A pull request's branch. */
const branchOf = (name: string) =>
  NIX_PULLS.some((n) => n.name === name) ? `mikado/upgrade-${name}` : `upgrade-${name}`;

Deno.test({
  name: "issue 24's proof: zero config on the real repository with every source one release " +
    "ahead: one cron run opens a pull request for every watched package, each passing the " +
    "repository's checks, the dashboard lists the 42 services (each one not watched says why); " +
    "nothing new makes at most two requests per watched service and writes nothing",
  ignore,
  fn: async () => {
    const began = performance.now();
    const world = await wholeWorld({
      token: TOKEN,
      people: [{ login: "ci", token: CI_TOKEN, permission: "write" }],
      mirrorFiles: (mirror) => mirror === "loki" ? lokiChangelog : undefined,
    });
    const { w, forge, standIn } = world;
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
      // Zero config: the forge's URL, where each registry host and source is reached, the locks'
      // dir and the builder (the site's build host does not exist here: `local` runs the same
      // nix-build on this machine with w.env, the stand-in nixpkgs).
      const config = await world.config({}, "zero");
      const botRun = async (file: string, code = 0) => {
        const run = await runBot(["run", "--config", file, "--json"], world.env);
        for (const secret of [TOKEN, CI_TOKEN]) {
          assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "no secret");
        }
        assert.equal(run.code, code, `${run.stdout}\n${run.stderr}`);
        return run;
      };
      const cron = (code = 0) => botRun(config, code);
      const writes = (r: { method: string; path: string }[]) =>
        r.filter((q) => q.method !== "GET" && !q.path.endsWith("/git-upload-pack"))
          .map((q) => `${q.method} ${q.path}`);

      // ---- nothing new: what a run asks of the forge, the registries and the sources.
      const asked = async (file: string) => {
        const from = forge.requests.length;
        const fromRegistry = world.registryRequests();
        const fromSources = standIn.requests.length;
        const began = performance.now();
        const run = await botRun(file);
        const wall = (performance.now() - began) / 1000;
        const json = run.json as unknown as RunJson;
        for (const p of json.packages) {
          assert.equal(p.outcome, "up to date", `${p.package}: ${JSON.stringify(p)}`);
        }
        return {
          bot: json.requests,
          forge: forge.requests.length - from,
          registry: world.registryRequests() - fromRegistry,
          sources: standIn.requests.slice(fromSources),
          json,
          wall,
          during: forge.requests.slice(from),
          names: json.packages.map((p) => p.package).sort(),
          stderr: run.stderr,
        };
      };
      // How a run grows per package: configured packages, one of each kind (a Dockerfile on a
      // mirror, an image, an Application, a PyPI project, GitHub's releases), then the others of
      // one kind added at a time.
      const spec = {
        dockerfile: (m: (typeof DOCKER_MIRRORS)[number]) => ({
          name: m.container,
          dir: `containers/${m.container}`,
          kind: "dockerfile",
          mirrors: [{
            repo: `mirrors/${m.mirror}`,
            tag: m.tags[0].startsWith("v") ? "v{version}" : "{version}",
          }],
        }),
        image: (service: string) => {
          const i = IMAGES.find((i) => i.service === service)!;
          const name = i.repository.startsWith("library/")
            ? i.repository.slice("library/".length)
            : i.host === "docker.io"
            ? i.repository
            : `${i.host}/${i.repository}`;
          return {
            name: service,
            dir: `argocd/manifests/${service}`,
            kind: "image",
            image: { name, manifests: [`argocd/manifests/${service}`] },
          };
        },
        application: (a: (typeof APPS)[number]) => ({
          name: a.service,
          dir: "argocd/apps",
          kind: "application",
          mirrors: [{ repo: `mirrors/${a.mirror}`, tag: a.tags[0].replace(a.from, "{version}") }],
          applications: a.files,
        }),
        source: (name: "devpi" | "transmission" | "quartz") => ({
          name,
          dir: `containers/${name}`,
          kind: "dockerfile",
          source: {
            devpi: { kind: "pypi", name: "devpi-server" },
            transmission: {
              kind: "alpine",
              name: "transmission-daemon",
              repositories: ["edge/community"],
            },
            quartz: { kind: "registry", image: "nginx", tag: "{version}-alpine" },
          }[name],
          ...(name === "quartz" ? { service_versions: { name: "docs" } } : {}),
        }),
      };
      // runner-job-image's Dagger CLI: GitHub's releases of dagger/dagger through octokit (the
      // stand-in answers GET /repos/dagger/dagger/releases); named in config, never discovered.
      const dagger = {
        name: "runner-job-image",
        dir: "containers/runner-job-image",
        kind: "dockerfile",
        source: { kind: "github", repo: "dagger/dagger", tag: "v{version}" },
      };
      const base = [
        spec.dockerfile(DOCKER_MIRRORS[0]),
        spec.image("mosquitto"),
        spec.application(APPS[0]),
        spec.source("devpi"),
        dagger,
      ];
      // No pins: a full run's step, which the zero-config runs below count.
      const narrowed = async (label: string, more: Record<string, unknown>[]) =>
        await asked(await world.config({ deploy: null, packages: [...base, ...more] }, label));
      const one = await narrowed("one-of-each", []);
      assert.equal(
        one.sources.filter((p) => p === "/repos/dagger/dagger/releases").length,
        1,
        `one request to GitHub: ${one.sources.join(", ")}`,
      );
      const grown = {
        "Dockerfile package": [
          await narrowed("dockerfiles", DOCKER_MIRRORS.slice(1).map(spec.dockerfile)),
          DOCKER_MIRRORS.length - 1,
        ],
        // Of the same registry host as mosquitto.
        "image service": [await narrowed("images", ["ollama", "tempo"].map(spec.image)), 2],
        "Application service": [
          await narrowed("applications", APPS.slice(1, 3).map(spec.application)),
          2,
        ],
        // An Alpine package, and the docs image's FROM base from the registry.
        "service of another source": [
          await narrowed("sources", [spec.source("transmission"), spec.source("quartz")]),
          2,
        ],
      } as const;
      // The docs image's FROM base: its tag list at the registry (the host's GET /v2/ and token
      // are shared with mosquitto's).
      const fromBase = grown["service of another source"][0].registry - one.registry;
      assert.ok(fromBase <= 3, `the docs image's registry: ${fromBase}`);
      const per: string[] = [];
      for (const [kind, [run, added]] of Object.entries(grown)) {
        const each = (run.bot - one.bot) / added;
        per.push(`${added} more ${kind}s ${run.bot} (${each} per ${kind})`);
        assert.ok(each <= 2, `at most two requests per ${kind}, got ${each}`);
      }
      // The zero-config run twice: the first draws the dashboard of its packages (the narrowed
      // configs drew theirs), the second writes nothing.
      await asked(config);
      const idle = await asked(config);
      assert.deepEqual(idle.names, WATCHED_PACKAGES, idle.stderr);
      const watched = WATCHED_PACKAGES.length;
      assert.match(
        idle.stderr,
        new RegExp(`found ${watched} packages .*: authentik \\(nix\\), devpi \\(dockerfile\\),`),
      );
      assert.match(idle.stderr, /grafana-sidecar \(dockerfile\).*transmission \(dockerfile\)/);
      // What the scan leaves out, with why.
      for (
        const out of [
          /immich\/values\.yaml: left out: line 19: image\.tag v2\.5\.6 names no repository/,
          /databases\/immich-pg\.yaml: left out: .*17-0\.5\.0: the tag names no version/,
          /alloy-ringtail: left out: grafana\/alloy: no service-versions\.yaml entry/,
          /frigate: left out: busybox: one of several images/,
          /authentik: left out: docker\.io\/library\/redis: .*the built image's/,
        ]
      ) assert.match(idle.stderr, out);
      assert.equal(idle.sources.length, 3, "one request per PyPI, Alpine or GitHub package");
      assert.equal(idle.json.sourceRequests, idle.sources.length, "the sources' requests counted");
      assert.equal(idle.json.registryRequests, idle.registry, "the registries' requests counted");
      assert.deepEqual(writes(idle.during), [], "no write at the forge");
      assert.deepEqual(await pulls(), [], "no pull request");
      // The constant: the token's login, the dashboard's issue list, the shared pull request list,
      // the Nix packages' own reads (their versions on the base, the follow-through's manifests),
      // the run's one clone of the base, a GET /v2/ and a token per registry host.
      const constant = 20;
      console.log(
        `nothing new, zero config, ${watched} watched packages: ${idle.bot} requests counted by ` +
          `the bot (${idle.forge} HTTP at the forge, the run's clone of the base included; ` +
          `${idle.registry} at the registries, ${idle.sources.length} at the sources' stand-in), ` +
          `the run's own ${idle.json.seconds.toFixed(2)} s, ${idle.wall.toFixed(2)} s with ` +
          `Deno's start; configured, one package of each kind: ${one.bot}; ${per.join("; ")}`,
      );
      // As with the nine packages on forge mirrors alone: a constant of 10 (the registry hosts'
      // GET /v2/ and tokens are of the same size; with pull requests open, below, each package's
      // pull request and head status come on top).
      assert.ok(idle.bot <= 2 * watched + 10, `two per watched package plus 10, got ${idle.bot}`);

      // ---- tailscale's operator ahead, its proxy image not yet: the operator waits for it.
      const operator = IMAGES.find((i) => i.service === "tailscale-operator")!;
      await world.push(operator.host, operator.repository, operator.newer[0], operator.label);
      const waiting = await cron();
      assert.equal(outcomes(waiting)["tailscale-operator"].outcome, "up to date");
      assert.match(
        waiting.stderr,
        new RegExp(
          `tailscale-operator v1\\.96\\.0: waiting for ${TAILSCALE_PROXY.repository}:v1\\.96\\.0`,
        ),
      );
      assert.deepEqual(await pulls(), [], "no pull request");

      // ---- every source one release ahead.
      await world.ahead();
      await forge.addRelease("mirrors", "loki", {
        tag: "v3.7.0",
        name: "v3.7.0",
        body: "## Security\n\n* LOKI RELEASE NOTES: CVE-2026-0001 fixed, resolves #3\n",
      });
      // frigate's release on its mirror (where its image's source label leads), hostile: a
      // mention, a closing keyword, raw HTML, a link to a script, a copy of the bot's record.
      await forge.addRelease("mirrors", "frigate", {
        tag: "v0.17.0",
        name: "0.17.0 @blakeblackshear",
        body: "## Breaking Changes\n\n* FRIGATE BREAKING: the detector config moved, fixes #7, " +
          "thanks @someone\n\n## Features\n\n* FRIGATE FEATURE <img src=x onerror=alert(1)> " +
          "</details> [see](javascript:alert(1))\n\n" +
          checksMarker("0123456789abcdef0123456789abcdef01234567") + "\n",
      });

      // ---- inspect on the checkout: the packages with no config at all (the flake too), and
      // with the run's config, what the cron run watches.
      const inspect = await runBot(["inspect", "--repo", w.repo], { ...w.env });
      assert.equal(inspect.code, 0, inspect.stderr);
      for (const name of WATCHED_PACKAGES) {
        assert.match(
          inspect.stdout,
          new RegExp(`^  ${name} +(nix|dockerfile|image|application) `, "m"),
          name,
        );
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
      const inspected = await runBot(["inspect", "--repo", w.repo, "--config", config], {
        ...w.env,
      });
      assert.equal(inspected.code, 0, inspected.stderr);
      /** inspect's packages: name -> its service entry's name. */
      const inspectServices = new Map(
        [...inspected.stdout.matchAll(
          /^ {2}(\S+) +(?:nix|dockerfile|image|application|flake) .*?(?:service: (\S+))?$/gm,
        )].map((m) => [m[1], m[2] ?? m[1]]),
      );
      assert.deepEqual([...inspectServices.keys()].sort(), WATCHED_PACKAGES, inspected.stdout);
      const leftOut = inspected.stdout.split("\n").filter((l) => / left out: /.test(l));

      // ---- the cron run: a pull request for every watched package.
      const beforeFirst = forge.requests.length;
      const first = await cron();
      const firstRequests = forge.requests.slice(beforeFirst).map((r) => `${r.method} ${r.path}`);
      const o1 = outcomes(first);
      assert.deepEqual(Object.keys(o1).sort(), WATCHED_PACKAGES, first.stderr);
      for (const name of WATCHED_PACKAGES) {
        assert.equal(o1[name].outcome, "opened", `${name}: ${JSON.stringify(o1[name])}`);
      }
      console.log(
        `figures: the cron run that opened ${watched} pull requests: ${first.json!.requests} ` +
          `requests, builds authentik ${o1.authentik.builds} + ntfy ${o1.ntfy.builds}, ` +
          `${(first.json!.seconds as number).toFixed(1)} s`,
      );
      const opened = await pulls();
      assert.deepEqual(
        opened.map((p) => p.head.ref).sort(),
        WATCHED_PACKAGES.map(branchOf).sort(),
        opened.map((p) => p.title).join("\n"),
      );
      const byName = new Map(
        WATCHED_PACKAGES.map((name) => [name, opened.find((p) => p.head.ref === branchOf(name))!]),
      );
      for (const [name, pull] of byName) assert.equal(o1[name].pull?.number, pull.number, name);

      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const sh = $({ cwd: check, quiet: true });
      // Every branch is pushed by now and main does not move: fetched once (the Dagger CLI's
      // branch, pushed later, fetches again).
      const fetchBranches = () => sh`git fetch -q --prune origin`;
      const checkout = (branch: string) => sh`git checkout -q -B ${branch} ${"origin/" + branch}`;
      const today = new Date().toISOString().slice(0, 10);
      const mainServices = (await sh`git show main:service-versions.yaml`).stdout;
      const entryOf = (text: string, service: string) =>
        text.slice(text.indexOf(`- name: ${service}\n`)).split("\n\n")[0];
      const changedFiles = async () =>
        (await sh`git diff --name-only main...HEAD`).stdout.trim().split("\n").sort();
      /** The branch checked out: one commit named as its pull request, the checks passing. */
      const commonChecks = async (name: string, pull: ForgePull) => {
        if (!pull.head.ref.startsWith("mikado/")) {
          assert.equal((await sh`git log --format=%s main..HEAD`).stdout.trim(), pull.title, name);
        }
        assert.equal(failedChecks(await repoChecks(check)), "", `${name}: the checks`);
      };

      // authentik and ntfy: built, verified, the harvested hashes on the branch.
      const expected = await w.expectedHashes("2026.3.0");
      for (const n of NIX_PULLS) {
        const o = o1[n.name];
        const pull = byName.get(n.name)!;
        assert.equal(o.verified, true, `${n.name}: verified (${JSON.stringify(o)})`);
        assert.ok(o.builds > 0, `${n.name}: built`);
        assert.equal(o.version.to, n.to);
        assert.equal(pull.title, n.title);
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
        const entry = entryOf(await Deno.readTextFile(`${check}/service-versions.yaml`), n.name);
        assert.match(entry, new RegExp(`current-version: "v?${literally(n.to)}"`), entry);
        await commonChecks(n.name, pull);
      }

      /** The upstream section's compare link and commit count (one commit per tag here). */
      const compareLine = (mirror: string, fromTag: string, toTag: string, commits: number) =>
        new RegExp(
          `^\\[Compare \`${literally(`${fromTag}...${toTag}`)}\`\\]\\(<http://[^>]+/mirrors/` +
            `${mirror}/compare/${literally(`${fromTag}...${toTag}`)}>\\): ${commits} commits?\\.$`,
          "m",
        );
      /** Nothing of upstream's text exposed, no record but the bot's. */
      const inert = (name: string, body: string) => {
        const fold = (v: string) =>
          /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());
        assert.deepEqual(exposed(body, fold), [], name);
        assert.deepEqual(ownComments(body), [], name);
      };

      // The seven Dockerfile packages on forge mirrors: the newest release, no candidate.
      for (const m of DOCKER_MIRRORS) {
        const o = o1[m.container];
        const pull = byName.get(m.container)!;
        const bare = m.next.replace(/^v/, "");
        assert.equal(o.version.to, bare, `${m.container}: the newest release, no candidate`);
        assert.equal(pull.title, `Upgrade ${m.container} from ${o.version.from} to ${bare}`);
        assert.match(pull.body, /built by the repository's workflow .*not by\s+upgrade-bot/s);
        // The branch: the ARG in the file's own style, the service entry, a flat fragment.
        await checkout(pull.head.ref);
        const dockerfile = await Deno.readTextFile(`${check}/containers/${m.container}/Dockerfile`);
        assert.match(dockerfile, new RegExp(`^ARG CONTAINER_APP_VERSION=${m.next}$`, "m"));
        const entry = entryOf(
          await Deno.readTextFile(`${check}/service-versions.yaml`),
          m.container,
        );
        assert.match(entry, new RegExp(`current-version: "${m.next}"`), entry);
        assert.match(entry, new RegExp(`last-reviewed: "?${today}`));
        assert.deepEqual(await changedFiles(), [
          `containers/${m.container}/Dockerfile`,
          `docs/changelog.d/upgrade-${m.container}.infra.md`,
          "service-versions.yaml",
        ]);
        // What changed upstream: the compare link and the commits between the two tags, read
        // over git; nothing exposed, no record but the bot's.
        const toTag = m.tags.find((t) => t.replace(/^v/, "") === bare)!;
        const commits = m.tags.indexOf(toTag);
        assert.match(pull.body, compareLine(m.mirror, m.tags[0], toTag, commits), pull.body);
        assert.equal(o.upstream[0]?.commits, commits, JSON.stringify(o.upstream));
        inert(m.container, pull.body);
        await commonChecks(m.container, pull);
      }

      // ---- loki's pull request: its forge release, then its CHANGELOG.md section (breaking
      // first, the rest folded), not the candidate's nor the deployed release's; what it asked.
      const lokiBody = byName.get("loki")!.body;
      console.log(
        `---- loki: pull request #${byName.get("loki")!.number} as rendered\n${lokiBody}`,
      );
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

      // The upstream images: only the tag moved in each manifest, the record, the fragment.
      for (const [service, e] of Object.entries(IMAGE_PULLS)) {
        const o = o1[service];
        const pull = byName.get(service)!;
        const bare = (t: string) => t.replace(/^v/, "");
        assert.equal(
          pull.title,
          e.title ?? `Upgrade ${service} from ${bare(e.from)} to ${bare(e.to)}`,
          JSON.stringify(o),
        );
        await checkout(pull.head.ref);
        const changed = await changedFiles();
        const manifests = changed.filter((f) => f.startsWith("argocd/"));
        assert.ok(manifests.length > 0, `${service}: a manifest moved (${changed.join()})`);
        for (const file of manifests) {
          const before = (await sh`git show ${"main:" + file}`).stdout;
          const after = await Deno.readTextFile(`${check}/${file}`);
          assert.equal(
            after,
            before.replaceAll(`:${e.from}`, `:${e.to}`).replace(
              new RegExp(`(newTag: "?)${literally(e.from)}`),
              `$1${e.to}`,
            ),
            file,
          );
          assert.notEqual(after, before, `${file} moved`);
        }
        const entry = entryOf(await Deno.readTextFile(`${check}/service-versions.yaml`), service);
        const record = e.record ??
          /current-version: (.*)/.exec(entryOf(mainServices, service))![1]
            .replace(bare(e.from), bare(e.to));
        assert.match(entry, new RegExp(`current-version: ${literally(record)}`), entry);
        assert.match(entry, new RegExp(`last-reviewed: "?${today}`), entry);
        assert.ok(changed.includes(`docs/changelog.d/upgrade-${service}.infra.md`), changed.join());
        await commonChecks(service, pull);
      }
      const body = (name: string) => byName.get(name)!.body;
      for (const name of ["mosquitto", "tailscale-operator", "frigate", "blumeops-pg"]) {
        console.log(
          `---- ${name}: pull request #${byName.get(name)!.number} as rendered\n` +
            `title: ${byName.get(name)!.title}\n\n${body(name)}`,
        );
      }
      assert.match(
        body("tailscale-operator"),
        /proxyclass\.yaml` line 22: image: `v1\.94\.2` → `v1\.96\.0`[\s\S]*line 24/,
      );
      // frigate's label leads to its forge mirror, which has both tags: the shared section, as
      // the Dockerfiles' and Applications' (compare link, the one commit, its release inert).
      const frigate = body("frigate");
      assert.match(frigate, compareLine("frigate", "v0.17.0-rc2", "v0.17.0", 1), frigate);
      assert.equal(o1.frigate.upstream[0]?.commits, 1, JSON.stringify(o1.frigate.upstream));
      assert.deepEqual(
        o1.frigate.upstream.map((u) => u.notes.map((n) => [n.releases, n.source, n.title])),
        [[[["0.17.0"], "release", "0.17.0 @blakeblackshear"]]],
      );
      assert.deepEqual(o1.frigate.upstream[0].problems, []);
      const inFrigate = (s: string) => {
        const i = frigate.indexOf(s);
        assert.ok(i >= 0, `${s} in frigate's body`);
        return i;
      };
      assert.ok(
        inFrigate("### What changed upstream") <
            inFrigate("##### 0.17.0: forge release `0.17.0 @blakeblackshear`") &&
          inFrigate("##### 0.17.0: forge release") < inFrigate("FRIGATE BREAKING") &&
          inFrigate("FRIGATE BREAKING") < inFrigate("<details><summary>Other sections: Features") &&
          inFrigate("<details><summary>Other sections: Features") < inFrigate("FRIGATE FEATURE"),
      );
      assert.match(frigate, /fixes #&#8203;7, thanks @&#8203;someone/);
      assert.ok(!frigate.includes("](javascript:"), "the untrusted link is not followed");
      assert.ok(!frigate.includes("What changed upstream: "), "the section, not the line");
      inert("frigate", frigate);
      // The labels leading to no forge mirror: the source's link, as before.
      assert.match(
        body("mosquitto"),
        /^What changed upstream: the image's source, \[`https:\/\/github\.com\/eclipse\/mosquitto`\]\(<https:\/\/github\.com\/eclipse\/mosquitto>\) \(its `org\.opencontainers\.image\.source` label; no forge mirror of it has both tags\)$/m,
      );
      assert.match(
        body("tailscale-operator"),
        /^What changed upstream: the image's source, \[`https:\/\/github\.com\/tailscale\/tailscale`\]\(<https:\/\/github\.com\/tailscale\/tailscale>\) \(its `org\.opencontainers\.image\.source` label; no forge mirror of it has both tags\)$/m,
      );
      for (const name of ["mosquitto", "tailscale-operator", "blumeops-pg"]) {
        assert.deepEqual(o1[name].upstream, [], name);
        assert.ok(!body(name).includes("### What changed upstream"), name);
      }
      assert.match(body("blumeops-pg"), /What changed upstream: unknown/);
      assert.ok(!body("blumeops-pg").includes("javascript:"), "the untrusted label is not linked");

      // The Applications: every Application of the service moved, its include with it.
      for (const a of APPS) {
        const o = o1[a.service];
        const pull = byName.get(a.service)!;
        assert.deepEqual(o.version, { from: a.from, to: a.to });
        assert.equal(pull.title, `Upgrade ${a.service} from ${a.from} to ${a.to}`);
        for (const file of a.files) {
          assert.match(pull.body, new RegExp(`^- \`${file}\`: \`targetRevision: ${a.tag}\``, "m"));
        }
        assert.match(pull.body, compareLine(a.mirror, a.tags[0], a.tag, 1), pull.body);
        await checkout(pull.head.ref);
        for (const file of a.files) {
          const before = (await sh`git show ${"main:" + file}`).stdout;
          const after = await Deno.readTextFile(`${check}/${file}`);
          assert.equal(
            after,
            before.replaceAll(a.tags[0], a.tag).replaceAll(
              `cnpg-${a.from}.yaml`,
              `cnpg-${a.to}.yaml`,
            ),
            file,
          );
          assert.notEqual(after, before, `${file} moved`);
        }
        const entry = entryOf(await Deno.readTextFile(`${check}/service-versions.yaml`), a.service);
        assert.match(entry, new RegExp(`current-version: ${literally(a.record)}`), entry);
        // The record is the tag's (external-secrets, cloudnative-pg) or left as it is, the
        // Application's chart not being the service's version (1password-connect, immich).
        const recordMoves = a.record.includes(a.to);
        assert.deepEqual(
          await changedFiles(),
          [
            ...a.files,
            `docs/changelog.d/upgrade-${a.service}.infra.md`,
            ...(recordMoves ? ["service-versions.yaml"] : []),
          ].sort(),
        );
        if (recordMoves) assert.match(entry, new RegExp(`last-reviewed: "?${today}`), entry);
        else {
          assert.match(
            pull.body,
            new RegExp(`\`${a.service}\` left at \`${literally(a.record.slice(1, -1))}\``),
          );
        }
        await commonChecks(a.service, pull);
      }
      assert.match(
        body("cloudnative-pg"),
        /`directory\.include: cnpg-1\.28\.2\.yaml`.*\n.*it recorded `v1\.28\.1` while the Applications deployed `v1\.27\.1`/,
      );
      for (const name of ["external-secrets", "cloudnative-pg"]) {
        console.log(
          `---- ${name}: pull request #${byName.get(name)!.number} as rendered\n` +
            `title: ${byName.get(name)!.title}\n\n${body(name)}`,
        );
      }

      // The Dockerfiles of other sources: only the version ARG moved.
      for (const [name, e] of Object.entries(SOURCE_PULLS)) {
        const pull = byName.get(name)!;
        assert.equal(pull.title, `Upgrade ${name} from ${e.from} to ${e.to}`);
        assert.match(pull.body, e.source);
        console.log(
          `---- ${name}: pull request #${pull.number} as rendered\ntitle: ${pull.title}\n\n` +
            pull.body,
        );
        await checkout(pull.head.ref);
        const dockerfile = `containers/${name}/Dockerfile`;
        assert.deepEqual(await changedFiles(), [
          dockerfile,
          `docs/changelog.d/upgrade-${name}.infra.md`,
          "service-versions.yaml",
        ]);
        const before = (await sh`git show ${"main:" + dockerfile}`).stdout;
        assert.equal(
          await Deno.readTextFile(`${check}/${dockerfile}`),
          before.replace(
            `ARG CONTAINER_APP_VERSION=${e.from}`,
            `ARG CONTAINER_APP_VERSION=${e.to}`,
          ),
        );
        const entry = entryOf(
          await Deno.readTextFile(`${check}/service-versions.yaml`),
          serviceOf(name),
        );
        assert.match(entry, new RegExp(`current-version: ${literally(e.record)}`), entry);
        assert.match(entry, new RegExp(`last-reviewed: "?${today}`), entry);
        await commonChecks(name, pull);
      }

      // ---- one dashboard: all 42 services, the watched ones naming their pull request, every
      // other saying why it is not watched, consistent with inspect's packages.
      const [board, ...more] = await dashboards();
      assert.ok(board, "a dashboard issue");
      assert.deepEqual(more.map((i) => i.number), [], "one dashboard only");
      assert.equal(board.user.login, "bot");
      console.log(`---- the dashboard as drawn (issue #${board.number})\n${board.body}`);
      const services = (parse(mainServices) as { services: { name: string }[] }).services
        .map((s) => s.name);
      assert.equal(services.length, 42, "service-versions.yaml lists 42 services");
      const rows = tableRows(board.body);
      assert.deepEqual(rows.map((c) => c[0]).sort(), [...services].sort(), "one row per service");
      const notWatched = rows.filter((c) => c[3].startsWith("not watched"));
      const watchedRows = rows.filter((c) => !c[3].startsWith("not watched"));
      assert.deepEqual(
        watchedRows.map((c) => c[0]).sort(),
        [...new Set(WATCHED_PACKAGES.map(serviceOf))].sort(),
        "the watched rows are the run's packages' services",
      );
      assert.deepEqual(
        watchedRows.map((c) => c[0]).sort(),
        [...new Set(inspectServices.values())].sort(),
        "the watched rows are inspect's packages' services",
      );
      for (const c of notWatched) {
        assert.match(c[3], /^not watched: \S.*/, `${c[0]}: says why it is not watched`);
        assert.equal(c[4], "—", `${c[0]}: no state`);
      }
      // Why each of the others is not watched, in the scan's words (the cell's entities decoded).
      const ansible = "no file the bot scans holds its version (type ansible, no current-version)";
      const fetched = (host: string, line: number) =>
        `its Dockerfile fetches CONTAINER_APP_VERSION from ${host} (the RUN at line ${line}), no ` +
        "source the bot can tell: packages[].source can name one";
      const ownCode =
        "its Dockerfile's CONTAINER_APP_VERSION comes from no forge mirror and no command in the " +
        "file uses it";
      assert.deepEqual(
        Object.fromEntries(
          notWatched.map((c) => [
            c[0],
            c[3].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
          ]),
        ),
        Object.fromEntries(
          Object.entries({
            alloy: ansible,
            automounter: ansible,
            borgmatic: ansible,
            caddy: ansible,
            jellyfin: ansible,
            zot: ansible,
            forgejo: "no file the bot scans holds its version (type ansible)",
            // The flake's inputs are on GitHub, out of reach here: this world turns flakes off.
            "nix-container-builder": "its flake's inputs are not updated (flakes are off)",
            // Its version is in a remote URL among the kustomization's resources.
            argocd: "no file the bot scans holds its version (type argocd)",
            kiwix: fetched("mirror.download.kiwix.org", 12),
            "runner-job-image": fetched("dl.dagger.io", 58),
            "transmission-exporter": ownCode,
            cv: ownCode,
          }).map(([service, why]) => [service, `not watched: ${why}`]),
        ),
        "each service not watched, and why",
      );
      console.log(
        `the dashboard: ${rows.length} rows, ${watchedRows.length} watched, ` +
          `${notWatched.length} not watched:\n${
            notWatched.map((c) => `  ${c[0]}: ${c[3]}`).join("\n")
          }\ninspect's left out:\n${leftOut.join("\n")}`,
      );
      for (const name of WATCHED_PACKAGES) {
        const pull = byName.get(name)!;
        // An image's version as its tag writes it: blumeops-pg's two-part `18.4`, not `18.4.0`.
        const to = name === "blumeops-pg" ? IMAGE_PULLS[name].to : o1[name].version.to;
        const cells = row(board.body, serviceOf(name));
        assert.match(
          cells[4],
          new RegExp(
            `^pull request \\[#${pull.number}\\]\\(http[^)]+/pulls/${pull.number}\\) open: ` +
              `${literally(to)}$`,
          ),
          `${name}'s row names #${pull.number} and ${to}: ${cells.join(" | ")}`,
        );
        assert.doesNotMatch(cells[3], /not watched/, name);
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

      // ---- the second run: nothing new, nothing changes, two requests per service at most.
      const tips = async () => (await sh`git ls-remote origin`).stdout;
      const tipsBefore = await tips();
      const from = forge.requests.length;
      const fromRegistry = world.registryRequests();
      const fromSources = standIn.requests.length;
      const secondBegan = performance.now();
      const second = await cron();
      const secondWall = (performance.now() - secondBegan) / 1000;
      const during = forge.requests.slice(from);
      assert.deepEqual(writes(during), [], "no write at the forge");
      const o2 = outcomes(second);
      for (const name of WATCHED_PACKAGES) assert.equal(o2[name].outcome, "up to date", name);
      // Nothing new: no upstream read. What the pull request's run asked of a mirror beyond this
      // run's (its tags) is what its upstream section cost: at most a Nix package's (one lookup per
      // crossed release, 8 over git), the third fetch only for a changelog.
      const idleRequests = during.map((r) => `${r.method} ${r.path}`);
      const added = DOCKER_MIRRORS.map((m) => {
        const now = mirrorAsked(m.mirror, idleRequests);
        assert.ok(!now.some((r) => r.includes("/releases/")), now.join("\n"));
        const extra = mirrorAsked(m.mirror, firstRequests).length - now.length;
        assert.ok(extra <= 1 + 8, `${m.mirror}: ${extra} requests for its upstream section`);
        return `${m.mirror} ${extra}`;
      });
      // frigate's mirror (its image's label leads there): nothing asked when nothing is new;
      // its pull request's run asked its two tags, the tags' list, the one release crossed.
      assert.deepEqual(mirrorAsked("frigate", idleRequests), []);
      const frigateFirst = mirrorAsked("frigate", firstRequests);
      assert.deepEqual(
        frigateFirst.filter((r) => r.includes("/api/")),
        [
          "GET /api/v1/repos/mirrors/frigate/tags/v0.17.0-rc2",
          "GET /api/v1/repos/mirrors/frigate/tags/v0.17.0",
          "GET /api/v1/repos/mirrors/frigate/releases/tags/v0.17.0",
        ],
        frigateFirst.join("\n"),
      );
      assert.ok(frigateFirst.length <= 3 + 8, frigateFirst.join("\n"));
      const lokiIdle = mirrorAsked("loki", idleRequests);
      console.log(
        `loki's mirror: ${lokiFirst.length} requests in the run that opened its pull request, ` +
          `${lokiIdle.length} in a run with nothing new:\n${lokiFirst.join("\n")}\n` +
          `---- nothing new:\n${lokiIdle.join("\n")}\n` +
          `what each Dockerfile mirror's upstream section added to the run: ${added.join(", ")}`,
      );
      assert.equal(await tips(), tipsBefore, "no branch moved");
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
      const secondJson = second.json as unknown as RunJson;
      console.log(
        `requests of a run with nothing new (${watched} packages, ${watched} pull requests ` +
          `open): ${secondJson.requests} counted by the bot (${during.length} HTTP at the forge, ` +
          `${world.registryRequests() - fromRegistry} at the registries, ` +
          `${standIn.requests.length - fromSources} at the sources' stand-in), the run's own ` +
          `${secondJson.seconds.toFixed(2)} s, ${secondWall.toFixed(2)} s with Deno's start`,
      );
      assert.ok(
        secondJson.requests <= 2 * watched + constant,
        `two per watched package plus ${constant}, got ${secondJson.requests}`,
      );

      // ---- CI reports a failure on loki's head: said once, on its pull request; mosquitto's
      // pull request closed without merge: its tag skipped, not opened again.
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
      const mosquitto = byName.get("mosquitto")!;
      const closing = await fetch(`${REPO_API}/pulls/${mosquitto.number}`, {
        method: "PATCH",
        headers: { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ state: "closed" }),
      });
      assert.equal(closing.status, 201, await closing.text());
      const comments = () =>
        api<{ body: string; user: { login: string } }[]>(`/issues/${loki.number}/comments`);
      assert.equal((await comments()).length, 0);
      const third = await cron();
      const said = await comments();
      assert.equal(said.length, 1, "the failure said on the pull request");
      assert.equal(said[0].user.login, "bot");
      assert.match(said[0].body, /`pre-commit \/ checks` failure: container-version-check failed/);
      assert.equal(outcomes(third).mosquitto.outcome, "up to date");
      assert.match(
        third.stderr,
        new RegExp(`mosquitto 2\\.0\\.23: skipped, pull request #${mosquitto.number} was closed`),
      );
      assert.equal((await pulls()).length, opened.length, "no pull request opened again");

      // ---- PyPI out of reach for devpi: its own package fails (the run's exit code 2), the
      // others' outcomes kept; loki's failure not said again.
      standIn.pypi.delete("devpi-server");
      const fourth = await cron(2);
      const o4 = outcomes(fourth);
      assert.equal(o4.devpi.outcome, "failed");
      assert.match(o4.devpi.error ?? "", /pypi\/devpi-server\/json: HTTP 404/);
      assert.equal(o4.transmission.outcome, "up to date");
      assert.equal((await comments()).length, 1, "said once, not on every run");
      for (const p of opened.filter((p) => p.number !== loki.number)) {
        assert.equal(
          (await api<unknown[]>(`/issues/${p.number}/comments`)).length,
          0,
          `no comment on #${p.number}`,
        );
      }

      // ---- runner-job-image's Dagger CLI, named in config: GitHub's newest release (a draft
      // and an SDK's tag left out).
      const daggerRun = await botRun(await world.config({ packages: [dagger] }, "dagger"));
      assert.equal(outcomes(daggerRun)["runner-job-image"].outcome, "opened");
      const daggerPull = (await pulls()).find((p) => p.head.ref === "upgrade-runner-job-image");
      assert.ok(daggerPull, "runner-job-image's pull request");
      assert.equal(daggerPull.title, "Upgrade runner-job-image from 0.20.1 to 0.20.2");
      assert.match(
        daggerPull.body,
        /GitHub releases of dagger\/dagger: <?https:\/\/github\.com\/dagger\/dagger\/releases\/tag\/v0\.20\.2>?/,
      );
      await fetchBranches();
      await checkout("upgrade-runner-job-image");
      assert.match(
        await Deno.readTextFile(`${check}/containers/runner-job-image/Dockerfile`),
        /^ARG CONTAINER_APP_VERSION=0\.20\.2$/m,
      );
      assert.equal(failedChecks(await repoChecks(check)), "", "runner-job-image: the checks");

      assert.deepEqual(forge.violations, [], "every response followed the swagger");
      console.log(`whole_repo.test.ts: ${((performance.now() - began) / 1000).toFixed(1)} s`);
    } finally {
      await world.cleanup();
    }
  },
});
