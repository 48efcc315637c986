// The REAL eblume/blumeops containers/authentik/*.nix, unchanged but for their hash literals,
// evaluate (test-build.nix through builtins.getFlake "nixpkgs") and build offline in the world
// of tests/support/real_world.ts, with real nix-build. Skipped, saying why, without a copy of blumeops.

import assert from "node:assert/strict";
import { $ } from "zx";
import {
  FORGE_MIRRORS,
  type RealHashName,
  realRepoSource,
  type RealWorld,
  realWorld,
} from "../support/real_world.ts";
import { startSshd } from "../support/sshd.ts";

const found = realRepoSource();
const ignore = "skip" in found;
if ("skip" in found) console.log(`nixpkgs stand-in tests: skipped: ${found.skip}`);

const FAKE = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; // lib.fakeHash

/** Each hash literal of the real package: its file and a pattern whose group 1 is the literal. */
const LITERALS: [RealHashName, string, RegExp][] = [
  ["src", "sources.nix", /\bsrc = pkgs\.fetchgit \{[\s\S]*?hash = "([^"]+)"/],
  ["client-go-src", "sources.nix", /client-go-src = pkgs\.fetchgit \{[\s\S]*?hash = "([^"]+)"/],
  ["python-deps", "python-deps.nix", /outputHash = "([^"]+)"/],
  ["webui-deps", "webui-deps.nix", /"x86_64-linux" = "([^"]+)"/],
  ["authentik-server-go-modules", "authentik-server.nix", /vendorHash = "([^"]+)"/],
];

/** The literals as the clone has them now. */
async function readLiterals(w: RealWorld): Promise<Record<RealHashName, string>> {
  const out: Partial<Record<RealHashName, string>> = {};
  for (const [name, file, re] of LITERALS) {
    const m = (await Deno.readTextFile(`${w.packageDir}/${file}`)).match(re);
    assert.ok(m, `no ${name} hash literal in ${file}`);
    out[name] = m[1];
  }
  return out as Record<RealHashName, string>;
}

/** Sets the given literals: the old value, where its pattern finds it, is replaced by the new
 * one (two literals may hold the same placeholder, so by position, not by a file-wide search). */
async function setLiterals(w: RealWorld, hashes: Partial<Record<RealHashName, string>>) {
  for (const [name, file, re] of LITERALS) {
    const to = hashes[name];
    if (to === undefined) continue;
    const path = `${w.packageDir}/${file}`;
    const text = await Deno.readTextFile(path);
    const m = text.match(re);
    assert.ok(m && m.index !== undefined, `no ${name} hash literal in ${file}`);
    const end = m.index + m[0].length - 1; // the closing quote
    const start = end - m[1].length;
    await Deno.writeTextFile(path, text.slice(0, start) + to + text.slice(end));
  }
}

async function currentVersion(w: RealWorld): Promise<string> {
  const m = (await Deno.readTextFile(`${w.packageDir}/sources.nix`)).match(/version = "([^"]+)"/);
  assert.ok(m, "no version in sources.nix");
  return m[1];
}

/** nix-build in the package dir with ONLY PATH and the world's env: what the bot gives builds. */
function nixBuild(w: RealWorld, args: string[]) {
  return $({
    cwd: w.packageDir,
    nothrow: true,
    quiet: true,
    env: { PATH: "/usr/bin:/bin", NO_COLOR: "1", ...w.env },
  })`nix-build ${args} --no-out-link 2>&1`;
}

interface Mismatch {
  specified: string;
  got: string;
}

/** Hash mismatches in a nix-build log, by derivation name (store hash and .drv stripped). */
function mismatches(log: string): Record<string, Mismatch> {
  const re =
    /hash mismatch in fixed-output derivation '\/nix\/store\/[0-9a-z]{32}-([^']+)\.drv':\s*\n\s*specified:\s*(\S+)\s*\n\s*got:\s*(\S+)/g;
  return Object.fromEntries(
    [...log.matchAll(re)].map((m) => [m[1], { specified: m[2], got: m[3] }]),
  );
}

async function withWorld(fn: (w: RealWorld) => Promise<void>): Promise<void> {
  const w = await realWorld({ source: "source" in found ? found.source : undefined });
  try {
    await fn(w);
  } finally {
    await w.cleanup();
  }
}

