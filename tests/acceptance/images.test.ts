// Issue 24 item 2 on the REAL eblume/blumeops: with the forge's URL and where each registry host is
// reached (`registries:`, here Debian's docker-registry behind a stand-in for Docker Hub's token
// service, tests/support/registry_token.ts), a cron run finds the upstream images the manifests
// deploy (kustomize newTag, tailscale's proxyclass.yaml lines with its operator, a CloudNativePG
// imageName), and, each with a newer tag of its shape in the registry, opens one C1 pull request
// per service, each branch passing the repository's checks, the dashboard's rows saying so; a run
// with nothing new makes at most two requests per service and writes nothing.
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import { DEFAULT_RELEASES, realRepoSource, realWorld } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { type BotRun, type ForgePull, runBot, runOutcomes } from "../support/bot_run.ts";
import { startRegistry } from "../support/registry.ts";
import { type TokenFront, tokenFront } from "../support/registry_token.ts";
import { startForge } from "../forge/server.ts";
import { DASHBOARD_MARKER } from "../../lib/dashboard/marker.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`images.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-images-0123456789";
const SOURCE = "org.opencontainers.image.source";

interface Outcome {
  package: string;
  outcome: string;
  error: string | null;
  version: { from: string; to: string };
}

const outcomes = (run: BotRun) => runOutcomes<Outcome>(run);

/** The upstream images of the real repository the scan watches, as the registry holds them:
 * `tags` on main's day (with tags of other shapes beside the current one), `newer` pushed later. */
const IMAGES: {
  service: string;
  host: string;
  repository: string;
  tags: string[];
  newer?: string[];
  label?: string;
}[] = [
  {
    service: "mosquitto",
    host: "docker.io",
    repository: "library/eclipse-mosquitto",
    // 2.0 and 2 float; 2.0.22-openssl is another shape.
    tags: ["2.0.21", "2.0.22", "2.0", "2", "2.0.22-openssl", "latest"],
    newer: ["2.0.23", "2.0.23-openssl", "2.1.0-rc1"],
    label: "https://github.com/eclipse/mosquitto",
  },
  {
    service: "frigate",
    host: "ghcr.io",
    repository: "blakeblackshear/frigate",
    tags: ["0.16.3", "0.16.3-tensorrt", "0.17.0-rc2", "0.17.0-rc2-tensorrt"],
    // From a pre-release to the release, the suffix kept (rc10 after rc3: numbers, not text).
    newer: ["0.17.0-rc3-tensorrt", "0.17.0-rc10-tensorrt", "0.17.0-tensorrt", "0.17.0"],
    label: "https://github.com/blakeblackshear/frigate",
  },
  {
    service: "tailscale-operator",
    host: "docker.io",
    repository: "tailscale/k8s-operator",
    tags: ["v1.94.2", "stable"],
    newer: ["v1.96.0"],
    label: "https://github.com/tailscale/tailscale",
  },
  {
    service: "blumeops-pg",
    host: "ghcr.io",
    repository: "cloudnative-pg/postgresql",
    tags: ["18.3", "18.3-bookworm", "17.6"],
    newer: ["18.4", "18.4-bookworm", "18.4.1-bad"],
    // Untrusted: no link is made of it.
    label: "javascript:alert(1)",
  },
  {
    service: "kube-state-metrics",
    host: "registry.k8s.io",
    repository: "kube-state-metrics/kube-state-metrics",
    tags: ["v2.17.0", "v2.18.0"],
  },
  {
    service: "ollama",
    host: "docker.io",
    repository: "ollama/ollama",
    tags: ["0.17.5", "0.17.5-rocm"],
  },
  {
    service: "tempo",
    host: "docker.io",
    repository: "grafana/tempo",
    tags: ["2.10.1"],
  },
  { service: "alloy-k8s", host: "docker.io", repository: "grafana/alloy", tags: ["v1.13.1"] },
  {
    service: "frigate-notify",
    host: "ghcr.io",
    repository: "0x2142/frigate-notify",
    tags: ["v0.5.4"],
  },
  {
    service: "nvidia-device-plugin",
    host: "nvcr.io",
    repository: "nvidia/k8s-device-plugin",
    tags: ["v0.18.2"],
  },
  {
    service: "forgejo-runner",
    host: "code.forgejo.org",
    repository: "forgejo/runner",
    tags: ["12.7.0"],
  },
];
/** Moving with tailscale's operator: the proxy image of proxyclass.yaml. */
const TAILSCALE = { host: "docker.io", repository: "tailscale/tailscale" };

/** The pull requests the newer tags open: the image's tag before and after, the service's
 * record after. */
