// The `upgrade` command end to end: bot.ts on a fixture checkout, real git and real nix-build.
import assert from "node:assert/strict";
import { $ } from "zx";
import { type Fixture, makeFixture, replacePythonDepsCopy } from "../support/fixture.ts";
import { commitEdit, git, runBot, writeConfig } from "../support/bot_run.ts";
import { startSshd } from "../support/sshd.ts";

const PKG = "containers/authentik";

/** bot.ts upgrade on the fixture's checkout, as a user would type it. */
function upgradeTo(f: Fixture, version: string, ...args: string[]) {
  return runBot(["upgrade", "--repo", f.repo, "--version", version, ...args]);
}

async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const fixture = await makeFixture();
  try {
    await fn(fixture);
  } finally {
    await fixture.cleanup();
  }
}

/** Builds the checkout's whole package with nix-build: it must pass with no mismatch. */
async function assertBuilds(f: Fixture): Promise<void> {
  const p = await $({
    cwd: `${f.repo}/${PKG}`,
    nothrow: true,
    quiet: true,
  })`nix-build test-build.nix -A assembled --no-out-link ${f.buildArgs}`;
  assert.equal(p.exitCode, 0, p.stderr);
  assert.doesNotMatch(p.stderr, /hash mismatch/);
}

function hashesIn(f: Fixture): Record<string, string> {
  const read = (file: string) => Deno.readTextFileSync(`${f.repo}/${PKG}/${file}`);
  const sri = /"(sha256-[A-Za-z0-9+/]{43}=)"/g;
  const sources = [...read("sources.nix").matchAll(sri)].map((m) => m[1]);
  return {
    "src": sources[0],
    "client-go-src": sources[1],
    "python-deps": read("python-deps.nix").match(sri)![0].slice(1, -1),
    "webui-deps": read("webui-deps.nix").match(sri)![0].slice(1, -1),
    "authentik-server-go-modules": read("authentik-server.nix").match(sri)![0].slice(1, -1),
  };
}

Deno.test("upgrade with the local builder commits the bump and every harvested hash", async () => {
  await withFixture(async (f) => {
    const config = await writeConfig(f, "local");
    const run = await upgradeTo(f, "2026.5.0", "--config", config, "--json");
    assert.equal(run.code, 0, run.stderr);
    const expected = await f.expectedHashes("2026.5.0");
    assert.deepEqual(hashesIn(f), expected);
    await assertBuilds(f);

    assert.equal(await git(f.repo, "status", "--porcelain"), "", "clean work tree");
    assert.equal(
      await git(f.repo, "rev-parse", "--abbrev-ref", "HEAD"),
      "mikado/upgrade-authentik",
    );
    const subjects = (await git(f.repo, "log", "--format=%s", "main..HEAD")).split("\n");
    assert.deepEqual(subjects, [
      "C2(upgrade-authentik): finalize upgrade authentik 2026.2.0 -> 2026.5.0",
      "C2(upgrade-authentik): impl update fixed-output hashes for authentik 2026.5.0",
      "C2(upgrade-authentik): impl bump authentik 2026.2.0 -> 2026.5.0",
      "C2(upgrade-authentik): plan upgrade authentik 2026.2.0 -> 2026.5.0",
    ]);
    // The bump commit holds only the version copies and the service's recorded version.
    const bumpFiles = await git(f.repo, "show", "--name-only", "--format=", "HEAD~2");
    assert.deepEqual(bumpFiles.split("\n").sort(), [
      `${PKG}/default.nix`,
      `${PKG}/sources.nix`,
      "service-versions.yaml",
    ]);
    assert.equal(await git(f.repo, "rev-parse", "main"), await git(f.repo, "rev-parse", "HEAD~4"));

    const json = run.json!;
    assert.deepEqual(json.version, { from: "2026.2.0", to: "2026.5.0" });
    assert.equal(json.builds, 3, "sources, then the three deps together, then the verifying build");
    assert.equal(json.verified, true);
    assert.equal(json.branch, "mikado/upgrade-authentik");
    const rounds = json.rounds as { mismatches: string[] }[];
    assert.deepEqual(rounds.map((r) => r.mismatches.sort()), [
      ["client-go-src", "src"],
      ["authentik-server-go-modules", "python-deps", "webui-deps"],
      [],
    ]);
    const hashes = json.hashes as {
      name: string;
      new: string;
      unchanged: boolean;
      otherSystems: unknown[];
    }[];
    assert.deepEqual(hashes.filter((h) => h.unchanged).map((h) => h.name), ["webui-deps"]);
    assert.equal(hashes.find((h) => h.name === "webui-deps")!.otherSystems.length, 1);
    for (const h of hashes) assert.equal(h.new, expected[h.name as keyof typeof expected]);
    assert.equal((json.commits as unknown[]).length, 4);
    assert.match(
      run.stderr,
      /round 2: building authentik-server-go-modules, python-deps, webui-deps, all of test-build\.nix/,
    );
    const log = await Deno.readTextFile(json.logFile as string);
    assert.match(log, /=== round 3/);
    assert.match(log, /hash mismatch in fixed-output derivation/);
  });
});

