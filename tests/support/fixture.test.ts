// Tests of the test infrastructure itself: the fixture builds, its expected
// hashes agree with what Nix computes, and the ssh harness behaves like a
// real remote build host.

import assert from "node:assert/strict";
import { $, quote } from "zx";
import { type Fixture, type HashName, makeFixture } from "./fixture.ts";
import { startSshd } from "./sshd.ts";

const AUTHENTIK = "containers/authentik";

/** Distinct valid SRI placeholders, so each mismatch is attributable to its FOD. */
function placeholder(i: number): string {
  return "sha256-" + btoa(String.fromCharCode(...new Array(32).fill(i)));
}

/** `specified -> got` for every hash mismatch in a nix-build (2.4+) log. */
function mismatches(log: string): Map<string, string> {
  const re =
    /hash mismatch in fixed-output derivation '[^']+':\s*\n\s*specified:\s*(\S+)\s*\n\s*got:\s*(\S+)/g;
  return new Map([...log.matchAll(re)].map((m) => [m[1], m[2]]));
}

/** A scratch copy of containers/authentik, edited by `edit` on every .nix file. */
async function scratchCopy(f: Fixture, edit: (text: string) => string): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: f.root, prefix: "scratch-" });
  for await (const e of Deno.readDir(`${f.repo}/${AUTHENTIK}`)) {
    const text = await Deno.readTextFile(`${f.repo}/${AUTHENTIK}/${e.name}`);
    await Deno.writeTextFile(`${dir}/${e.name}`, edit(text));
  }
  return dir;
}

async function replaceInDir(dir: string, from: string, to: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const text = await Deno.readTextFile(`${dir}/${e.name}`);
    await Deno.writeTextFile(`${dir}/${e.name}`, text.replaceAll(from, to));
  }
}

function nixBuild(f: Fixture, cwd: string, attrs: string[], env: Record<string, string> = {}) {
  const a = attrs.flatMap((x) => ["-A", x]);
  return $({
    cwd,
    nothrow: true,
    quiet: true,
    env: { ...Deno.env.toObject(), NO_COLOR: "1", ...env },
  })`nix-build test-build.nix -k --no-out-link ${f.buildArgs} ${a}`;
}

