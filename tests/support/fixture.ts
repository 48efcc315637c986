// Generated test fixture: local git mirrors of authentik and its Go client, plus a
// small blumeops-shaped target repository whose containers/authentik/*.nix build
// against the offline <nixpkgs> stand-in in tests/nixpkgs.
//
// What it is for: what the real repository (tests/support/real_world.ts, cloned from
// ../shared/blumeops.bundle) cannot show: hostile and broken variations (failing
// builds, non-reproducible FODs, malformed files), other layouts, and fast forge
// tests that need no flake registry. Where both cover the same thing, the real
// repository's tests are the ones that count.
//
// Everything lives in one temp dir. Hashes are computed without Nix builds
// (see expectedHashes), so tests can compare them with what Nix reports.

import { $ } from "zx";
import {
  copyTemplate,
  EXEC,
  goModulesTree,
  hashGitTree,
  hashTree,
  readBlob,
  sha256Base64,
  templateDir,
  writeTree,
} from "./trees.ts";
import { notesFile, releaseNotes } from "./real_world.ts";

export interface FixtureRelease {
  version: string;
  /** Also tag v3.<version> in the client-go mirror (default true). */
  clientGo?: boolean;
  /** uv.lock contents; default derived from the version. */
  pythonLock?: string;
  /** go.sum contents; default derived from the version. */
  goSum?: string;
  /** web/package-lock.json contents; default a constant (webui-deps unchanged between releases). */
  npmLock?: string;
}

export type HashName =
  | "src"
  | "client-go-src"
  | "python-deps"
  | "webui-deps"
  | "authentik-server-go-modules";

export interface Fixture {
  root: string;
  mirrorsDir: string;
  repo: string;
  nixPath: string;
  buildArgs: string[];
  addRelease(r: FixtureRelease): Promise<void>;
  /** The hashes at `version`, as built on `system` (only webui-deps differs between systems). */
  expectedHashes(version: string, system?: string): Promise<Record<HashName, string>>;
  cleanup(): Promise<void>;
}

export interface FixtureOptions {
  releases?: FixtureRelease[];
  current?: string;
  mirrorUrl?: (name: string) => string;
}

/** Absolute path of the <nixpkgs> stand-in. */
export const NIX_PATH_DIR = new URL("../nixpkgs", import.meta.url).pathname;

/** The placeholder-free aarch64 hash in webui-deps.nix: any valid hash the bot must leave alone. */
export const AARCH64_WEBUI_HASH = "sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=";

/** The step of python-deps.nix's build that tests replace to make the build fail, wait or vary. */
export const PYTHON_DEPS_COPY = "cp $src/uv.lock $out/uv.lock";

/** An edit of python-deps.nix (for commitEdit): `script` runs in place of PYTHON_DEPS_COPY. */
export function replacePythonDepsCopy(script: string): (text: string) => string {
  return (text) => {
    // Replacing nothing would leave the build as it was and the test testing nothing.
    if (!text.includes(PYTHON_DEPS_COPY)) throw new Error(`no "${PYTHON_DEPS_COPY}" to replace`);
    return text.replace(PYTHON_DEPS_COPY, script);
  };
}

export const USER_NAME = "Erich Blume";
export const USER_EMAIL = "blume@example.org";