Deno.test("upgrade over ssh builds on the remote host and leaves nothing there", async () => {
  const sshd = await startSshd();
  try {
    await withFixture(async (f) => {
      const config = await writeConfig(f, sshd.url, { ssh: { config_file: sshd.sshConfig } });
      // The build host's temp dirs: in its sessions' own TMPDIR.
      const remoteDirs = () =>
        [...Deno.readDirSync(sshd.tmpDir)].filter((e) => e.name.startsWith("upgrade-bot.")).length;
      const before = remoteDirs();
      const run = await upgradeTo(f, "2026.5.0", "--config", config, "--json");
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(hashesIn(f), await f.expectedHashes("2026.5.0"));
      assert.equal(run.json!.builds, 3);
      assert.match(run.stderr, /building on ssh:\/\/root@127\.0\.0\.1:\d+ \(x86_64-linux\)/);
      const log = await Deno.readTextFile(run.json!.logFile as string);
      assert.ok(log.includes(`building in ${sshd.tmpDir}/upgrade-bot.`), "in the host's TMPDIR");
      assert.equal(remoteDirs(), before, "the remote temp dirs were removed");
      await assertBuilds(f);
    });
  } finally {
    await sshd.stop();
  }
});

Deno.test("a dry run builds on a scratch copy, prints the diff and changes nothing", async () => {
  await withFixture(async (f) => {
    const config = await writeConfig(f, "local");
    const head = await git(f.repo, "rev-parse", "HEAD");
    const run = await upgradeTo(f, "2026.5.0", "--config", config, "--dry-run", "--json");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await git(f.repo, "rev-parse", "HEAD"), head);
    assert.equal(await git(f.repo, "status", "--porcelain"), "");
    assert.equal(await git(f.repo, "branch", "--list", "mikado/*"), "");
    const expected = await f.expectedHashes("2026.5.0");
    assert.match(run.stdout, /--- a\/containers\/authentik\/sources\.nix/);
    assert.ok(run.stdout.includes(`+    hash = "${expected.src}";`), run.stdout);
    assert.ok(run.stdout.includes(`+  version = "2026.5.0";`));
    assert.ok(
      !run.stdout.includes(`+++ b/containers/authentik/webui-deps.nix`),
      "unchanged hash, no diff",
    );
    assert.equal(run.json!.branch, null);
    assert.equal(run.json!.verified, true);
    assert.deepEqual((run.json!.commits as { sha: null }[]).map((c) => c.sha), [
      null,
      null,
      null,
      null,
    ]);
  });
});

Deno.test("--no-build bumps and resets the hashes to distinct placeholders without building", async () => {
  await withFixture(async (f) => {
    const run = await upgradeTo(f, "2026.5.0", "--no-build", "--dry-run", "--builder", "local");
    assert.equal(run.code, 0, run.stderr);
    const placeholders = [...run.stdout.matchAll(/^\+.*"(sha256-[^"]+)"/gm)].map((m) => m[1]);
    assert.equal(placeholders.length, 5, run.stdout);
    assert.equal(new Set(placeholders).size, 5, "each hash gets its own placeholder");
    assert.match(run.stderr, /nothing built/);
  });
});