Deno.test({
  name: "real test-build.nix (via getFlake) and default.nix build every attribute offline",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      const version = await currentVersion(w);
      assert.ok(w.releases.includes(version), `the mirrors have no release ${version}`);
      const sources = await Deno.readTextFile(`${w.packageDir}/sources.nix`);
      assert.ok(sources.includes(`url = "${FORGE_MIRRORS}authentik.git"`), sources);
      assert.match(
        await Deno.readTextFile(`${w.packageDir}/test-build.nix`),
        /builtins\.getFlake "nixpkgs"/,
      );

      // getFlake "nixpkgs" resolves to this world's stand-in, through the registry.
      const flake = await $({
        nothrow: true,
        quiet: true,
        env: { PATH: "/usr/bin:/bin", ...w.env },
      })`nix-instantiate --eval --json -E ${'(builtins.getFlake "nixpkgs").legacyPackages.x86_64-linux.uv.name'}`;
      assert.equal(flake.exitCode, 0, flake.stderr);
      assert.equal(JSON.parse(flake.stdout), "uv-offline-stub");

      const expected = await w.expectedHashes(version);
      await setLiterals(w, expected);
      assert.deepEqual(await readLiterals(w), expected);
      // Nothing but the hash literals changed.
      const diff = (await $({ cwd: w.repo, quiet: true })`git diff -U0`).stdout;
      const changed = diff.split("\n").filter((l) => /^[-+](?![-+])/.test(l));
      assert.equal(changed.length, 2 * LITERALS.length, diff);
      for (const l of changed) {
        assert.match(l, /^[-+]\s*(hash|outputHash|vendorHash|"x86_64-linux") = "sha256-/);
      }

      const all = await nixBuild(w, ["test-build.nix", "--keep-going"]);
      assert.equal(all.exitCode, 0, all.stdout);
      const outs = all.stdout.split("\n").filter((l) => l.startsWith("/nix/store/"));
      const names = outs.map((p) => p.replace(/^\/nix\/store\/[0-9a-z]{32}-/, "")).sort();
      assert.deepEqual(names, [
        "authentik-assembled-" + version,
        "authentik-client-go-3." + version,
        "authentik-client-ts-" + version,
        "authentik-django-" + version,
        "authentik-python-deps-" + version,
        "authentik-server-" + version,
        "authentik-webui-" + version,
        "authentik-webui-deps-" + version,
      ]);
      // The generic fixed-output builders hold exactly the lock file.
      const py = outs.find((p) => p.endsWith("-authentik-python-deps-" + version))!;
      assert.deepEqual([...Deno.readDirSync(py)].map((e) => e.name), ["uv.lock"]);
      // The assembled stack links the fully wired components.
      const assembled = outs.find((p) => p.includes("-authentik-assembled-"))!;
      assert.deepEqual(
        [...Deno.readDirSync(assembled)].map((e) => e.name).sort(),
        ["authentik-django", "authentik-server", "webui"],
      );
      const server = await Deno.readTextFile(
        `${assembled}/authentik-server/nix-support/stand-in`,
      );
      assert.match(server, /-authentik-django-/); // postPatch's ${authentik-django} is an input

      const image = await nixBuild(w, ["default.nix"]);
      assert.equal(image.exitCode, 0, image.stdout);
      const tarball = image.stdout.trim().split("\n").at(-1)!;
      assert.match(tarball, /^\/nix\/store\/[0-9a-z]{32}-authentik\.tar\.gz$/);
      const config = JSON.parse(
        (await $({ quiet: true })`tar -xzOf ${tarball} ./config.json`).stdout,
      );
      assert.match(config.Entrypoint[0], /-authentik-entrypoint$/);
      assert.equal(config.User, "65534");
      const paths = (await $({ quiet: true })`tar -xzOf ${tarball} ./store-paths`).stdout;
      assert.match(paths, new RegExp(`-authentik-django-${version.replaceAll(".", "\\.")}\n`));
      assert.match(paths, /-ak\n/);
    }),
});

Deno.test({
  name: "real files: placeholder hashes give real mismatches naming the got hash",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      const version = await currentVersion(w);
      const h = await w.expectedHashes(version);

      // Every literal a placeholder: only the sources can build, the rest depends on them.
      await setLiterals(w, Object.fromEntries(LITERALS.map(([n]) => [n, FAKE])));
      const first = await nixBuild(w, ["test-build.nix", "--keep-going"]);
      assert.notEqual(first.exitCode, 0);
      assert.deepEqual(mismatches(first.stdout), {
        "authentik": { specified: FAKE, got: h.src },
        "authentik-client-go": { specified: FAKE, got: h["client-go-src"] },
      });

      // Sources right: the dependency FODs report theirs, in one --keep-going build.
      await setLiterals(w, { "src": h.src, "client-go-src": h["client-go-src"] });
      const second = await nixBuild(w, ["test-build.nix", "--keep-going"]);
      assert.notEqual(second.exitCode, 0);
      assert.deepEqual(mismatches(second.stdout), {
        [`authentik-python-deps-${version}`]: { specified: FAKE, got: h["python-deps"] },
        [`authentik-webui-deps-${version}`]: { specified: FAKE, got: h["webui-deps"] },
        [`authentik-server-${version}-go-modules`]: {
          specified: FAKE,
          got: h["authentik-server-go-modules"],
        },
      });
    }),
});

