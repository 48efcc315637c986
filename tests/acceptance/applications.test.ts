// Issue 24 item 3 on the REAL eblume/blumeops: with only the forge's URL, a cron run finds the
// ArgoCD Applications deployed from forge mirrors (external-secrets in four files, 1password-connect
// in two, cloudnative-pg with its directory.include) and, each mirror with a newer tag, opens one C1
// pull request per service moving every Application of it, each branch passing the repository's
// checks, the dashboard's rows saying so; a run with nothing new makes at most two requests per
// service and writes nothing.
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import { DEFAULT_RELEASES, OFFLINE, realRepoSource, realWorld } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { type BotRun, type ForgePull, runBot, runOutcomes } from "../support/bot_run.ts";
import { startForge } from "../forge/server.ts";
import { DASHBOARD_MARKER } from "../../lib/dashboard/marker.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`applications.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-applications-0123456789";

interface Outcome {
  package: string;
  outcome: string;
  error: string | null;
  version: { from: string; to: string };
  pull: { number: number; action: string } | null;
}

const outcomes = (run: BotRun) => runOutcomes<Outcome>(run);

/** The mirrors of the repository's Applications: the tag on main, and a newer release (with a
 * candidate the run without pre-releases leaves alone). */
const APPS = [
  {
    service: "external-secrets",
    mirror: "external-secrets",
    files: [
      "argocd/apps/external-secrets-crds-ringtail.yaml",
      "argocd/apps/external-secrets-crds.yaml",
      "argocd/apps/external-secrets-ringtail.yaml",
      "argocd/apps/external-secrets.yaml",
    ],
    tags: ["helm-chart-2.0.0", "helm-chart-2.1.0", "helm-chart-2.2.0-rc.1"],
    from: "2.0.0",
    to: "2.1.0",
    tag: "helm-chart-2.1.0",
    // The record is the tag itself.
    record: '"helm-chart-2.1.0"',
  },
  {
    service: "1password-connect",
    mirror: "connect-helm-charts",
    files: ["argocd/apps/1password-connect-ringtail.yaml", "argocd/apps/1password-connect.yaml"],
    tags: ["connect-2.3.0", "connect-2.4.0"],
    from: "2.3.0",
    to: "2.4.0",
    tag: "connect-2.4.0",
    // The record is the Connect server's version, not the chart's tag: left as it is.
    record: '"1.8.1"',
  },
  {
    service: "cloudnative-pg",
    mirror: "cloudnative-pg",
    files: ["argocd/apps/cloudnative-pg.yaml"],
    tags: ["v1.27.1", "v1.28.2"],
    from: "1.27.1",
    to: "1.28.2",
    tag: "v1.28.2",
    // It recorded v1.28.1 while the Application deployed v1.27.1: the record moves with the tag.
    record: '"v1.28.2"',
  },
];

