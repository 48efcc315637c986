// Per-system hashes end to end: every system's entry harvested on a machine of that system through
// Nix's distributed builds, in the same rounds, or left stale and said so.
import assert from "node:assert/strict";
import { AARCH64_WEBUI_HASH, type Fixture, makeFixture } from "../support/fixture.ts";
import { runBot, writeConfig } from "../support/bot_run.ts";
import { startSshd } from "../support/sshd.ts";
import { startSystemBuilder, systemBuilderSkip } from "../support/system_builder.ts";

const TO = "2026.5.0";
const skip = await systemBuilderSkip();
if (skip) console.warn(`skipping the distributed-build tests: ${skip}`);

interface SystemEntry {
  system: string;
  old: string;
  new: string | null;
  stale: string | null;
}
interface WebuiDeps {
  new: string;
  otherSystems: SystemEntry[];
}

function webuiDeps(json: Record<string, unknown> | null): WebuiDeps {
  const hashes = (json?.hashes ?? []) as ({ name: string } & WebuiDeps)[];
  return hashes.find((h) => h.name === "webui-deps")!;
}

async function webuiDepsFile(f: Fixture): Promise<string> {
  return await Deno.readTextFile(`${f.repo}/containers/authentik/webui-deps.nix`);
}

/** Both systems' webui-deps hashes as built from the mirror's tree, not by the bot. */
async function expected(f: Fixture) {
  return {
    x86: (await f.expectedHashes(TO, "x86_64-linux"))["webui-deps"],
    arm: (await f.expectedHashes(TO, "aarch64-linux"))["webui-deps"],
  };
}

/** Asserts the harvest got both systems' hashes right, in three runs, into the file. */
async function assertBothHarvested(f: Fixture, json: Record<string, unknown> | null) {
  const want = await expected(f);
  assert.notEqual(want.x86, want.arm, "the stand-in's output depends on the system");
  assert.equal(json?.verified, true, JSON.stringify(json?.failure));
  assert.equal(json?.builds, 3, "no extra round for the other system");
  const h = webuiDeps(json);
  assert.equal(h.new, want.x86);
  assert.deepEqual(
    h.otherSystems.map((o) => [o.system, o.new, o.stale]),
    [["aarch64-linux", want.arm, null]],
  );
  const text = await webuiDepsFile(f);
  assert.ok(text.includes(`"x86_64-linux" = "${want.x86}"`), text);
  assert.ok(text.includes(`"aarch64-linux" = "${want.arm}"`), text);
}

Deno.test({
  name:
    "config build.builders: the aarch64-linux entry is harvested on that machine, x86_64 here, in the same three runs",
  ignore: skip !== null,
  fn: async () => {
    const builder = await startSystemBuilder();
    const f = await makeFixture();
    try {
      const config = await writeConfig(f, "local", {
        build: { builders: { "aarch64-linux": builder.uri } },
      });
      const run = await runBot(
        ["upgrade", "--repo", f.repo, "--version", TO, "--config", config, "--json"],
        { NIX_SSHOPTS: builder.sshOpts },
      );
      assert.equal(run.code, 0, run.stderr);
      await assertBothHarvested(f, run.json);
      assert.match(
        run.stderr,
        /webui-deps for aarch64-linux: to be harvested on ssh-ng:\/\/root@127\.0\.0\.1/,
      );
      // The other system waits until the source it needs has its hash (round 1 builds it here).
      const log = await Deno.readTextFile(run.json!.logFile as string);
      const firstRemote = log.indexOf(`on '${builder.uri}'`);
      assert.ok(firstRemote > log.indexOf("round 2"), "no remote build in round 1");
      assert.match(run.stdout, /for aarch64-linux: sha256-\S+ -> sha256-\S+/);
    } finally {
      await f.cleanup();
      await builder.stop();
    }
  },
});