Deno.test({
  name: "real files: expected hashes follow the lock files between releases, as nix-build finds",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      const [a, b, c] = ["2026.2.0", "2026.3.0", "2026.5.0"];
      const [ha, hb, hc] = [
        await w.expectedHashes(a),
        await w.expectedHashes(b),
        await w.expectedHashes(c),
      ];
      for (const n of ["src", "client-go-src", "python-deps", "authentik-server-go-modules"]) {
        const k = n as RealHashName;
        assert.notEqual(ha[k], hb[k], `${k} ${a} vs ${b}`);
        assert.notEqual(hb[k], hc[k], `${k} ${b} vs ${c}`);
      }
      // web/package-lock.json is the same in 2026.2.0 and 2026.3.0.
      assert.equal(ha["webui-deps"], hb["webui-deps"]);
      assert.notEqual(hb["webui-deps"], hc["webui-deps"]);

      // Releases added later get hashes too: new uv.lock and go.sum, same npm lock as 2026.5.0.
      await w.addRelease({ version: "2026.6.0" });
      assert.equal(w.releases.at(-1), "2026.6.0");
      const hd = await w.expectedHashes("2026.6.0");
      assert.notEqual(hd["python-deps"], hc["python-deps"]);
      assert.equal(hd["webui-deps"], hc["webui-deps"]);

      // nix-build agrees at 2026.3.0: bump the version, set the sources' hashes, keep
      // webui-deps' (unchanged) and reset the others to placeholders.
      const from = await currentVersion(w);
      for (const file of ["sources.nix", "default.nix"]) {
        const path = `${w.packageDir}/${file}`;
        const text = await Deno.readTextFile(path);
        assert.ok(text.includes(`version = "${from}"`), file);
        await Deno.writeTextFile(path, text.replace(`version = "${from}"`, `version = "${b}"`));
      }
      await setLiterals(w, {
        "src": hb.src,
        "client-go-src": hb["client-go-src"],
        "python-deps": FAKE,
        "webui-deps": ha["webui-deps"],
        "authentik-server-go-modules": FAKE,
      });
      const r = await nixBuild(w, [
        "test-build.nix",
        "--keep-going",
        "-A",
        "python-deps",
        "-A",
        "webui-deps",
        "-A",
        "authentik-server",
      ]);
      assert.notEqual(r.exitCode, 0);
      assert.deepEqual(mismatches(r.stdout), {
        [`authentik-python-deps-${b}`]: { specified: FAKE, got: hb["python-deps"] },
        [`authentik-server-${b}-go-modules`]: {
          specified: FAKE,
          got: hb["authentik-server-go-modules"],
        },
      });
      // webui-deps, with its unchanged hash, was built by that run (nix-build lists no outputs
      // when another build failed): building it again finds it.
      const web = await nixBuild(w, ["test-build.nix", "-A", "webui-deps"]);
      assert.equal(web.exitCode, 0, web.stdout);
      assert.doesNotMatch(web.stdout, /building '[^']*-authentik-webui-deps-/);
    }),
});

Deno.test({
  name: "real files build over ssh with the world's settings from the test sshd's SetEnv",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      await setLiterals(w, await w.expectedHashes(await currentVersion(w)));
      const sshd = await startSshd({ setEnv: w.sshdEnv });
      try {
        const ssh = $({ nothrow: true, quiet: true });
        const env = await ssh`ssh -F ${sshd.sshConfig} root@127.0.0.1 printenv NIX_PATH`;
        assert.equal(env.stdout.trim(), w.sshdEnv.NIX_PATH, env.stderr);
        const remote = `cd '${w.packageDir}' && nix-build test-build.nix -A client-go ` +
          `-A webui-deps --no-out-link 2>&1`;
        const r = await ssh`ssh -F ${sshd.sshConfig} root@127.0.0.1 ${remote}`;
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /-authentik-client-go-3\.[\d.]+\n/);
      } finally {
        await sshd.stop();
      }
    }),
});

Deno.test({
  name: "real files: a stale source hash silently reuses the old source (the pitfall)",
  ignore,
  fn: () =>
    withWorld(async (w) => {
      const [a, b] = ["2026.2.0", "2026.3.0"];
      const [ha, hb] = [await w.expectedHashes(a), await w.expectedHashes(b)];
      await setLiterals(w, ha);
      const first = await nixBuild(w, ["test-build.nix", "-A", "python-deps"]);
      assert.equal(first.exitCode, 0, first.stdout);
      // Bump the version only: fetchgit's output is named "authentik" whatever the rev, so the
      // 2026.2.0 source is reused and python-deps (a new name) is built from the old uv.lock.
      for (const file of ["sources.nix", "default.nix"]) {
        const path = `${w.packageDir}/${file}`;
        const text = await Deno.readTextFile(path);
        await Deno.writeTextFile(path, text.replace(`version = "${a}"`, `version = "${b}"`));
      }
      await setLiterals(w, { "python-deps": FAKE });
      const stale = await nixBuild(w, ["test-build.nix", "-A", "python-deps"]);
      assert.deepEqual(mismatches(stale.stdout), {
        [`authentik-python-deps-${b}`]: { specified: FAKE, got: ha["python-deps"] },
      });
      assert.notEqual(ha["python-deps"], hb["python-deps"]);
    }),
});