// Fixture git commands must not depend on the host's git config (default
// branch, signing, identity), so they run with none.
const gitEnv = (extra: Record<string, string> = {}) => ({
  ...Deno.env.toObject(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  ...extra,
});

const mirrorIdentity = {
  GIT_AUTHOR_NAME: "authentik mirror",
  GIT_AUTHOR_EMAIL: "mirror@example.org",
  GIT_COMMITTER_NAME: "authentik mirror",
  GIT_COMMITTER_EMAIL: "mirror@example.org",
};

const git = (cwd: string, extra: Record<string, string> = {}, nothrow = false) =>
  $({ cwd, env: gitEnv(extra), quiet: true, nothrow });

// ---------------------------------------------------------------- hashes --

// The trees the dependency FODs write (see python-deps.nix, webui-deps.nix
// and buildGoModule in tests/nixpkgs), re-derived here in TypeScript so the
// expected hashes do not come from the builders under test.

/** python-deps: uv.lock plus the sorted package names (`sed` + `LC_ALL=C sort`). */
export function pythonDepsTree(uvLock: string): Record<string, string> {
  const names = uvLock.split("\n").flatMap((l) => {
    const m = l.match(/^name = "(.*)"$/);
    return m ? [m[1]] : [];
  }).sort();
  return { "uv.lock": uvLock, "installed.txt": names.map((n) => n + "\n").join("") };
}

/** webui-deps: the lock file, also where npm ci leaves its copy, and the system it was built for
 * (npm fetches each platform's native binaries: the output differs between systems). */
export function webuiDepsTree(npmLock: string, system: string): Record<string, string> {
  return {
    "package-lock.json": npmLock,
    "node_modules/.package-lock.json": npmLock,
    "platform": `${system}\n`,
  };
}

// --------------------------------------------------------- mirror content --

export function defaultPythonLock(version: string): string {
  const month = version.split(".")[1] ?? "0";
  return `version = 1
revision = 3
requires-python = "==3.14.*"

[[package]]
name = "authentik"
version = "${version}"
source = { editable = "." }
dependencies = [
    { name = "django" },
    { name = "gunicorn" },
]

[[package]]
name = "django"
version = "5.2.${month}"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "gunicorn"
version = "23.0.0"
source = { registry = "https://pypi.org/simple" }
`;
}

export async function defaultGoSum(version: string): Promise<string> {
  const h = (s: string) => sha256Base64(s);
  return [
    `github.com/spf13/cobra v1.9.1 h1:${await h("cobra")}`,
    `github.com/spf13/cobra v1.9.1/go.mod h1:${await h("cobra/go.mod")}`,
    `goauthentik.io/api/v3 v3.${version} h1:${await h(`api ${version}`)}`,
    `goauthentik.io/api/v3 v3.${version}/go.mod h1:${await h(`api ${version}/go.mod`)}`,
    "",
  ].join("\n");
}

export const DEFAULT_NPM_LOCK = `{
  "name": "@goauthentik/web",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "@goauthentik/web",
      "dependencies": {
        "lit": "^3.3.0"
      }
    },
    "node_modules/lit": {
      "version": "3.3.0",
      "resolved": "https://registry.npmjs.org/lit/-/lit-3.3.0.tgz",
      "integrity": "sha512-DGVsqsOIHBww2DqnuZzW7QsuCdahp50ojuDaBPC7jUDRpYoH0z7kHBBYZewRzer75FwtrkmkKk7iOAwSaWdBmw=="
    }
  }
}
`;

interface Locks {
  pythonLock: string;
  goSum: string;
  npmLock: string;
}

async function resolveLocks(r: FixtureRelease): Promise<Locks> {
  return {
    pythonLock: r.pythonLock ?? defaultPythonLock(r.version),
    goSum: r.goSum ?? await defaultGoSum(r.version),
    npmLock: r.npmLock ?? DEFAULT_NPM_LOCK,
  };
}

/** The release's series notes where authentik keeps them, with a "Fixed in" section per patch
 * up to it (earlier series' files stay in the tree, as authentik's do). */
function notesOf(version: string): Record<string, string> {
  if (version.includes("-")) return {};
  const [major, minor, patch] = version.split(".");
  const patches = Array.from({ length: Number(patch) }, (_, i) => `${major}.${minor}.${i + 1}`);
  return { [notesFile(version)]: releaseNotes(`${major}.${minor}`, patches) };
}

function authentikTree(version: string, locks: Locks): Record<string, string> {
  return {
    ...notesOf(version),
    // Mentions the version so the src hash changes with every release.
    "README.md": `# authentik\n\nThe authentication glue you need. Release ${version}.\n`,
    "authentik/__init__.py": `"""authentik core package"""\n\n__version__ = "${version}"\n`,
    "cmd/server/main.go": `package main\n\nfunc main() {}\n`,
    ["lifecycle/ak" + EXEC]:
      `#!/usr/bin/env bash\n# authentik ${version} lifecycle entry point\nexec python -m lifecycle.migrate "$@"\n`,
    "uv.lock": locks.pythonLock,
    "web/package-lock.json": locks.npmLock,
    "go.mod":
      `module goauthentik.io\n\ngo 1.25\n\nrequire (\n\tgithub.com/spf13/cobra v1.9.1\n\tgoauthentik.io/api/v3 v3.${version}\n)\n`,
    "go.sum": locks.goSum,
  };
}

function clientGoTree(version: string): Record<string, string> {
  return {
    "README.md": `# client-go\n\nGenerated Go client for the authentik API ${version}.\n`,
    "go.mod": `module goauthentik.io/api/v3\n\ngo 1.23\n`,
    "client.go":
      `package api\n\n// Version of the authentik API this client was generated from.\nconst Version = "${version}"\n`,
  };
}

// ------------------------------------------------------- target repository --

export type RepoHashes = Record<HashName, string>;

/** containers/authentik/sources.nix in exactly the shape the bot edits. */
export function sourcesNix(version: string, h: RepoHashes, url: (n: string) => string): string {
  return `{ pkgs }:
let
  version = "${version}";
in
{
  inherit version;
  src = pkgs.fetchgit {
    url = "${url("authentik")}";
    rev = "version/\${version}";
    hash = "${h.src}";
  };
  client-go-src = pkgs.fetchgit {
    url = "${url("authentik-client-go")}";
    rev = "v3.\${version}";
    hash = "${h["client-go-src"]}";
  };
}
`;
}

function authentikNixFiles(version: string, h: RepoHashes, url: (n: string) => string) {
  return {
    "sources.nix": sourcesNix(version, h, url),
    "default.nix": `# The authentik package for the container image, built from source.
# See docs/how-to/authentik/build-authentik-from-source.md.
{
  pkgs ? import <nixpkgs> { },
}:
let
  # CI greps this line to tag the container image: keep it in sync with
  # sources.nix.
  version = "${version}";
  sources = import ./sources.nix { inherit pkgs; };
  python-deps = import ./python-deps.nix { inherit pkgs sources; };
  webui-deps = import ./webui-deps.nix { inherit pkgs sources; };
  client-go = import ./client-go.nix { inherit pkgs sources; };
  webui = import ./webui.nix { inherit pkgs sources webui-deps; };
  authentik-django = import ./authentik-django.nix { inherit pkgs sources python-deps webui; };
  authentik-server = import ./authentik-server.nix {
    inherit pkgs sources client-go authentik-django webui;
  };
in
pkgs.runCommand "authentik-\${version}"
  {
    server = authentik-server;
    django = authentik-django;
    inherit webui;
  }
  ''
    mkdir -p $out/bin
    # The ak wrapper: Go server in front, Django lifecycle behind it.
    printf '#!/bin/sh\\nexport PATH=%s/lifecycle:$PATH\\nexec %s/bin/authentik "$@"\\n' "$django" "$server" > $out/bin/ak
    chmod +x $out/bin/ak
    ln -s $webui $out/web
  ''
`,
    "python-deps.nix": `# Python dependencies of authentik, installed by \`uv sync --frozen\` in a
# fixed-output derivation: the hash changes whenever uv.lock changes.
{ pkgs, sources }:
pkgs.stdenv.mkDerivation {
  pname = "authentik-python-deps";
  inherit (sources) version src;
  buildCommand = ''
    mkdir -p $out
    ${PYTHON_DEPS_COPY}
    sed -n 's/^name = "\\(.*\\)"$/\\1/p' $src/uv.lock | LC_ALL=C sort > $out/installed.txt
  '';
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = "${h["python-deps"]}";
}
`,
    "webui-deps.nix":
      `# Node dependencies of the web UI (\`npm ci\`), a fixed-output derivation with
# one hash per platform (npm fetches each platform's native binaries).
{
  pkgs ? import <nixpkgs> { },
  sources ? import ./sources.nix { inherit pkgs; },
}:
pkgs.stdenv.mkDerivation {
  pname = "authentik-webui-deps";
  inherit (sources) version src;
  buildCommand = ''
    mkdir -p $out/node_modules
    cp $src/web/package-lock.json $out/package-lock.json
    cp $src/web/package-lock.json $out/node_modules/.package-lock.json
    echo "$system" > $out/platform
  '';
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = {
    "x86_64-linux" = "${h["webui-deps"]}";
    "aarch64-linux" = "${AARCH64_WEBUI_HASH}";
  }.\${pkgs.system} or (throw "webui-deps: unsupported system \${pkgs.system}");
}
`,
    "client-go.nix": `# The pre-generated Go API client (goauthentik/client-go), injected into the
# Go server's vendor directory.
{ pkgs, sources }:
pkgs.runCommand "authentik-client-go-\${sources.version}" { src = sources.client-go-src; } ''
  mkdir -p $out
  cp -r --no-preserve=mode $src/. $out/
''
`,
    "webui.nix": `# The web UI (esbuild + rollup), built from src with the webui-deps
# node_modules.
{
  pkgs,
  sources,
  webui-deps,
}:
pkgs.stdenv.mkDerivation {
  pname = "authentik-webui";
  inherit (sources) version src;
  deps = webui-deps;
  buildCommand = ''
    # npm ci refuses node_modules installed from another lock file.
    if ! cmp -s $deps/package-lock.json $src/web/package-lock.json; then
      echo "npm error: $deps does not match web/package-lock.json" >&2
      exit 1
    fi
    mkdir -p $out/dist $out/authentik
    echo "console.log('authentik webui $version');" > $out/dist/index.js
  '';
}
`,
    "authentik-django.nix": `# The Django backend: site-packages from python-deps plus the in-tree
# packages and lifecycle scripts.
{
  pkgs,
  sources,
  python-deps,
  webui,
}:
pkgs.stdenv.mkDerivation {
  pname = "authentik-django";
  inherit (sources) version src;
  inherit webui;
  deps = python-deps;
  buildCommand = ''
    if ! cmp -s $deps/uv.lock $src/uv.lock; then
      echo "error: $deps was installed from a different uv.lock than $src" >&2
      exit 1
    fi
    mkdir -p $out/lifecycle
    cp $deps/installed.txt $out/installed.txt
    printf '#!/bin/sh\\necho "authentik-django %s"\\n' "$version" > $out/lifecycle/ak
    chmod +x $out/lifecycle/ak
  '';
}
`,
    "authentik-server.nix": `# The Go server (cmd/server), with the generated API client in place of
# vendor/goauthentik.io/api/v3.
{
  pkgs,
  sources,
  client-go,
  authentik-django,
  webui,
}:
pkgs.buildGoModule {
  pname = "authentik-server";
  inherit (sources) version src;
  vendorHash = "${h["authentik-server-go-modules"]}";
  subPackages = [ "cmd/server" ];
  # apiGoVendorHook swaps in the client after the vendorHash check, so the
  # hash only reflects go.sum.
  apiClient = client-go;
  lifecycle = "\${authentik-django}/lifecycle";
  web = webui;
  CGO_ENABLED = "0";
  postInstall = ''
    mv $out/bin/server $out/bin/authentik
  '';
}
`,
    "test-build.nix": `# Builds each component on its own, e.g.
#   nix-build test-build.nix -A python-deps
let
  pkgs = import <nixpkgs> { };
  sources = import ./sources.nix { inherit pkgs; };
  python-deps = import ./python-deps.nix { inherit pkgs sources; };
  webui-deps = import ./webui-deps.nix { inherit pkgs sources; };
  client-go = import ./client-go.nix { inherit pkgs sources; };
  webui = import ./webui.nix { inherit pkgs sources webui-deps; };
  authentik-django = import ./authentik-django.nix { inherit pkgs sources python-deps webui; };
  authentik-server = import ./authentik-server.nix {
    inherit pkgs sources client-go authentik-django webui;
  };
in
{
  inherit (sources) src client-go-src;
  inherit
    python-deps
    webui-deps
    client-go
    authentik-server
    authentik-django
    webui
    ;
  assembled = import ./default.nix { inherit pkgs; };
}
`,
  };
}

/** The target's service-versions.yaml, with comments and quoting to keep. */
export function serviceVersionsYaml(version: string): string {
  return `# Versions of the services deployed from this repository.
# current-version: what runs now; last-reviewed: when upstream was last checked.

- name: argocd
  current-version: "v3.1.8"
  last-reviewed: 2026-02-14
  upstream-source: https://github.com/argoproj/argo-cd

# Built from source, see containers/authentik/.
- name: authentik
  current-version: "${version}"
  last-reviewed: 2026-03-01
  upstream-source: https://github.com/goauthentik/authentik
`;
}

/** The target's overview card of the from-source build. */
export function buildCard(version: string): string {
  return `---
title: Build Authentik from Source
modified: 2026-03-01
tags:
  - how-to
  - authentik
  - nix
---

# Build Authentik from Source

authentik ${version} is built from source with plain Nix files in
\`containers/authentik/\`, fetching from the forge mirrors
(\`mirrors/authentik\`, \`mirrors/authentik-client-go\`). See
[[authentik-nix-build-components]] for the derivations.

## Updating the Version

1. Set \`version\` in \`sources.nix\` and \`default.nix\`.
2. Reset every fixed-output hash (sources, python-deps, webui-deps,
   vendorHash) and rebuild with \`test-build.nix\` to learn the new ones.
3. Update \`service-versions.yaml\`.

## Related

- [[authentik-nix-build-components]] — the component derivations
- [[deploy-authentik]] — deployment
`;
}

function repoFiles(version: string, h: RepoHashes, url: (n: string) => string) {
  const nix = Object.fromEntries(
    Object.entries(authentikNixFiles(version, h, url)).map((
      [k, v],
    ) => [`containers/authentik/${k}`, v]),
  );
  return {
    "README.md":
      "# blumeops\n\nGitOps for Erich's homelab: services, containers and their docs.\n\n" +
      "- `containers/` — container images, some built from source with Nix\n" +
      "- `docs/` — how-to cards, explanations and the changelog\n",
    "service-versions.yaml": serviceVersionsYaml(version),
    "docs/changelog.d/.gitkeep": "",
    "docs/how-to/authentik/build-authentik-from-source.md": buildCard(version),
    "docs/how-to/authentik/authentik-nix-build-components.md": `---
title: Authentik Nix Build Components
modified: 2026-03-01
tags:
  - how-to
  - authentik
  - nix
---

# Authentik Nix Build Components

The derivations behind authentik ${version}. See [[build-authentik-from-source]]
for the version update workflow.

- **Python backend**: \`python-deps.nix\` (FOD, \`uv sync\`; hash follows
  \`uv.lock\`) and \`authentik-django.nix\`.
- **Web UI**: \`webui-deps.nix\` (FOD, \`npm ci\`; per-platform hash) and
  \`webui.nix\`.
- **Go server**: \`authentik-server.nix\` (\`buildGoModule\`; \`vendorHash\`
  follows \`go.sum\`) with the client from \`client-go.nix\`.

## Testing on Ringtail

\`nix-build test-build.nix -A <component>\` in a copy of \`containers/authentik/\`.

## Related

- [[build-authentik-from-source]] — parent overview
`,
    ...nix,
  };
}

// ------------------------------------------------------------------ fixture --

/** The fixture's repositories, each bare under `git/` and fed from a work tree under `work/`. */
const REPOSITORIES = ["mirrors/authentik", "mirrors/authentik-client-go", "eblume/blumeops"];

/** The mirrors of a fixture (bare repositories under `root/git`, each fed from a work tree under
 * `root/work`): adding a release to them and the hashes a release's FODs must get. */
function mirrorsIn(root: string) {
  const mirrorsDir = `${root}/git`;
  const bare = (name: string) => `${mirrorsDir}/${name}.git`;
  const work = (name: string) => `${root}/work/${name}`;

  async function create(): Promise<void> {
    // Each mirror is a bare repo fed from a work tree next to it.
    for (const name of REPOSITORIES) {
      await Deno.mkdir(bare(name), { recursive: true });
      await git(bare(name))`git init -q --bare --initial-branch=main`;
      await Deno.mkdir(work(name), { recursive: true });
      await git(work(name))`git init -q --initial-branch=main`;
      await git(work(name))`git remote add origin ${bare(name)}`;
    }
  }

  const hasTag = async (repo: string, tag: string) =>
    (await git(repo, {}, true)`git rev-parse -q --verify ${"refs/tags/" + tag}`).exitCode === 0;

  async function commitAndTag(name: string, files: Record<string, string>, tag: string) {
    const dir = work(name);
    await writeTree(dir, files);
    await git(dir, mirrorIdentity)`git add -A`;
    await git(dir, mirrorIdentity)`git commit -q --allow-empty -m ${"Release " + tag}`;
    await git(dir)`git tag ${tag}`;
    await git(dir)`git push -q origin main ${"refs/tags/" + tag}`;
  }

  // A tag that already exists is skipped, so addRelease({version, clientGo:
  // true}) after an earlier clientGo: false only adds the late client-go tag.
  async function addRelease(r: FixtureRelease): Promise<void> {
    const locks = await resolveLocks(r);
    const tag = `version/${r.version}`;
    if (!await hasTag(bare("mirrors/authentik"), tag)) {
      await commitAndTag("mirrors/authentik", authentikTree(r.version, locks), tag);
    }
    const goTag = `v3.${r.version}`;
    if (r.clientGo !== false && !await hasTag(bare("mirrors/authentik-client-go"), goTag)) {
      await commitAndTag("mirrors/authentik-client-go", clientGoTree(r.version), goTag);
    }
  }

  // Materialise each FOD's output tree from the mirrors and hash it.
  async function expectedHashes(
    version: string,
    system = "x86_64-linux",
  ): Promise<Record<HashName, string>> {
    const tmp = await Deno.makeTempDir({ dir: root, prefix: "expected-" });
    try {
      const tag = `version/${version}`;
      const a = "mirrors/authentik";
      return {
        "src": await hashGitTree(bare(a), tag, `${tmp}/src`),
        "client-go-src": await hashGitTree(
          bare("mirrors/authentik-client-go"),
          `v3.${version}`,
          `${tmp}/cg`,
        ),
        "python-deps": await hashTree(
          `${tmp}/py`,
          pythonDepsTree(await readBlob(bare(a), tag, "uv.lock")),
        ),
        "webui-deps": await hashTree(
          `${tmp}/web`,
          webuiDepsTree(await readBlob(bare(a), tag, "web/package-lock.json"), system),
        ),
        "authentik-server-go-modules": await hashTree(
          `${tmp}/go`,
          goModulesTree(await readBlob(bare(a), tag, "go.sum")),
        ),
      };
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  }

  return { mirrorsDir, bare, work, create, addRelease, expectedHashes };
}

/** The mirrors holding some releases, built once per test file and copied into each fixture that
 * starts with the same releases: one `cp` instead of some fifty git and nix-hash processes.
 * `hashes`: what the FODs get at a release, read from the template, whose tags no test moves. */
interface MirrorTemplate {
  root: string;
  hashes: Map<string, Promise<RepoHashes>>;
}

const templates = new Map<string, Promise<MirrorTemplate>>();

function mirrorTemplate(releases: FixtureRelease[]): Promise<MirrorTemplate> {
  const key = JSON.stringify(releases);
  let template = templates.get(key);
  if (!template) {
    template = (async () => {
      const root = await templateDir("upgrade-bot-fixture-template-");
      const m = mirrorsIn(root);
      await m.create();
      for (const r of releases) await m.addRelease(r);
      return { root, hashes: new Map() };
    })();
    templates.set(key, template);
  }
  return template;
}

function templateHashes(t: MirrorTemplate, version: string): Promise<RepoHashes> {
  let hashes = t.hashes.get(version);
  if (!hashes) {
    hashes = mirrorsIn(t.root).expectedHashes(version);
    t.hashes.set(version, hashes);
  }
  return hashes;
}

export async function makeFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const releases = opts.releases ?? [{ version: "2026.2.0" }, { version: "2026.5.0" }];
  const current = opts.current ?? "2026.2.0";
  if (!releases.some((r) => r.version === current)) {
    throw new Error(`makeFixture: current ${current} is not among the releases`);
  }
  const template = await mirrorTemplate(releases);

  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-fixture-" });
  // Builds run as nixbld users, which must read the mirrors.
  await Deno.chmod(root, 0o755);
  await copyTemplate(
    template.root,
    root,
    ["git", "work"],
    REPOSITORIES.map((name) => `work/${name}/.git/config`),
  );
  const m = mirrorsIn(root);
  const url = opts.mirrorUrl ?? ((name: string) => `file://${m.bare(`mirrors/${name}`)}`);

  // The target repository at `current`, with its correct hashes.
  const target = m.work("eblume/blumeops");
  const author = {
    GIT_AUTHOR_NAME: USER_NAME,
    GIT_AUTHOR_EMAIL: USER_EMAIL,
    GIT_COMMITTER_NAME: USER_NAME,
    GIT_COMMITTER_EMAIL: USER_EMAIL,
  };
  await writeTree(target, repoFiles(current, await templateHashes(template, current), url));
  await git(target, author)`git add -A`;
  await git(target, author)`git commit -q -m ${`Build authentik ${current} from source`}`;
  await git(target)`git push -q origin main`;
  const repo = `${root}/blumeops`;
  await git(root)`git clone -q ${m.bare("eblume/blumeops")} ${repo}`;

  return {
    root,
    mirrorsDir: m.mirrorsDir,
    repo,
    nixPath: NIX_PATH_DIR,
    buildArgs: ["-I", `nixpkgs=${NIX_PATH_DIR}`, "--option", "substituters", ""],
    addRelease: m.addRelease,
    expectedHashes: m.expectedHashes,
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}