Deno.test("the same version is nothing to do; an older one is refused", async () => {
  await withFixture(async (f) => {
    const same = await upgradeTo(f, "2026.2.0", "--builder", "local");
    assert.equal(same.code, 0);
    assert.match(same.stdout, /already at 2026\.2\.0: nothing to do/);
    const older = await upgradeTo(f, "2025.12.4", "--builder", "local");
    assert.equal(older.code, 2);
    assert.match(older.stderr, /2025\.12\.4 is older than the current 2026\.2\.0/);
  });
});

Deno.test("a missing or ambiguous literal stops before anything changes (exit 2)", async () => {
  await withFixture(async (f) => {
    // A configured literal that is ambiguous or missing is an error naming the file.
    await commitEdit(
      f.repo,
      `${PKG}/default.nix`,
      (t) => t.replace(/(version = "2026\.2\.0";)/, '$1\n  version = "2026.2.0";'),
    );
    const head = await git(f.repo, "rev-parse", "HEAD");
    const configured = await writeConfig(f, "local", { version: ["default.nix"] });
    const ambiguous = await upgradeTo(f, "2026.5.0", "--config", configured);
    assert.equal(ambiguous.code, 2);
    assert.match(
      ambiguous.stderr,
      /default\.nix: "version = \.\.\." is ambiguous: it is assigned on lines \d+, \d+/,
    );
    assert.equal(await git(f.repo, "rev-parse", "HEAD"), head);
    assert.equal(await git(f.repo, "status", "--porcelain"), "");

    await $({ cwd: f.repo, quiet: true })`git reset -q --hard HEAD~1`;
    await commitEdit(
      f.repo,
      `${PKG}/authentik-server.nix`,
      (t) => t.replace(/\n.*vendorHash = .*\n/, "\n"),
    );
    const withHashes = await writeConfig(f, "local", {
      hashes: [{ name: "go", file: "authentik-server.nix", key: "vendorHash" }],
    });
    const missing = await upgradeTo(f, "2026.5.0", "--config", withHashes);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /authentik-server\.nix: no "vendorHash = \.\.\." assignment found/,
    );
    assert.equal(await git(f.repo, "status", "--porcelain"), "");
    assert.equal(await git(f.repo, "branch", "--list", "mikado/*"), "");

    // With nothing configured, the build is evaluated at the current version first: a repository
    // that does not evaluate is exit 2 with Nix's error, before any branch or card.
    const discovered = await upgradeTo(f, "2026.5.0", "--config", await writeConfig(f, "local"));
    assert.equal(discovered.code, 2, discovered.stderr);
    assert.match(
      discovered.stderr,
      /containers\/authentik\/test-build\.nix does not evaluate at the current version 2026\.2\.0, before any change[\s\S]*error:/,
    );
    assert.doesNotMatch(discovered.stderr, /round 1/);
    assert.equal(await git(f.repo, "status", "--porcelain"), "");
    assert.equal(await git(f.repo, "branch", "--list", "mikado/*"), "");
  });
});

