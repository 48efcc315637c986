// Several packages of the REAL eblume/blumeops in one cron run (authentik, and ntfy: one default.nix
// with let bindings, a fetchgit source, buildNpmPackage, buildGoModule and buildLayeredImage, its
// service entry "v2.17.0"), then the follow-through of the merged ntfy upgrade against a REAL
// registry (Debian's docker-registry) and the Forgejo stand-in's Actions runs, and a pull request
// closed because its version was reached by hand. The repository's own checks after each branch.
// ntfy's Dockerfile commit pin: left and said while it names no tag of the stand-in mirror (a dry
// run, and `upgrade`), moved with the version once it names the stand-in's v2.17.0 commit.
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import { ntfyMirror, realRepoSource, realWorld } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { type BotRun, git, runBot } from "../support/bot_run.ts";
import { startForge } from "../forge/server.ts";
import { startRegistry } from "../support/registry.ts";
import type { PinOutcome } from "../../lib/docker/commit_pins.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`packages.test.ts: skipped: ${found.skip}`);

const TOKEN = "bot-token-packages-0123456789";
const NTFY = "containers/ntfy";
const MANIFEST = "argocd/manifests/ntfy/kustomization.yaml";

interface Pull {
  number: number;
  title: string;
  body: string;
  state: string;
  merged: boolean;
  merge_commit_sha: string | null;
  head: { ref: string };
}

type Outcome = {
  package: string;
  outcome: string;
  error: string | null;
  builds: number;
  verified: boolean;
  closed: string | null;
  pull: { number: number } | null;
  followThrough: { state: string; message: string; tag: string | null } | null;
};

function outcomes(run: BotRun): Record<string, Outcome> {
  assert.ok(run.json, `a --json line\n${run.stdout}\n${run.stderr}`);
  const list = run.json.packages as Outcome[];
  return Object.fromEntries(list.map((p) => [p.package, p]));
}