Deno.test("fixture at 2026.2.0: repo shape and a clean build of every component", async () => {
  const f = await makeFixture();
  try {
    const dir = `${f.repo}/${AUTHENTIK}`;
    const sources = await Deno.readTextFile(`${dir}/sources.nix`);
    const h = await f.expectedHashes("2026.2.0");
    assert.match(sources, /^\{ pkgs \}:\nlet\n {2}version = "2026\.2\.0";\nin\n/);
    assert.ok(sources.includes(`rev = "version/\${version}";\n    hash = "${h.src}";`));
    assert.ok(sources.includes(`rev = "v3.\${version}";\n    hash = "${h["client-go-src"]}";`));
    assert.match(await Deno.readTextFile(`${dir}/default.nix`), /\n {2}version = "2026\.2\.0";\n/);
    assert.match(
      await Deno.readTextFile(`${f.repo}/service-versions.yaml`),
      /- name: authentik\n {2}current-version: "2026\.2\.0"\n {2}last-reviewed: 2026-03-01\n/,
    );

    const g = $({ cwd: f.repo, quiet: true });
    assert.equal(
      (await g`git log ${"--format=%an <%ae>"}`).stdout.trim(),
      "Erich Blume <blume@example.org>",
    );
    assert.equal((await g`git branch --show-current`).stdout.trim(), "main");
    assert.equal(
      (await g`git remote get-url origin`).stdout.trim(),
      `${f.mirrorsDir}/eblume/blumeops.git`,
    );
    assert.equal((await g`git status --porcelain`).stdout, "");

    const r = await nixBuild(f, dir, [
      "src",
      "client-go-src",
      "python-deps",
      "webui-deps",
      "authentik-server.goModules",
      "assembled",
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /hash mismatch|error:/);
  } finally {
    await f.cleanup();
  }
});

Deno.test("expectedHashes(2026.5.0) equals what Nix reports for placeholder hashes", async () => {
  const f = await makeFixture();
  try {
    const current = await f.expectedHashes("2026.2.0");
    const names: HashName[] = [
      "src",
      "client-go-src",
      "python-deps",
      "webui-deps",
      "authentik-server-go-modules",
    ];
    // Placeholders never become valid store paths, so every FOD builder
    // really runs here even when the right outputs are cached from earlier.
    const ph = Object.fromEntries(names.map((n, i) => [n, placeholder(i + 1)])) as Record<
      HashName,
      string
    >;
    const dir = await scratchCopy(f, (t) => {
      t = t.replaceAll('version = "2026.2.0";', 'version = "2026.5.0";');
      for (const n of names) t = t.replaceAll(current[n], ph[n]);
      return t;
    });

    // Round 1: the sources, with simulated download time.
    const t0 = Date.now();
    const r1 = await nixBuild(f, dir, ["src", "client-go-src"], { UPGRADE_BOT_FOD_SLEEP: "1" });
    assert.ok(Date.now() - t0 >= 1000, "UPGRADE_BOT_FOD_SLEEP had no effect");
    const got = mismatches(r1.stderr);
    assert.equal(got.size, 2, r1.stderr);
    for (const n of ["src", "client-go-src"] as const) {
      await replaceInDir(dir, ph[n], got.get(ph[n])!);
    }

    // Round 2: everything that takes src as input.
    const r2 = await nixBuild(f, dir, ["python-deps", "webui-deps", "authentik-server.goModules"]);
    for (const [k, v] of mismatches(r2.stderr)) got.set(k, v);
    assert.equal(got.size, 5, r2.stderr);
    for (const n of ["python-deps", "webui-deps", "authentik-server-go-modules"] as const) {
      await replaceInDir(dir, ph[n], got.get(ph[n])!);
    }

    const expected = await f.expectedHashes("2026.5.0");
    assert.deepEqual(Object.fromEntries(names.map((n) => [n, got.get(ph[n])])), expected);
    // The default locks: python and go change with the release, npm does not.
    assert.notEqual(expected["python-deps"], current["python-deps"]);
    assert.notEqual(
      expected["authentik-server-go-modules"],
      current["authentik-server-go-modules"],
    );
    assert.equal(expected["webui-deps"], current["webui-deps"]);

    // Final round: the upgraded tree builds.
    const r3 = await nixBuild(f, dir, ["assembled"]);
    assert.equal(r3.exitCode, 0, r3.stderr);
  } finally {
    await f.cleanup();
  }
});

Deno.test("a stale hash hides a missing tag; a placeholder reveals git's error", async () => {
  const f = await makeFixture();
  try {
    const dir = await scratchCopy(
      f,
      (t) => t.replaceAll('version = "2026.2.0";', 'version = "2099.1.0";'),
    );
    // The stale-hash pitfall the bot must avoid: name and hash unchanged,
    // so Nix reuses the 2026.2.0 source without fetching.
    const stale = await nixBuild(f, dir, ["src"]);
    assert.equal(stale.exitCode, 0, stale.stderr);

    await replaceInDir(dir, (await f.expectedHashes("2026.2.0")).src, placeholder(9));
    const r = await nixBuild(f, dir, ["src"]);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /couldn't find remote ref version\/2099\.1\.0/);
  } finally {
    await f.cleanup();
  }
});

Deno.test("addRelease: a late client-go tag", async () => {
  const f = await makeFixture({ releases: [{ version: "2026.2.0" }] });
  try {
    const tags = async (name: string) =>
      (await $({ quiet: true })`git ls-remote --tags ${`${f.mirrorsDir}/mirrors/${name}.git`}`)
        .stdout;
    await f.addRelease({ version: "2026.8.0-rc1", clientGo: false });
    assert.match(await tags("authentik"), /refs\/tags\/version\/2026\.8\.0-rc1\n/);
    assert.doesNotMatch(await tags("authentik-client-go"), /v3\.2026\.8\.0-rc1/);
    await f.addRelease({ version: "2026.8.0-rc1" });
    assert.match(await tags("authentik-client-go"), /refs\/tags\/v3\.2026\.8\.0-rc1\n/);
  } finally {
    await f.cleanup();
  }
});

Deno.test("sshd harness: remote nix-build works, a wrong host key is refused", async () => {
  const sshd = await startSshd();
  const f = await makeFixture();
  try {
    const ssh = (config: string, ...cmd: string[]) =>
      $({
        quiet: true,
        nothrow: true,
      })`ssh -F ${config} -p ${sshd.port} ${`${sshd.user}@${sshd.host}`} ${
        cmd.map(quote).join(" ")
      }`;

    const v = await ssh(sshd.sshConfig, "nix-build", "--version");
    assert.equal(v.exitCode, 0, v.stderr);
    assert.match(v.stdout, /nix-build \(Nix\) 2\./);
    assert.equal((await ssh(sshd.sshConfig, "git", "--version")).exitCode, 0);

    // A build on the "remote" host, as the bot would run it.
    const b = await ssh(
      sshd.sshConfig,
      "nix-build",
      `${f.repo}/${AUTHENTIK}/test-build.nix`,
      "-A",
      "assembled",
      "--no-out-link",
      ...f.buildArgs,
    );
    assert.equal(b.exitCode, 0, b.stderr);
    assert.match(b.stdout, /^\/nix\/store\/.*-authentik-2026\.2\.0$/m);

    const w = await ssh(sshd.wrongKnownHostsConfig, "true");
    assert.notEqual(w.exitCode, 0);
    assert.match(w.stderr, /Host key verification failed/);
    assert.equal(sshd.url, `ssh://root@127.0.0.1:${sshd.port}`);
  } finally {
    await f.cleanup();
    await sshd.stop();
  }
});