Deno.test({
  name: "over ssh, no config: the build host's own nix.conf builders serve the other system",
  ignore: skip !== null,
  fn: async () => {
    const builder = await startSystemBuilder();
    const host = await startSshd({
      setEnv: {
        NIX_SSHOPTS: builder.sshOpts,
        NIX_CONFIG: `builders = ${builder.uri} ${builder.system}`,
      },
    });
    const f = await makeFixture();
    try {
      const config = await writeConfig(f, host.url, { ssh: { config_file: host.sshConfig } });
      const run = await runBot(
        ["upgrade", "--repo", f.repo, "--version", TO, "--config", config, "--json"],
      );
      assert.equal(run.code, 0, run.stderr);
      await assertBothHarvested(f, run.json);
    } finally {
      await f.cleanup();
      await host.stop();
      await builder.stop();
    }
  },
});

Deno.test("no machine builds aarch64-linux: its entry is left as it was and reported stale, the rest verified", async () => {
  const f = await makeFixture();
  try {
    const config = await writeConfig(f, "local");
    const run = await runBot(
      ["upgrade", "--repo", f.repo, "--version", TO, "--config", config, "--json"],
      { NIX_CONFIG: "builders =" },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json?.verified, true);
    const h = webuiDeps(run.json);
    assert.equal(h.new, (await expected(f)).x86);
    assert.equal(h.otherSystems[0].new, null);
    assert.match(h.otherSystems[0].stale ?? "", /no machine builds aarch64-linux/);
    assert.ok((await webuiDepsFile(f)).includes(`"aarch64-linux" = "${AARCH64_WEBUI_HASH}"`));
    assert.match(run.stdout, /for aarch64-linux: left stale at sha256-\S+, check it by hand/);
  } finally {
    await f.cleanup();
  }
});

Deno.test("a configured machine that is down: its system is left stale after one more run, nothing guessed", async () => {
  const f = await makeFixture();
  const unreachable = await Deno.makeTempFile({ prefix: "upgrade-bot-ssh-down-" });
  try {
    // Port 1: nothing listens; Nix finds no machine for the aarch64 build and stops the run.
    await Deno.writeTextFile(unreachable, "Host *\n  Port 1\n  BatchMode yes\n");
    const config = await writeConfig(f, "local", {
      build: { builders: { "aarch64-linux": "ssh-ng://root@127.0.0.1" } },
    });
    const run = await runBot(
      ["upgrade", "--repo", f.repo, "--version", TO, "--config", config, "--json"],
      { NIX_SSHOPTS: `-F ${unreachable}` },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json?.verified, true);
    const h = webuiDeps(run.json);
    assert.equal(h.new, (await expected(f)).x86);
    assert.match(h.otherSystems[0].stale ?? "", /no machine took its build: a 'aarch64-linux'/);
    assert.ok((await webuiDepsFile(f)).includes(`"aarch64-linux" = "${AARCH64_WEBUI_HASH}"`));
  } finally {
    await f.cleanup();
    await Deno.remove(unreachable);
  }
});

Deno.test("a build host whose Nix cannot say which systems it builds: the other systems are left stale, saying why", async () => {
  const f = await makeFixture();
  const bin = await Deno.makeTempDir({ prefix: "upgrade-bot-old-nix-" });
  try {
    // A `nix` without show-config (as Nix 2.3's, which rejects --extra-experimental-features);
    // nix-build and nix-instantiate are their own programs and stay the real ones.
    await Deno.writeTextFile(
      `${bin}/nix`,
      "#!/bin/sh\necho \"error: unrecognised flag '--extra-experimental-features'\" >&2\nexit 1\n",
    );
    await Deno.chmod(`${bin}/nix`, 0o755);
    const config = await writeConfig(f, "local");
    const run = await runBot(
      ["upgrade", "--repo", f.repo, "--version", TO, "--config", config, "--json"],
      { PATH: `${bin}:${Deno.env.get("PATH")}` },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json?.verified, true);
    const h = webuiDeps(run.json);
    assert.match(
      h.otherSystems[0].stale ?? "",
      /no machine builds aarch64-linux \(the build host could not say which systems it builds: .*unrecognised flag/,
    );
    assert.ok((await webuiDepsFile(f)).includes(`"aarch64-linux" = "${AARCH64_WEBUI_HASH}"`));
  } finally {
    await f.cleanup();
    await Deno.remove(bin, { recursive: true });
  }
});