Deno.test("an unknown version tag fails the source fetch with git's words (exit 1)", async () => {
  await withFixture(async (f) => {
    const config = await writeConfig(f, "local");
    const run = await upgradeTo(f, "2099.1.0", "--config", config, "--dry-run");
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stdout,
      /FAILED \(build\): authentik(-client-go)? failed: builder for '\/nix\/store\/\S+\.drv' failed with exit code \d+ \(also failed: authentik/,
    );
    assert.match(run.stdout, /> fatal: couldn't find remote ref (version\/|v3\.)2099\.1\.0/);
    assert.match(run.stdout, /src +sources\.nix: not harvested/);
  });
});

Deno.test("a build error that is not a mismatch stops with the log and keeps what was harvested", async () => {
  await withFixture(async (f) => {
    await commitEdit(
      f.repo,
      `${PKG}/python-deps.nix`,
      replacePythonDepsCopy('echo "uv: no solution for psycopg-c==9.9" >&2; exit 1'),
    );
    const config = await writeConfig(f, "local");
    const run = await upgradeTo(f, "2026.5.0", "--config", config, "--json");
    assert.equal(run.code, 1, run.stderr);
    const failure = run.json!.failure as { kind: string; drv: string; logTail: string[] };
    assert.equal(failure.kind, "build");
    assert.match(failure.drv, /authentik-python-deps-2026\.5\.0\.drv$/);
    assert.ok(
      failure.logTail.some((l) => l.includes("no solution for psycopg-c==9.9")),
      failure.logTail.join("\n"),
    );
    const expected = await f.expectedHashes("2026.5.0");
    const hashes = hashesIn(f);
    for (
      const name of ["src", "client-go-src", "webui-deps", "authentik-server-go-modules"] as const
    ) {
      assert.equal(hashes[name], expected[name], name);
    }
    assert.notEqual(hashes["python-deps"], expected["python-deps"]);
    assert.equal(
      await git(f.repo, "log", "-1", "--format=%s"),
      "C2(upgrade-authentik): impl partial hashes for authentik 2026.5.0 (pending: python-deps)",
    );
    assert.equal(await git(f.repo, "status", "--porcelain"), "");
  });
});

Deno.test("a fixed-output derivation that is not reproducible is reported as such", async () => {
  await withFixture(async (f) => {
    // The output name changes every second and the content is random: each round builds anew and
    // gets another hash, as an FOD whose download varies would.
    await commitEdit(
      f.repo,
      `${PKG}/python-deps.nix`,
      (t) =>
        replacePythonDepsCopy("sleep 1; cat /proc/sys/kernel/random/uuid > $out/uv.lock")(
          t.replace(
            'pname = "authentik-python-deps";',
            'pname = "authentik-python-deps-${toString builtins.currentTime}";',
          ),
        ),
    );
    const config = await writeConfig(f, "local");
    const run = await upgradeTo(f, "2026.5.0", "--config", config, "--json");
    assert.equal(run.code, 1, run.stderr);
    const failure = run.json!.failure as { kind: string; message: string };
    assert.equal(failure.kind, "non-reproducible");
    assert.match(
      failure.message,
      /python-deps is not reproducible: one build gave sha256-\S+, the next sha256-/,
    );
  });
});

Deno.test("builder failures: unreachable host and host key mismatch leave the checkout as it was", async () => {
  const sshd = await startSshd();
  try {
    await withFixture(async (f) => {
      const head = await git(f.repo, "rev-parse", "HEAD");
      const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (closed.addr as Deno.NetAddr).port;
      closed.close();
      const unreachable = await upgradeTo(
        f,
        "2026.5.0",
        "--config",
        await writeConfig(f, `ssh://root@127.0.0.1:${port}`, {
          ssh: { config_file: sshd.sshConfig },
        }),
      );
      assert.equal(unreachable.code, 1);
      assert.match(
        unreachable.stderr,
        new RegExp(
          `cannot reach build host ssh://root@127\\.0\\.0\\.1:${port}: .*Connection refused`,
        ),
      );

      const mismatch = await upgradeTo(
        f,
        "2026.5.0",
        "--config",
        await writeConfig(f, sshd.url, { ssh: { config_file: sshd.wrongKnownHostsConfig } }),
      );
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, /host key verification failed/);
      assert.equal(await git(f.repo, "rev-parse", "HEAD"), head);
      assert.equal(await git(f.repo, "rev-parse", "--abbrev-ref", "HEAD"), "main");
      assert.equal(await git(f.repo, "status", "--porcelain"), "");
    });
  } finally {
    await sshd.stop();
  }
});

Deno.test("usage errors exit 2 and --help documents every flag", async () => {
  const help = await runBot(["--help"]);
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--repo",
      "--version",
      "--config",
      "--builder",
      "--dry-run",
      "--no-build",
      "--json",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const unknown = await runBot(["upgrade", "--frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /frobnicate/);
  const noVersion = await runBot(["upgrade", "--repo", "."]);
  assert.equal(noVersion.code, 2);
  assert.match(noVersion.stderr, /--version/);
  const badBuilder = await runBot([
    "upgrade",
    "--version",
    "2026.5.0",
    "--builder",
    "ssh://-oProxyCommand=x",
  ]);
  assert.equal(badBuilder.code, 2);
  assert.match(badBuilder.stderr, /expected "local" or "ssh:\/\//);
});