const OPENED: Record<string, { from: string; to: string; title: string; record: string }> = {
  mosquitto: {
    from: "2.0.22",
    to: "2.0.23",
    title: "Upgrade mosquitto from 2.0.22 to 2.0.23",
    record: '"2.0.23"',
  },
  frigate: {
    from: "0.17.0-rc2-tensorrt",
    to: "0.17.0-tensorrt",
    title: "Upgrade frigate from 0.17.0-rc2 to 0.17.0",
    record: '"0.17.0"',
  },
  "tailscale-operator": {
    from: "v1.94.2",
    to: "v1.96.0",
    title: "Upgrade tailscale-operator from 1.94.2 to 1.96.0",
    record: '"v1.96.0"',
  },
  "blumeops-pg": {
    from: "18.3",
    to: "18.4",
    title: "Upgrade blumeops-pg from 18.3 to 18.4",
    record: '"18.4"',
  },
};

Deno.test({
  name: "zero config on the real repository: the upstream images, one pull request per service " +
    "with a newer tag of its shape, the repository's checks passing, the dashboard rows; a run " +
    "with nothing new makes at most two requests per service and writes nothing",
  ignore,
  fn: async () => {
    const began = performance.now();
    const w = await realWorld({ releases: [DEFAULT_RELEASES[0]] });
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    // The forge mirror of frigate's source (the compare link); none of mosquitto's (its source).
    await w.addMirrorTags("frigate", ["v0.16.3", "v0.17.0-rc2", "v0.17.0"]);
    const registry = await startRegistry();
    const fronts = new Map<string, TokenFront>();
    const forge = await startForge({
      root: `${w.root}/git`,
      users: [{ login: "bot", token: TOKEN, permission: "admin" }],
      validate: true,
    });
    try {
      for (const host of new Set(IMAGES.map((i) => i.host))) {
        fronts.set(host, tokenFront(registry, host));
      }
      const push = (host: string, repository: string, tag: string, label?: string) =>
        registry.push(`${host}/${repository}`, tag, label ? { [SOURCE]: label } : {});
      for (const i of IMAGES) for (const t of i.tags) await push(i.host, i.repository, t, i.label);
      await push(TAILSCALE.host, TAILSCALE.repository, "v1.94.2");

      const REPO_API = `${forge.url}/api/v1/repos/eblume/blumeops`;
      const api = async <T>(path: string): Promise<T> =>
        await (await fetch(`${REPO_API}${path}`, {
          headers: { Authorization: `token ${TOKEN}` },
        })).json() as T;
      const pulls = () => api<ForgePull[]>(`/pulls?state=all&limit=50`);
      const registries = Object.fromEntries([...fronts].map(([host, f]) => [host, f.url]));
      const base = {
        builder: "local",
        forge: { url: forge.url },
        lock: { dir: `${w.root}/locks` },
        deploy: null,
        // The ringtail flake's inputs are on GitHub, out of reach offline (their own test).
        flakes: null,
        // PyPI and the Alpine index are out of reach offline (tests/acceptance/arg_sources.test.ts).
        sources: null,
        registries,
      };
      const config = `${w.root}/upgrade-bot.yaml`;
      await Deno.writeTextFile(config, stringify(base));
      const env = { ...w.env, TMPDIR: `${w.root}/tmp`, FORGE_TOKEN: TOKEN };
      const botRun = async (file: string) => {
        const run = await runBot(["run", "--config", file, "--json"], env);
        assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), "no secret");
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        return run;
      };
      const registryRequests = () =>
        [...fronts.values()].reduce((n, f) => n + f.requests.length, 0);

      // ---- nothing new: the zero-config run's packages and what a run asks.
      const asked = async (file: string) => {
        const from = forge.requests.length;
        const fromRegistry = registryRequests();
        const run = await botRun(file);
        const json = run.json as { requests: number; seconds: number; packages: Outcome[] };
        for (const p of json.packages) {
          assert.equal(p.outcome, "up to date", `${p.package}: ${JSON.stringify(p)}`);
        }
        const during = forge.requests.slice(from);
        return {
          bot: json.requests,
          forge: during.length,
          registry: registryRequests() - fromRegistry,
          json,
          during,
          stderr: run.stderr,
        };
      };
      // Configured: one image package, then three of the same registry host.
      const narrowed = async (services: string[]) => {
        const file = `${w.root}/upgrade-bot-${services.length}.yaml`;
        const entry = (s: string) => {
          const i = IMAGES.find((i) => i.service === s)!;
          const name = i.repository.startsWith("library/")
            ? i.repository.slice("library/".length)
            : i.host === "docker.io"
            ? i.repository
            : `${i.host}/${i.repository}`;
          return {
            name: s,
            dir: `argocd/manifests/${s}`,
            kind: "image",
            image: { name, manifests: [`argocd/manifests/${s}`] },
          };
        };
        await Deno.writeTextFile(
          file,
          stringify({ ...base, packages: services.map(entry) }),
        );
        return await asked(file);
      };
      const one = await narrowed(["mosquitto"]);
      const three = await narrowed(["mosquitto", "ollama", "tempo"]);
      const perService = (three.bot - one.bot) / 2;
      // The zero-config run twice: the first draws the dashboard, the second writes nothing.
      await asked(config);
      const all = await asked(config);
      const names = all.json.packages.map((p) => p.package).sort();
      const watched = [...IMAGES.map((i) => i.service), "alloy-tracing-ringtail"].sort();
      assert.deepEqual(names, ["authentik", ...watched].sort());
      // What the scan leaves out, with why.
      for (
        const out of [
          /immich\/values\.yaml: left out: line 19: image\.tag v2\.5\.6 names no repository/,
          /databases\/immich-pg\.yaml: left out: .*17-0\.5\.0: the tag names no version/,
          /alloy-ringtail: left out: grafana\/alloy: no service-versions\.yaml entry/,
          /frigate: left out: busybox: one of several images/,
          /authentik: left out: docker\.io\/library\/redis: .*the built image's/,
        ]
      ) assert.match(all.stderr, out);
      console.log(
        `nothing new: zero config (authentik and ${watched.length} image services): ${all.bot} ` +
          `requests counted by the bot (${all.forge} HTTP at the forge, the scan's shallow clone ` +
          `included; ${all.registry} at the registries), the run's own ${
            all.json.seconds.toFixed(2)
          } s; ` +
          `configured: 1 image service ${one.bot} ` +
          `(${one.registry} at the registry), 3: ${three.bot} (${three.registry}): ` +
          `${perService} per service`,
      );
      assert.ok(perService <= 2, `at most two requests per service, got ${perService}`);
      const writes = (r: { method: string; path: string }[]) =>
        r.filter((q) => q.method !== "GET" && !q.path.endsWith("/git-upload-pack"))
          .map((q) => `${q.method} ${q.path}`);
      assert.deepEqual(writes(all.during), [], "no write at the forge");
      assert.deepEqual(await pulls(), [], "no pull request");

      // ---- the newer tags: one pull request per service with a newer tag of its shape.
      for (const i of IMAGES) {
        for (const t of i.newer ?? []) await push(i.host, i.repository, t, i.label);
      }
      const first = await botRun(config);
      const o1 = outcomes(first);
      // tailscale's proxy image lacks v1.96.0 yet: the operator waits for it.
      assert.equal(o1["tailscale-operator"].outcome, "up to date");
      assert.match(
        first.stderr,
        /tailscale-operator v1\.96\.0: waiting for tailscale\/tailscale:v1\.96\.0/,
      );
      await push(TAILSCALE.host, TAILSCALE.repository, "v1.96.0");
      const second = await botRun(config);
      const o2 = {
        ...o1,
        ...Object.fromEntries(
          Object.entries(outcomes(second)).filter(([, o]) => o.outcome === "opened"),
        ),
      };
      const opened = await pulls();
      assert.equal(
        opened.length,
        Object.keys(OPENED).length,
        opened.map((p) => p.title).join("\n"),
      );
      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const sh = $({ cwd: check, quiet: true });
      const today = new Date().toISOString().slice(0, 10);
      for (const [service, e] of Object.entries(OPENED)) {
        assert.equal(o2[service].outcome, "opened", JSON.stringify(o2[service]));
        const pull = opened.find((p) => p.head.ref === `upgrade-${service}`);
        assert.ok(pull, `${service}: its pull request`);
        assert.equal(pull.title, e.title);
        console.log(
          `---- ${service}: pull request #${pull.number} as rendered\n` +
            `title: ${pull.title}\n\n${pull.body}`,
        );
        await sh`git fetch -q --prune origin`;
        await sh`git checkout -q --detach`;
        await sh`git branch -f main origin/main`;
        await sh`git checkout -q -B ${pull.head.ref} ${"origin/" + pull.head.ref}`;
        const changed = (await sh`git diff --name-only main...HEAD`).stdout.trim().split("\n");
        // Each manifest: only the tag changed.
        for (const file of changed.filter((f) => f.startsWith("argocd/"))) {
          const before = (await sh`git show ${"main:" + file}`).stdout;
          const after = await Deno.readTextFile(`${check}/${file}`);
          assert.equal(
            after,
            before.replaceAll(`:${e.from}`, `:${e.to}`).replace(
              new RegExp(`(newTag: "?)${e.from.replace(/\./g, "\\.")}`),
              `$1${e.to}`,
            ),
            file,
          );
          assert.notEqual(after, before, `${file} moved`);
        }
        const services = await Deno.readTextFile(`${check}/service-versions.yaml`);
        const entry = services.slice(services.indexOf(`- name: ${service}\n`)).split("\n\n")[0];
        assert.match(
          entry,
          new RegExp(`current-version: ${e.record.replace(/\./g, "\\.")}`),
          entry,
        );
        assert.match(entry, new RegExp(`last-reviewed: "?${today}`), entry);
        assert.ok(changed.includes(`docs/changelog.d/upgrade-${service}.infra.md`), changed.join());
        assert.equal((await sh`git log --format=%s main..HEAD`).stdout.trim(), pull.title);
        assert.equal(failedChecks(await repoChecks(check)), "", `${service}: the checks`);
      }
      const body = (s: string) => opened.find((p) => p.head.ref === `upgrade-${s}`)!.body;
      assert.match(
        body("tailscale-operator"),
        /proxyclass\.yaml` line 22: image: `v1\.94\.2` → `v1\.96\.0`[\s\S]*line 24/,
      );
      assert.match(
        body("frigate"),
        /\[`v0\.17\.0-rc2\.\.\.v0\.17\.0` on the forge mirror `mirrors\/frigate`\]\(<http[^>]+\/mirrors\/frigate\/compare\/v0\.17\.0-rc2\.\.\.v0\.17\.0>\)/,
      );
      assert.match(
        body("mosquitto"),
        /\[`https:\/\/github\.com\/eclipse\/mosquitto`\]\(<https:\/\/github\.com\/eclipse\/mosquitto>\)/,
      );
      assert.match(body("blumeops-pg"), /What changed upstream: unknown/);
      assert.ok(!body("blumeops-pg").includes("javascript:"), "the untrusted label is not linked");

      // ---- the dashboard's rows.
      const boards = (await api<{ body: string; pull_request: unknown }[]>(
        `/issues?type=issues&state=all&limit=50`,
      )).filter((i) => !i.pull_request && i.body.startsWith(DASHBOARD_MARKER));
      assert.equal(boards.length, 1, "one dashboard");
      const rows = boards[0].body.split("\n").filter((l) =>
        watched.some((s) => l.startsWith(`| ${s} |`)) || l.startsWith("| immich |")
      );
      console.log(`---- the dashboard's rows\n${rows.join("\n")}`);
      for (const service of watched) {
        const line = rows.find((l) => l.startsWith(`| ${service} |`));
        assert.ok(line, service);
        const pull = opened.find((p) => p.head.ref === `upgrade-${service}`);
        if (pull) assert.match(line, new RegExp(`pull request \\[#${pull.number}\\]`));
        else assert.match(line, /up to date/);
      }

      // ---- a run with nothing new: nothing written.
      const tips = async () => (await sh`git ls-remote origin`).stdout;
      const before = await tips();
      const from = forge.requests.length;
      const third = await botRun(config);
      for (const [s, o] of Object.entries(outcomes(third))) {
        assert.equal(o.outcome, "up to date", `${s}: ${JSON.stringify(o)}`);
      }
      assert.deepEqual(writes(forge.requests.slice(from)), [], "no write at the forge");
      assert.equal(await tips(), before, "no branch moved");
      assert.deepEqual(
        (await pulls()).map((p) => [p.number, p.title, p.body]),
        opened.map((p) => [p.number, p.title, p.body]),
      );

      // ---- a pull request closed without merge: its tag is skipped, not opened again.
      const mosquitto = opened.find((p) => p.head.ref === "upgrade-mosquitto")!;
      const closing = await fetch(`${REPO_API}/pulls/${mosquitto.number}`, {
        method: "PATCH",
        headers: { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ state: "closed" }),
      });
      assert.equal(closing.status, 201, await closing.text());
      const fourth = await botRun(config);
      assert.equal(outcomes(fourth).mosquitto.outcome, "up to date");
      assert.match(
        fourth.stderr,
        new RegExp(`mosquitto 2\\.0\\.23: skipped, pull request #${mosquitto.number} was closed`),
      );
      assert.equal((await pulls()).length, opened.length, "no pull request opened again");
      assert.deepEqual(forge.violations, [], "every response followed the swagger");
      console.log(`images.test.ts: ${((performance.now() - began) / 1000).toFixed(1)} s`);
    } finally {
      await forge.stop();
      for (const f of fronts.values()) await f.stop();
      await registry.stop();
      await w.cleanup();
    }
  },
});