Deno.test({
  name: "several packages of the real repository in one run, the follow-through after merge, " +
    "and a pull request closed when the base reaches its version",
  ignore,
  fn: async () => {
    const w = await realWorld();
    const registry = await startRegistry();
    await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
    await ntfyMirror(w, ["2.17.0", "2.18.0"]);
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
      const pulls = (state = "all") => api<Pull[]>(`/pulls?state=${state}&limit=50`);
      const config = `${w.root}/upgrade-bot.yaml`;
      const packages = [
        {
          name: "authentik",
          dir: "containers/authentik",
          mirrors: [
            { repo: "mirrors/authentik", tag: "version/{version}" },
            { repo: "mirrors/authentik-client-go", tag: "v3.{version}" },
          ],
        },
        { name: "ntfy", dir: NTFY, mirrors: [{ repo: "mirrors/ntfy", tag: "v{version}" }] },
      ];
      const writeConfig = (first: object[] = []) =>
        Deno.writeTextFile(
          config,
          stringify({
            builder: "local",
            forge: { url: forge.url },
            lock: { dir: `${w.root}/locks` },
            deploy: { registry_url: registry.url, credentials_env: "REGISTRY_AUTH" },
            packages: [...first, ...packages],
          }),
        );
      const cron = async (...args: string[]) => {
        const run = await runBot(["run", "--config", config, "--json", ...args], {
          ...w.env,
          TMPDIR: `${w.root}/tmp`,
          FORGE_TOKEN: TOKEN,
          REGISTRY_AUTH: `${registry.user}:${registry.password}`,
        });
        for (const secret of [TOKEN, registry.password]) {
          assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "no secret");
        }
        return run;
      };
      const check = `${w.root}/check`;
      await $({ quiet: true })`git clone -q ${`${w.root}/git/eblume/blumeops.git`} ${check}`;
      const checksOn = async (branch: string, what: string) => {
        const sh = $({ cwd: check, quiet: true });
        await sh`git fetch -q --prune origin`;
        await sh`git checkout -q --detach`;
        await sh`git branch -f main origin/main`;
        await sh`git checkout -q -B ${branch} ${"origin/" + branch}`;
        assert.equal(failedChecks(await repoChecks(check)), "", `${what}: the repository's checks`);
      };

      // ---- inspect lists the config's packages (it narrows discovery to them); --package names
      // one, and ntfy's layout is found with no config of it.
      await writeConfig();
      const env = { ...w.env, TMPDIR: `${w.root}/tmp` };
      const which = await runBot(["inspect", "--repo", w.repo, "--config", config], env);
      assert.equal(which.code, 0, which.stderr);
      assert.match(which.stdout, /^2 packages in /);
      assert.match(which.stdout, /^ {2}ntfy +nix +2\.17\.0 +mirrors\/ntfy v\{version\}/m);
      assert.doesNotMatch(which.stdout, /^ {2}loki /m, "narrowed to the config's packages");
      const inspect = await runBot(
        ["inspect", "--repo", w.repo, "--config", config, "--package", "ntfy", "--json"],
        env,
      );
      assert.equal(inspect.code, 0, inspect.stderr);
      const layout = inspect.json as {
        version: string;
        versions: { file: string }[];
        hashes: { name: string; key: string; harvested: boolean }[];
        build: { file: string };
      };
      assert.equal(layout.version, "2.17.0");
      assert.deepEqual(layout.versions.map((v) => v.file), ["default.nix"]);
      assert.deepEqual(
        layout.hashes.filter((h) => h.harvested).map((h) => h.key).sort(),
        ["hash", "npmDepsHash", "vendorHash"],
      );
      assert.equal(layout.build.file, "default.nix");

      // ---- the Dockerfile's commit pin as the real repository has it (a03a37..., the real
      // mirror's v2.17.0) names no tag's commit of the stand-in mirror: a dry run leaves it and
      // says so, in the pull request body it would post.
      const dockerfile = `${NTFY}/Dockerfile`;
      const realPin = /^ARG NTFY_COMMIT=([0-9a-f]{40})$/m.exec(
        await git(w.repo, "show", `main:${dockerfile}`),
      )![1];
      const dry = await cron("--package", "ntfy", "--dry-run", "--no-build");
      assert.equal(dry.code, 0, dry.stderr);
      const unpinned =
        (dry.json!.packages as { package: string; pins: PinOutcome[]; pull: { body: string } }[])
          .find((p) => p.package === "ntfy")!;
      assert.deepEqual(unpinned.pins.map((p) => [p.file, p.arg, p.old, p.new]), [
        [dockerfile, "NTFY_COMMIT", realPin, null],
      ]);
      assert.ok(
        unpinned.pull.body.includes(
          `- **Check by hand:** \`${dockerfile}:6\`: \`ARG NTFY_COMMIT=${realPin}\` was left`,
        ),
        unpinned.pull.body,
      );
      assert.match(dry.stderr, new RegExp(`ARG NTFY_COMMIT=${realPin} left as it was`));
      assert.equal((await pulls()).length, 0, "a dry run posts nothing");

      // The local upgrade asks no forge: the pin is left and said, whatever it names.
      const local = await runBot([
        "upgrade",
        ...["--repo", w.repo, "--config", config, "--package", "ntfy", "--version", "2.18.0"],
        ...["--dry-run", "--no-build", "--json"],
      ], env);
      assert.equal(local.code, 0, local.stderr);
      assert.deepEqual((local.json!.pins as PinOutcome[]).map((p) => [p.arg, p.new, p.left]), [
        ["NTFY_COMMIT", null, "`upgrade` asks no forge for the tags' commits"],
      ]);
      assert.match(local.stdout, new RegExp(`ARG NTFY_COMMIT=${realPin} left as it was`));

      // ---- the world's Dockerfile pins the stand-in mirror's v2.17.0 commit, standing for the
      // real mirror's: the upgrade moves it to the stand-in's v2.18.0 commit.
      const mirrorCommit = (tag: string) =>
        git(`${w.mirrorsDir}/ntfy.git`, "rev-parse", `${tag}^{commit}`);
      const [pin17, pin18] = [await mirrorCommit("v2.17.0"), await mirrorCommit("v2.18.0")];
      await Deno.writeTextFile(
        `${w.repo}/${dockerfile}`,
        (await Deno.readTextFile(`${w.repo}/${dockerfile}`)).replace(realPin, pin17),
      );
      await $({
        cwd: w.repo,
        quiet: true,
      })`git -c user.name=Erich -c user.email=blume@example.org commit -qam ${"ntfy: pin the mirror's v2.17.0 commit"}`;
      await $({ cwd: w.repo, quiet: true })`git push -q origin main`;

      // ---- one run, three packages: the first one broken (no service entry); the others go on.
      await writeConfig([
        { name: "ghost", dir: "containers/ghost", mirrors: [packages[1].mirrors[0]] },
      ]);
      const first = await cron();
      assert.equal(first.code, 2, `the broken package's config error\n${first.stderr}`);
      const o1 = outcomes(first);
      assert.equal(o1.ghost.outcome, "failed", JSON.stringify(o1.ghost));
      assert.match(o1.ghost.error!, /service "ghost" has no current-version/);
      assert.equal(o1.authentik.outcome, "opened", first.stderr);
      assert.equal(o1.ntfy.outcome, "opened", first.stderr);
      assert.equal(o1.authentik.builds, 3);
      assert.ok(o1.authentik.verified && o1.ntfy.verified);
      assert.match(first.stdout, /run: 3 packages, \d+ forge requests/);
      assert.deepEqual((first.json!.packages as Outcome[]).map((p) => p.package), [
        "ghost",
        "authentik",
        "ntfy",
      ]);
      assert.match(first.stdout, /^ {2}ntfy: opened #\d+ 2\.17\.0 -> 2\.18\.0, \d builds/m);
      console.log(
        `figures: cron over two packages (after a broken one): ${first.json!.requests} forge ` +
          `requests, builds authentik ${o1.authentik.builds} + ntfy ${o1.ntfy.builds}, ` +
          `${(first.json!.seconds as number).toFixed(1)} s`,
      );
      const open = await pulls("open");
      assert.deepEqual(open.map((p) => p.title).sort(), [
        // authentik's path is stepwise: the next release series (2026.3), not the newest (2026.5).
        "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.3.0",
        "C2(upgrade-ntfy): ntfy 2.17.0 -> 2.18.0",
      ]);
      await checksOn("mikado/upgrade-ntfy", "ntfy's upgrade");
      // Each file keeps its own style: no v in default.nix, the v in service-versions.yaml.
      const nix = await Deno.readTextFile(`${check}/${NTFY}/default.nix`);
      assert.match(nix, /version = "2\.18\.0";/);
      const sv = await Deno.readTextFile(`${check}/service-versions.yaml`);
      assert.match(sv, /- name: ntfy\n(?: {4}.*\n)*? {4}current-version: "v2\.18\.0"/);
      // The commit pin moved with the version, in the bump's commit; nothing else of the file.
      const pinDiff = (await git(check, "diff", "-U0", "main", "--", dockerfile)).split("\n")
        .filter((l) => /^[-+]ARG/.test(l));
      assert.deepEqual(pinDiff, [
        "-ARG CONTAINER_APP_VERSION=v2.17.0",
        "+ARG CONTAINER_APP_VERSION=v2.18.0",
        `-ARG NTFY_COMMIT=${pin17}`,
        `+ARG NTFY_COMMIT=${pin18}`,
      ]);
      assert.equal(
        await git(check, "log", "--format=%s", "main..HEAD", "--", dockerfile),
        "C2(upgrade-ntfy): impl bump ntfy 2.17.0 -> 2.18.0",
      );
      const ntfyBody = open.find((p) => p.head.ref === "mikado/upgrade-ntfy")!.body;
      assert.ok(
        ntfyBody.includes(`\`ARG NTFY_COMMIT\` moved to \`${pin18}\`, the commit of \`v2.18.0\``),
        ntfyBody,
      );
      assert.doesNotMatch(ntfyBody, /Check by hand/);
      const before = await git(w.repo, "show", `main:${NTFY}/default.nix`);
      for (const key of ["hash", "npmDepsHash", "vendorHash"]) {
        const re = new RegExp(`${key} = "(sha256-[^"]+)";`);
        assert.notEqual(nix.match(re)?.[1], before.match(re)?.[1], `${key} harvested`);
      }
      assert.match(
        await Deno.readTextFile(`${check}/docs/how-to/ntfy/upgrade-ntfy.md`),
        /title:/,
      );

      // ---- the ntfy upgrade is merged: the image is not in the registry yet.
      await writeConfig();
      const ntfyPull = open.find((p) => p.head.ref === "mikado/upgrade-ntfy")!;
      await forge.mergePull("eblume", "blumeops", ntfyPull.number);
      const merged = await api<Pull>(`/pulls/${ntfyPull.number}`);
      const sha = merged.merge_commit_sha!;
      const tag = `v2.18.0-${sha.slice(0, 7)}-nix`;
      const waiting = await cron();
      assert.equal(waiting.code, 0, waiting.stderr);
      const ft = outcomes(waiting).ntfy.followThrough!;
      assert.equal(ft.state, "waiting", ft.message);
      assert.equal(ft.tag, tag);
      assert.equal((await pulls("open")).length, 1, "nothing opened while the image is missing");
      assert.equal(outcomes(waiting).authentik.outcome, "up to date");

      // ---- the workflow run for the merge commit failed: said once, on the merged pull request.
      await forge.addActionRun("eblume", "blumeops", {
        workflowId: "build-container-nix.yaml",
        title: "Build container (Nix)",
        event: "push",
        headBranch: "main",
        headSha: sha,
        status: "failure",
      });
      for (let i = 0; i < 2; i++) {
        const failed = await cron();
        assert.equal(failed.code, 0, failed.stderr);
        assert.equal(outcomes(failed).ntfy.followThrough!.state, "failed");
      }
      const said = (await api<{ body: string }[]>(`/issues/${ntfyPull.number}/comments`))
        .filter((c) => c.body.includes("upgrade-bot:deploy-failed"));
      assert.equal(said.length, 1, "the failed workflow is said once");
      assert.match(said[0].body, new RegExp(`ended with \`failure\`.*${tag}`, "s"));

      // ---- the image is pushed: the follow-up pull request moves newTag, and only that line.
      await registry.push("blumeops/ntfy", tag);
      const deploy = await cron();
      assert.equal(deploy.code, 0, deploy.stderr);
      assert.equal(outcomes(deploy).ntfy.followThrough!.state, "opened");
      const followUp = (await pulls("open")).find((p) => p.head.ref === "deploy-ntfy")!;
      assert.equal(followUp.title, `Deploy ntfy ${tag}`);
      await checksOn("deploy-ntfy", "the follow-up");
      const diff = await git(check, "diff", "-U0", "main", "--", MANIFEST);
      const changed = diff.split("\n").filter((l) => /^[-+] /.test(l));
      assert.deepEqual(changed, [`-    newTag: v2.17.0-cd57814-nix`, `+    newTag: ${tag}`]);
      assert.deepEqual(
        (await git(check, "diff", "--name-only", "main")).split("\n").sort(),
        [MANIFEST, "docs/how-to/ntfy/upgrade-ntfy.md"],
      );
      assert.match(
        await Deno.readTextFile(`${check}/docs/how-to/ntfy/upgrade-ntfy.md`),
        new RegExp(`→ \`2\\.18\\.0\`\\n(?:  - .*\\n)*  - deployed as \`${tag}\``),
      );
      const again = await cron();
      assert.equal(outcomes(again).ntfy.followThrough!.state, "open");
      assert.equal((await pulls("open")).length, 2, "no second follow-up");
      await forge.mergePull("eblume", "blumeops", followUp.number);
      const deployed = await cron();
      assert.equal(outcomes(deployed).ntfy.followThrough!.state, "deployed");
      console.log(
        `figures: cron over two packages, nothing new, both deployed: ${deployed.json!.requests} ` +
          `forge requests, ${(deployed.json!.seconds as number).toFixed(2)} s`,
      );

      // ---- someone upgrades authentik by hand on main: the bot's pull request is closed.
      const authentik = (await pulls("open")).find((p) =>
        p.head.ref === "mikado/upgrade-authentik"
      )!;
      const sh = $({ cwd: check, quiet: true });
      await sh`git fetch -q origin`;
      await sh`git checkout -q -B main origin/main`;
      for (const file of ["containers/authentik/sources.nix", "containers/authentik/default.nix"]) {
        const path = `${check}/${file}`;
        await Deno.writeTextFile(
          path,
          (await Deno.readTextFile(path)).replace('version = "2026.2.0"', 'version = "2026.5.0"'),
        );
      }
      await Deno.writeTextFile(
        `${check}/service-versions.yaml`,
        (await Deno.readTextFile(`${check}/service-versions.yaml`))
          .replace('current-version: "2026.2.0"', 'current-version: "2026.5.0"'),
      );
      await sh`git -c user.name=Erich -c user.email=blume@example.org commit -qam ${"Upgrade authentik to 2026.5.0 by hand"}`;
      await sh`git push -q origin main`;
      const close = await cron();
      assert.equal(close.code, 0, close.stderr);
      assert.match(
        outcomes(close).authentik.closed!,
        /closed it, branch mikado\/upgrade-authentik deleted/,
      );
      const after = await api<Pull>(`/pulls/${authentik.number}`);
      assert.equal(after.state, "closed");
      assert.equal(after.merged, false);
      const why = await api<{ body: string }[]>(`/issues/${authentik.number}/comments`);
      assert.match(why.at(-1)!.body, /main is at authentik 2026\.5\.0 already/);
      assert.equal(
        (await sh`git ls-remote origin refs/heads/mikado/upgrade-authentik`).stdout.trim(),
        "",
        "the bot's branch is deleted",
      );
      assert.deepEqual(forge.violations, [], "every response followed the swagger");
    } finally {
      await forge.stop();
      await registry.stop();
      await w.cleanup();
    }
  },
});