Deno.test({
  name: "zero config on the real repository: the Applications on forge mirrors, one pull request " +
    "per service moving every Application of it, the repository's checks passing, the dashboard " +
    "rows; a run with nothing new makes at most two requests per service and writes nothing",
  ignore,
  fn: async () => {
    const w = await realWorld({ releases: [DEFAULT_RELEASES[0]] });
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    for (const a of APPS) await w.addMirrorTags(a.mirror, [a.tags[0]]);
    const forge = await startForge({
      root: `${w.root}/git`,
      users: [{ login: "bot", token: TOKEN, permission: "admin" }],
      validate: true,
    });
    try {
      const REPO_API = `${forge.url}/api/v1/repos/eblume/blumeops`;
      const api = async <T>(path: string): Promise<T> =>
        await (await fetch(`${REPO_API}${path}`, {
          headers: { Authorization: `token ${TOKEN}` },
        })).json() as T;
      const pulls = () => api<ForgePull[]>(`/pulls?state=all&limit=50`);
      const config = `${w.root}/upgrade-bot.yaml`;
      const base = {
        forge: { url: forge.url },
        lock: { dir: `${w.root}/locks` },
        ...OFFLINE,
      };
      await Deno.writeTextFile(config, stringify({ builder: "local", ...base }));
      const env = { ...w.env, TMPDIR: `${w.root}/tmp`, FORGE_TOKEN: TOKEN };
      const botRun = async (file: string) => {
        const run = await runBot(["run", "--config", file, "--json"], env);
        assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), "no secret");
        assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
        return run;
      };

      // ---- nothing new: what a run asks, over all of them and per service (the config's
      // packages: one Application package, then all three).
      const asked = async (file: string) => {
        const from = forge.requests.length;
        const run = await botRun(file);
        const json = run.json as { requests: number; packages: Outcome[] };
        for (const p of json.packages) assert.equal(p.outcome, "up to date", p.package);
        const during = forge.requests.slice(from);
        return { bot: json.requests, http: during.length, json, during };
      };
      const narrowed = async (count: number) => {
        const file = `${w.root}/upgrade-bot-${count}.yaml`;
        await Deno.writeTextFile(
          file,
          stringify({
            ...base,
            packages: APPS.slice(0, count).map((a) => ({
              name: a.service,
              dir: "argocd/apps",
              kind: "application",
              mirrors: [{
                repo: `mirrors/${a.mirror}`,
                tag: a.tags[0].replace(a.from, "{version}"),
              }],
              applications: a.files,
            })),
          }),
        );
        return await asked(file);
      };
      const one = await narrowed(1);
      const three = await narrowed(3);
      const perService = (three.bot - one.bot) / 2;
      // The zero-config run twice: the first draws the dashboard of its packages (the narrowed
      // configs drew theirs), the second writes nothing.
      await asked(config);
      const all = await asked(config);
      const names = all.json.packages.map((p) => p.package).sort();
      assert.deepEqual(names, [
        "1password-connect",
        "authentik",
        "cloudnative-pg",
        "external-secrets",
      ]);
      console.log(
        `nothing new: zero config (authentik and 3 Application services): ${all.bot} requests ` +
          `counted by the bot (${all.http} HTTP at the forge, the scan's shallow clone included); ` +
          `configured: 1 Application service ${one.bot} (${one.http} HTTP), 3: ${three.bot} ` +
          `(${three.http} HTTP): ${perService} per service`,
      );
      assert.ok(perService <= 2, `at most two requests per service, got ${perService}`);
      const writes = (r: { method: string; path: string }[]) =>
        r.filter((q) => q.method !== "GET" && !q.path.endsWith("/git-upload-pack"))
          .map((q) => `${q.method} ${q.path}`);
      assert.deepEqual(writes(all.during), [], "no write at the forge");
      assert.deepEqual(await pulls(), [], "no pull request");

      // ---- the newer tags: one pull request per service.
      for (const a of APPS) await w.addMirrorTags(a.mirror, a.tags);
      const first = await botRun(config);
      const o1 = outcomes(first);
      const opened = await pulls();
      assert.equal(opened.length, APPS.length, opened.map((p) => p.title).join("\n"));
      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const sh = $({ cwd: check, quiet: true });
      const today = new Date().toISOString().slice(0, 10);
      for (const a of APPS) {
        const o = o1[a.service];
        assert.equal(o.outcome, "opened", JSON.stringify(o));
        assert.deepEqual(o.version, { from: a.from, to: a.to });
        const pull = opened.find((p) => p.head.ref === `upgrade-${a.service}`);
        assert.ok(pull, `${a.service}: its pull request`);
        assert.equal(pull.title, `Upgrade ${a.service} from ${a.from} to ${a.to}`);
        console.log(
          `---- ${a.service}: pull request #${pull.number} as rendered\n` +
            `title: ${pull.title}\n\n${pull.body}`,
        );
        for (const file of a.files) {
          assert.match(pull.body, new RegExp(`^- \`${file}\`: \`targetRevision: ${a.tag}\``, "m"));
        }
        // What changed upstream: the compare link of the two tags and the one commit between.
        const compared = `${a.tags[0]}...${a.tag}`.replace(/\./g, "\\.");
        assert.match(
          pull.body,
          new RegExp(
            `^\\[Compare \`${compared}\`\\]\\(<http://[^>]+/mirrors/${a.mirror}/compare/${compared}>\\): 1 commit\\.$`,
            "m",
          ),
        );
        await sh`git fetch -q --prune origin`;
        await sh`git checkout -q --detach`;
        await sh`git branch -f main origin/main`;
        await sh`git checkout -q -B ${pull.head.ref} ${"origin/" + pull.head.ref}`;
        // Each Application: only its tag (and the include naming the version) changed.
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
        const services = await Deno.readTextFile(`${check}/service-versions.yaml`);
        const entry = services.slice(services.indexOf(`- name: ${a.service}\n`)).split("\n\n")[0];
        assert.match(
          entry,
          new RegExp(`current-version: ${a.record.replace(/\./g, "\\.")}`),
          entry,
        );
        const changed = (await sh`git diff --name-only main...HEAD`).stdout.trim().split("\n");
        const fragment = `docs/changelog.d/upgrade-${a.service}.infra.md`;
        assert.deepEqual(
          changed.sort(),
          [
            ...a.files,
            fragment,
            ...(a.service === "1password-connect" ? [] : ["service-versions.yaml"]),
          ]
            .sort(),
        );
        if (a.service !== "1password-connect") {
          assert.match(entry, new RegExp(`last-reviewed: "?${today}`), entry);
        } else assert.match(pull.body, /`1password-connect` left at `1\.8\.1`/);
        assert.equal((await sh`git log --format=%s main..HEAD`).stdout.trim(), pull.title);
        assert.equal(failedChecks(await repoChecks(check)), "", `${a.service}: the checks`);
      }
      assert.match(
        opened.find((p) => p.head.ref === "upgrade-cloudnative-pg")!.body,
        /`directory\.include: cnpg-1\.28\.2\.yaml`.*\n.*it recorded `v1\.28\.1` while the Applications deployed `v1\.27\.1`/,
      );

      // ---- the dashboard's rows.
      const boards = (await api<{ body: string; pull_request: unknown }[]>(
        `/issues?type=issues&state=all&limit=50`,
      )).filter((i) => !i.pull_request && i.body.startsWith(DASHBOARD_MARKER));
      assert.equal(boards.length, 1, "one dashboard");
      const rows = boards[0].body.split("\n").filter((l) =>
        /^\| (external-secrets|1password-connect|cloudnative-pg|immich|authentik) \|/.test(l)
      );
      console.log(`---- the dashboard's rows\n${rows.join("\n")}`);
      for (const a of APPS) {
        const pull = opened.find((p) => p.head.ref === `upgrade-${a.service}`)!;
        const line = rows.find((l) => l.startsWith(`| ${a.service} |`));
        assert.ok(line, a.service);
        assert.match(
          line,
          new RegExp(
            `pull request \\[#${pull.number}\\]\\([^)]+\\) open: ${a.to.replace(/\./g, "\\.")}`,
          ),
        );
      }

      // ---- a second run: nothing new, nothing written.
      const tips = async () => (await sh`git ls-remote origin`).stdout;
      const before = await tips();
      const from = forge.requests.length;
      const second = await botRun(config);
      const o2 = outcomes(second);
      for (const a of APPS) assert.equal(o2[a.service].outcome, "up to date", a.service);
      assert.deepEqual(writes(forge.requests.slice(from)), [], "no write at the forge");
      assert.equal(await tips(), before, "no branch moved");
      assert.deepEqual(
        (await pulls()).map((p) => [p.number, p.title, p.body]),
        opened.map((p) => [p.number, p.title, p.body]),
      );
      console.log(
        `second run, 3 pull requests open: ${second.json!.requests} requests counted by the bot, ` +
          `${forge.requests.length - from} HTTP at the forge`,
      );
      assert.deepEqual(forge.violations, [], "every response followed the swagger");
    } finally {
      await forge.stop();
      await w.cleanup();
    }
  },
});
