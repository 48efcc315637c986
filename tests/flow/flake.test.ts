// The flake step of the cron run on real Nix, on the real repository (its nixos/ringtail flake.nix and flake.lock replaced by one of the same shape whose inputs are local): the ringtail flake's inputs (git repositories on the Forgejo stand-in, the nixpkgs stand-in behind them) gain commits; the bot waits for its schedule, then updates the lock, builds the system before and after and opens the C1 pull request; a failing build makes it a draft.
import assert from "node:assert/strict";
import { $ } from "zx";
import { withForgeWorld } from "../support/forge_world.ts";
import { runBot } from "../support/bot_run.ts";
import { startSshd } from "../support/sshd.ts";
import { makeFlakeWorld } from "../support/flake_world.ts";
import { realRepoSource } from "../support/real_world.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";

const found = realRepoSource();

const TOKEN = "flake-token-0123456789";
const READER = "reader-token-0123456789";
const gitEnv = {
  ...Deno.env.toObject(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Human",
  GIT_AUTHOR_EMAIL: "h@example.org",
  GIT_COMMITTER_NAME: "Human",
  GIT_COMMITTER_EMAIL: "h@example.org",
};

/** Nix's settings for the bot's runs, as the site's config gives them (no NIX_CONFIG reaches an
 * ssh build host): flakes on, offline. */
const NIX_ARGS = [
  "--extra-experimental-features",
  "nix-command flakes",
  "--option",
  "substituters",
  "",
];

/** The dashboard's review age of `date`, counted on `today`. */
function ageOf(date: string, today: string): string {
  const days = Math.round((Date.parse(today) - Date.parse(date)) / 86_400_000);
  return days === 1 ? "1 day" : `${days} days`;
}

Deno.test({
  name:
    "a flake's inputs: on schedule, built before and after, a pull request with the closure's " +
    "diff that passes the real repository's checks",
  ignore: "skip" in found,
  fn: () => flakeUpdate((found as { source: string }).source),
});

async function flakeUpdate(source: string) {
  await withForgeWorld({
    token: TOKEN,
    people: [
      { login: "reader", token: READER, permission: "read" },
      { login: "erich", token: "erich-token", permission: "write" },
    ],
    // The real repository's upstream images are on Docker Hub, ghcr.io ..., out of reach offline,
    // PyPI and the Alpine index too (stood in for in tests/acceptance/whole_repo.test.ts).
    config: { build: { args: NIX_ARGS }, registries: null, sources: null },
  }, async (w) => {
    const world = await makeFlakeWorld(w.f.root, w.f.mirrorsDir, w.forge.url, `reader:${READER}`);
    // The forge's repository becomes the real one, its ringtail flake's inputs local (the real
    // ones are on GitHub) in a commit of its own. Its other packages' mirrors are not on this
    // forge (the fixture's authentik mirror goes too): the scan leaves them out, the flake is
    // the one package it finds.
    for (const mirror of ["authentik", "authentik-client-go"]) {
      await Deno.remove(`${w.f.mirrorsDir}/mirrors/${mirror}.git`, { recursive: true });
    }
    const target = `${w.f.root}/real`;
    await $({ quiet: true })`git clone -q ${source} ${target}`;
    const files = await world.files();
    for (const [path, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${target}/${path}`, text);
    }
    const sh = $({ cwd: target, env: gitEnv, quiet: true });
    await sh`git add -A`;
    await sh`git commit -qm ${"ringtail flake: local inputs"}`;
    await sh`git push -qf ${`${w.f.mirrorsDir}/eblume/blumeops.git`} HEAD:main`;
    const oldNixpkgs = JSON.parse(files["nixos/ringtail/flake.lock"]).nodes.nixpkgs.locked.rev;

    const env = { FORGE_TOKEN: TOKEN };
    const cron = async (config: string, ...more: string[]) => {
      const r = await runBot(["run", "--config", config, "--json", ...more], env);
      assert.ok(r.json, `a JSON report: ${r.stdout}\n${r.stderr}`);
      return r;
    };

    // Just committed: the next update is a week away. The whole run (the flake is the one package
    // the scan finds here) opens the dashboard: the flake's row is the host's service entry.
    const first = await cron(w.config);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /found 1 packages built from forge mirrors: ringtail-flake \(flake\)/,
    );
    assert.match(String(first.json!.message), /ringtail-flake: next update due \d{4}-\d\d-\d\d/);
    const board = async () => {
      const [issue] = await w.api("/repos/eblume/blumeops/issues?state=open&type=issues") as {
        number: number;
        body: string;
      }[];
      const row = issue.body.split("\n").find((l) => l.startsWith("| nix-container-builder |"));
      return { number: issue.number, row: row ?? issue.body };
    };
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(
      (await board()).row,
      `| nix-container-builder | 12.6.4 | ${ageOf("2026-02-22", today)} | ${today} | up to date |`,
    );

    // Upstream moves: nixpkgs twice on its branch (the runner's version, a package out, one in)
    // and once on the next release branch; home-manager once; disko once.
    await world.versions({
      "forgejo-runner": { version: "12.7.0", kib: 96 },
      hello: { version: "2.12", kib: 16 },
      "new-tool": { version: "0.3", kib: 48 },
    });
    const newNixpkgs = await world.commit("nixpkgs", { "README": "nixos-25.11 channel\n" });
    // The next release branch gains a commit of its own, which the bot must not take.
    const nixpkgsWork = $({ cwd: `${w.f.root}/flake-inputs/nixpkgs`, env: gitEnv, quiet: true });
    await nixpkgsWork`git commit -q --allow-empty -m ${"nixos-26.05 only"}`;
    await nixpkgsWork`git push -q origin HEAD:nixos-26.05`;
    await nixpkgsWork`git reset -q --hard HEAD~1`;
    await world.commit("home-manager", { "NOTES": "a fix\n" });
    await world.commit("disko", { "NOTES": "a fix\n" });

    // A writer asks on the dashboard: the update runs now, a week early.
    const asked = await board();
    await w.forge.addComment(
      "eblume",
      "blumeops",
      asked.number,
      "erich",
      "/upgrade ringtail-flake",
    );
    const began = performance.now();
    const second = await cron(w.config);
    const seconds = (performance.now() - began) / 1000;
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    const pull = second.json!.pull as {
      number: number;
      body: string;
      title: string;
      action: string;
    };
    assert.equal(pull.action, "opened");
    assert.equal(pull.title, "Update ringtail flake inputs");
    const body = pull.body;
    console.log(
      `--- pull request body (run ${seconds.toFixed(1)}s, builds ${
        second.json!.buildSeconds
      }s)\n${body}\n---`,
    );
    // Each input's revisions, compare link and commit count.
    assert.ok(
      body.includes(`${w.forge.url}/mirrors/nixpkgs/compare/${oldNixpkgs}...${newNixpkgs}`),
      "nixpkgs' compare link",
    );
    assert.match(body, /\| `nixpkgs` \| `nixos-25\.11` \| .* \| \[2 commits\]\(/);
    assert.match(body, /\| `home-manager` \| `release-25\.11` \| .* \| \[1 commit\]\(/);
    assert.match(body, /\| `disko` \| `default branch` \| .* \| \[1 commit\]\(/);
    // The closure's diff: the runner moved and grew, a package in, one out.
    assert.match(
      body,
      /\| `forgejo-runner` \| changed \| `12\.6\.4` \| `12\.7\.0` \| \+32\.\d KiB \|/,
    );
    assert.match(body, /\| `new-tool` \| added \| ∅ \| `0\.3` \| \+48\.\d KiB \|/);
    assert.match(body, /\| `old-tool` \| removed \| `1\.0` \| ∅ \| -32\.\d KiB \|/);
    assert.match(body, /1 added, 1 removed, \d+ changed/);
    // The branch followed, never the next release branch, which the body names.
    assert.match(
      body,
      /`nixpkgs` follows `nixos-25\.11`; a newer release branch `nixos-26\.05` exists/,
    );

    const branch = await w.clone();
    await $({ cwd: branch, quiet: true })`git checkout -q update-ringtail-flake`;
    const lock = JSON.parse(await Deno.readTextFile(`${branch}/nixos/ringtail/flake.lock`));
    assert.equal(
      lock.nodes.nixpkgs.locked.rev,
      newNixpkgs,
      "the nixos-25.11 tip, not nixos-26.05's",
    );
    assert.equal(lock.nodes.nixpkgs.original.ref, "nixos-25.11");
    assert.deepEqual(lock.nodes.disko.inputs.nixpkgs, ["nixpkgs"], "disko still follows nixpkgs");
    const services = await Deno.readTextFile(`${branch}/service-versions.yaml`);
    assert.ok(
      services.includes(
        `  - name: nix-container-builder\n    type: nixos\n    last-reviewed: ${today}\n` +
          `    current-version: "12.7.0"\n`,
      ),
      services,
    );
    const fragment = await Deno.readTextFile(
      `${branch}/docs/changelog.d/update-ringtail-flake.infra.md`,
    );
    assert.match(
      fragment,
      /^Update ringtail flake inputs \(.*\); nix-container-builder 12\.7\.0\.\n$/,
    );
    // What the branch changes, and the real repository's own checks on it.
    assert.deepEqual(
      (await $({ cwd: branch, quiet: true })`git diff --name-only main...HEAD`).stdout.split("\n")
        .filter(Boolean),
      [
        "docs/changelog.d/update-ringtail-flake.infra.md",
        "nixos/ringtail/flake.lock",
        "service-versions.yaml",
      ],
    );
    assert.equal(
      failedChecks(await repoChecks(branch)),
      "",
      "the repository's checks on the flake's branch",
    );

    // A broken package upstream: the pull request becomes a draft naming the derivation.
    await world.versions({
      "forgejo-runner": { version: "12.7.1", kib: 96 },
      hello: { version: "2.12", kib: 16 },
      "new-tool": { version: "0.3", kib: 48 },
      broken: { version: "1.0", kib: 0, fail: "upstream broke this package" },
    });
    const replies = await w.api(`/repos/eblume/blumeops/issues/${asked.number}/comments`) as {
      body: string;
    }[];
    assert.ok(
      replies.some((c) =>
        c.body.startsWith(`/upgrade ringtail-flake ${today}: opened pull request #${pull.number}`)
      ),
      JSON.stringify(replies),
    );
    const drawn = (await board()).row;
    console.log(`--- dashboard row\n${drawn}\n---`);
    assert.equal(
      drawn,
      `| nix-container-builder | 12.6.4 | ${ageOf("2026-02-22", today)} | nixpkgs nixos-26.05 | ` +
        `pull request [#${pull.number}](${w.forge.url}/eblume/blumeops/pulls/${pull.number}) ` +
        `open: ${today} |`,
    );
    // Due every second now: the next run moves the pull request, this time on the build host over
    // ssh (a real sshd on 127.0.0.1).
    const remoteTmp = `${w.f.root}/build-host-tmp`;
    await Deno.mkdir(remoteTmp);
    const sshd = await startSshd({ setEnv: { TMPDIR: remoteTmp } });
    let third;
    try {
      const due = await w.configWith({
        builder: sshd.url,
        ssh: { config_file: sshd.sshConfig },
        flakes: { every: "1s" },
      });
      third = await cron(due, "--package", "ringtail-flake");
    } finally {
      await sshd.stop();
    }
    assert.equal(third.json!.builder, sshd.url);
    console.log(
      `--- over ssh: run ${(third.json!.seconds as number).toFixed(1)}s, builds ` +
        `${(third.json!.buildSeconds as number).toFixed(2)}s; the draft's failure:\n` +
        (third.json!.pull as { body: string }).body.split("### What changes in the system")[1]
          .split("####")[0].trim() +
        "\n---",
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(remoteTmp)), [], "its temp dir removed");
    const failed = third.json!.pull as { body: string; title: string; action: string };
    assert.equal(failed.action, "updated", third.stdout);
    assert.equal(failed.title, "WIP: Update ringtail flake inputs");
    assert.match(failed.body, /\*\*The build after the update failed\*\*/);
    assert.match(failed.body, /Failing derivation: `\/nix\/store\/[a-z0-9]{32}-broken-1\.0\.drv`/);
    assert.match(failed.body, /```text\n[\s\S]*upstream broke this package[\s\S]*```/);
  });
}
