// Test world for the REAL eblume/blumeops repository: a clone of it (never a
// copy in this project: it is GPL-3.0 and not ours) whose unchanged
// containers/authentik/*.nix evaluate and build offline against a private
// copy of the nixpkgs stand-in (tests/nixpkgs), with local git mirrors of
// authentik and its Go client in place of https://forge.ops.eblu.me/mirrors/.
//
//   const src = realRepoSource();            // { source } or { skip: why }
//   const w = await realWorld();             // clone, mirrors, stand-in copy
//   nix-build test-build.nix   in w.packageDir, with w.env in the environment
//   await w.expectedHashes("2026.2.0");      // what each FOD must get
//   await w.cleanup();
//
// Everything lives in one temp dir. Expected hashes are computed without Nix
// builds (trees re-derived here in TypeScript, hashed with nix-hash), so tests
// can compare them with what nix-build reports.

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

import { resolve } from "node:path";
import { compareVersions } from "../../lib/nix/versions.ts";

/** Where the real sources.nix fetches from; rewritten to the local mirrors. */
export const FORGE_MIRRORS = "https://forge.ops.eblu.me/mirrors/";
/** The package inside the repository. */
export const PACKAGE_DIR = "containers/authentik";

/** The stand-in this world copies. */
const STAND_IN_DIR = new URL("../nixpkgs/", import.meta.url).pathname;
/** shared/blumeops.bundle next to the project checkout. */
const DEFAULT_BUNDLE = new URL("../../../shared/blumeops.bundle", import.meta.url).pathname;

/** The fixed-output derivations of the real package, keyed as the bot names them. */
export type RealHashName =
  | "src"
  | "client-go-src"
  | "python-deps"
  | "webui-deps"
  | "authentik-server-go-modules";

export interface RealRelease {
  version: string;
  /** Also tag v3.<version> in the client-go mirror (default true). */
  clientGo?: boolean;
  /** uv.lock contents; default derived from the version (see defaultLocks). */
  uvLock?: string;
  /** web/package-lock.json contents; default from the version's npm dependency set. */
  npmLock?: string;
  /** go.sum contents; default derived from the version. */
  goSum?: string;
  /** The release commits' date (GIT_COMMITTER_DATE), which the forge reports as the tag's
   * commit date: a release's age (min_release_age). Default: now. */
  date?: Date;
  /** Where the web UI lives in this release (default `web`): a release that moves it breaks the
   * derivations' `sourceRoot` after the bump, a failure a person fixes on the branch. */
  webDir?: string;
}

export interface RealWorldOptions {
  /** The repository to clone (path, bundle or URL); default realRepoSource()'s. */
  source?: string;
  /** Releases in the mirrors, tagged in this order; default DEFAULT_RELEASES. */
  releases?: RealRelease[];
  /** Seconds every FOD builder sleeps, standing for download time (the benchmark's): written
   * into the stand-in copy's site.nix, so it reaches every build, local or remote. */
  fodSleep?: number;
}

export interface RealWorld {
  /** The temp dir holding everything below. */
  root: string;
  /** What was cloned. */
  source: string;
  /** Work clone of the repository, `main` checked out, origin = `remote`. */
  repo: string;
  /** A bare clone of the source (so pushes have somewhere to go). */
  remote: string;
  /** `${repo}/containers/authentik`. */
  packageDir: string;
  /** Bare mirrors: `${mirrorsDir}/authentik.git`, `${mirrorsDir}/authentik-client-go.git`. */
  mirrorsDir: string;
  /** This world's copy of the stand-in (with site.nix): NIX_PATH's nixpkgs and the registry's. */
  nixpkgs: string;
  /** nix.conf with the same settings as NIX_CONFIG (for NIX_USER_CONF_FILES). */
  nixConf: string;
  /** Environment for processes that run nix-build locally: NIX_CONFIG and NIX_PATH. Sufficient
   * on its own (with PATH): builds need nothing else from the caller's environment. */
  env: Record<string, string>;
  /** The same settings without newlines (NIX_USER_CONF_FILES, NIX_PATH), for a test sshd's
   * SetEnv (startSshd({ setEnv })): ssh does not pass the client's environment. */
  sshdEnv: Record<string, string>;
  /** Versions tagged in the authentik mirror, in tag order. */
  releases: string[];
  addRelease(r: RealRelease): Promise<void>;
  /** Moves `version`'s tag in the authentik mirror to a new commit on top of it (a README line
   * more), as an upstream that re-tags a release would; the commits before and after. */
  moveTag(version: string): Promise<{ was: string; now: string }>;
  /** A mirror `mirrors/<name>` (created on first use) with a small release commit per tag, in this
   * order; a tag it has already is skipped. `files`: more files of the tag's tree (a
   * CHANGELOG.md). */
  addMirrorTags(
    name: string,
    tags: string[],
    files?: (tag: string) => Record<string, string>,
  ): Promise<void>;
  /** SRI hashes the FODs must get at `version`, computed without the builders under test. */
  expectedHashes(version: string): Promise<Record<RealHashName, string>>;
  cleanup(): Promise<void>;
}

/** Three releases (and an rc) whose lock files differ, except web/package-lock.json, identical
 * in 2026.2.0 and 2026.3.0 (and in 2026.5.0-rc1 and 2026.5.0), so webui-deps keeps its hash. */
export const DEFAULT_RELEASES: RealRelease[] = [
  { version: "2026.2.0" },
  { version: "2026.3.0" },
  { version: "2026.5.0-rc1" },
  { version: "2026.5.0" },
];

/** The mirrors of the real repository's Dockerfile containers, as its Dockerfiles clone them (the
 * mirror's name and the tag of the version in the Dockerfile), each with a newer release, some
 * with a release candidate (newer than the release, or between): what the bot should propose. */
export const DOCKER_MIRRORS: {
  container: string;
  mirror: string;
  tags: string[];
  /** The release a run without pre-releases proposes, as the Dockerfile's ARG will say it. */
  next: string;
}[] = [
  { container: "loki", mirror: "loki", tags: ["v3.6.5", "v3.7.0-rc.1", "v3.7.0"], next: "3.7.0" },
  {
    container: "miniflux",
    mirror: "miniflux",
    tags: ["2.2.17", "2.2.18", "2.3.0-rc1"],
    next: "2.2.18",
  },
  { container: "homepage", mirror: "homepage", tags: ["v1.10.1", "v1.11.0"], next: "v1.11.0" },
  {
    container: "navidrome",
    mirror: "navidrome",
    tags: ["v0.60.3", "v0.61.0", "v0.62.0-beta.1"],
    next: "v0.61.0",
  },
  { container: "prometheus", mirror: "prometheus", tags: ["v3.9.1", "v3.10.0"], next: "v3.10.0" },
  { container: "teslamate", mirror: "teslamate", tags: ["v3.0.0", "v3.1.0"], next: "v3.1.0" },
  {
    container: "grafana-sidecar",
    mirror: "kiwigrid-grafana-sidecar",
    tags: ["1.28.0", "1.28.1-rc.1", "1.29.0"],
    next: "1.29.0",
  },
];

// ------------------------------------------------------------ the source --

/** The repository to test against, or why there is none. `$BLUMEOPS_REPO` (a path, bundle or
 * URL) wins; else shared/blumeops.bundle beside the project checkout. */
/** The real repository's sources out of reach offline, each turned off in a test's config: the
 * ringtail flake's inputs (GitHub; their own test: tests/flow/flake.test.ts), the upstream images'
 * registries (Docker Hub, ghcr.io ...), PyPI and the Alpine index (the last two stood in for in
 * tests/support/whole_world.ts). */
export const OFFLINE = { flakes: null, sources: null, registries: null } as const;

/** OFFLINE as the lines of a config file. */
export const OFFLINE_LINES = Object.keys(OFFLINE).map((key) => `${key}: null`);

export function realRepoSource(): { source: string } | { skip: string } {
  const env = Deno.env.get("BLUMEOPS_REPO");
  if (env) {
    if (isUrl(env)) return { source: env };
    return exists(env)
      ? { source: env }
      : { skip: `BLUMEOPS_REPO=${env} does not exist (give a path, bundle or URL of blumeops)` };
  }
  if (exists(DEFAULT_BUNDLE)) return { source: DEFAULT_BUNDLE };
  return {
    skip: `no copy of eblume/blumeops: set BLUMEOPS_REPO to a path, bundle or URL of it ` +
      `(${DEFAULT_BUNDLE} does not exist)`,
  };
}

/** A URL or scp-like address (user@host:path) rather than a local path. */
function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/]+@[^/]+:/.test(s);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------- git --

// No host git config (default branch, signing, identity, URL rewrites): every
// git command here runs with none, identities come from the environment.
const gitEnv = (extra: Record<string, string> = {}) => ({
  ...Deno.env.toObject(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
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

// The trees the dependency FODs write (tests/nixpkgs/default.nix), re-derived
// here so the expected hashes do not come from the builders under test.

/** Generic fixed-output builder (python-deps: uv -> uv.lock; webui-deps: nodejs_24 ->
 * package-lock.json at sourceRoot web/): exactly the lock file. */
export function lockOnlyTree(name: string, text: string): Record<string, string> {
  return { [name]: text };
}

// --------------------------------------------------------- mirror content --

export interface Locks {
  uvLock: string;
  npmLock: string;
  goSum: string;
}

/** Python dependencies per release (django moves every release). */
const PYTHON_DEPS: Record<string, Record<string, string>> = {
  "2026.2.0": { django: "5.2.11", gunicorn: "23.0.0", lxml: "6.0.2", psycopg: "3.3.2" },
  "2026.3.0": { django: "5.2.12", gunicorn: "23.0.0", lxml: "6.0.2", psycopg: "3.3.2" },
  "2026.5.0-rc1": { django: "6.0.1", gunicorn: "24.0.0", lxml: "6.0.2", psycopg: "3.3.3" },
  "2026.5.0": { django: "6.0.2", gunicorn: "24.0.0", lxml: "6.0.2", psycopg: "3.3.3" },
};
const NPM_A = { "lit": "3.3.1", "@patternfly/elements": "4.2.0", "esbuild": "0.25.10" };
const NPM_B = { "lit": "3.3.2", "@patternfly/elements": "4.3.0", "esbuild": "0.27.0" };
const NPM_DEPS: Record<string, Record<string, string>> = {
  "2026.2.0": NPM_A,
  "2026.3.0": NPM_A,
  "2026.5.0-rc1": NPM_B,
  "2026.5.0": NPM_B,
};
const GO_DEPS: Record<string, Record<string, string>> = {
  "2026.2.0": { "github.com/spf13/cobra": "v1.9.1", "github.com/getsentry/sentry-go": "v0.35.3" },
  "2026.3.0": { "github.com/spf13/cobra": "v1.9.1", "github.com/getsentry/sentry-go": "v0.36.0" },
  "2026.5.0-rc1": {
    "github.com/spf13/cobra": "v1.10.1",
    "github.com/getsentry/sentry-go": "v0.36.1",
  },
  "2026.5.0": { "github.com/spf13/cobra": "v1.10.1", "github.com/getsentry/sentry-go": "v0.36.2" },
};

/** uv.lock: the project itself (at `version`, as in upstream's lock) and its dependencies. */
export function uvLock(version: string, deps: Record<string, string>): string {
  const names = Object.keys(deps).sort();
  return [
    `version = 1\nrevision = 3\nrequires-python = "==3.14.*"\n`,
    `[[package]]\nname = "authentik"\nversion = "${version}"\nsource = { editable = "." }\n` +
    `dependencies = [\n${names.map((n) => `    { name = "${n}" },\n`).join("")}]\n`,
    ...names.map((n) =>
      `[[package]]\nname = "${n}"\nversion = "${deps[n]}"\n` +
      `source = { registry = "https://pypi.org/simple" }\n`
    ),
  ].join("\n");
}

/** web/package-lock.json (the web package's own version is not in it: 0.0.0 upstream). */
export function npmLock(deps: Record<string, string>): string {
  const names = Object.keys(deps).sort();
  const packages: Record<string, unknown> = {
    "": { name: "@goauthentik/web", version: "0.0.0", dependencies: deps },
  };
  for (const n of names) {
    packages[`node_modules/${n}`] = {
      version: deps[n],
      resolved: `https://registry.npmjs.org/${n}/-/${n.split("/").at(-1)}-${deps[n]}.tgz`,
    };
  }
  return JSON.stringify(
    { name: "@goauthentik/web", version: "0.0.0", lockfileVersion: 3, requires: true, packages },
    null,
    2,
  ) + "\n";
}

/** go.sum: the dependencies plus goauthentik.io/api/v3 at v3.<version>. */
export async function goSum(version: string, deps: Record<string, string>): Promise<string> {
  const all: Record<string, string> = { ...deps, "goauthentik.io/api/v3": `v3.${version}` };
  const lines: string[] = [];
  for (const m of Object.keys(all).sort()) {
    lines.push(`${m} ${all[m]} h1:${await sha256Base64(`${m}@${all[m]}`)}`);
    lines.push(`${m} ${all[m]}/go.mod h1:${await sha256Base64(`${m}@${all[m]}/go.mod`)}`);
  }
  return lines.join("\n") + "\n";
}

/** The lock files of a release: the tables above for the default releases; for others,
 * the newest dependency sets (so only uv.lock's and go.sum's version lines move). */
export async function defaultLocks(version: string): Promise<Locks> {
  return {
    uvLock: uvLock(version, PYTHON_DEPS[version] ?? PYTHON_DEPS["2026.5.0"]),
    npmLock: npmLock(NPM_DEPS[version] ?? NPM_B),
    goSum: await goSum(version, GO_DEPS[version] ?? GO_DEPS["2026.5.0"]),
  };
}

/** Where authentik keeps a release series' notes (lib/site's release_notes default). */
export function notesFile(version: string): string {
  const [major, minor] = version.split(".");
  return `website/docs/releases/${major}/v${major}.${minor}.md`;
}

/** A series' notes as authentik writes them (front matter, MDX import, ## sections, a "Fixed in"
 * section per patch release so far), each line naming the series so tests can tell them apart. */
export function releaseNotes(series: string, patches: string[]): string {
  return [
    `---\ntitle: Release ${series}\nslug: "/releases/${series}"\n---\n`,
    `import Tabs from "@theme/Tabs";\n`,
    `:::info\nThe ${series} release of authentik.\n:::\n`,
    `## Highlights\n\n- ${series} highlight: passkeys everywhere (#12345), thanks @someone.\n`,
    `## Breaking changes\n\n- ${series} breaking: the \`/api/v2\` endpoints are gone.\n`,
    `## New features\n\n- ${series} feature: <Tabs>a tab</Tabs>\n`,
    `## Upgrading\n\n${series} upgrading: back up the database first. Upgrades MUST happen in ` +
    `order.\n`,
    ...patches.map((p) => `## Fixed in ${p}\n\n- ${p} fix: core: fix a crash (#13001)\n`),
  ].join("\n");
}

/** The notes files of the tree at `version`: every stable series released up to it (as
 * authentik's tree keeps them all), with the patches released so far. */
function notesTree(released: string[], version: string): Record<string, string> {
  const stable = [...released, version].filter((v) =>
    !v.includes("-") && compareVersions(v, version) <= 0
  );
  const bySeries = new Map<string, string[]>();
  for (const v of [...new Set(stable)].sort(compareVersions)) {
    const series = v.split(".").slice(0, 2).join(".");
    bySeries.set(series, [...bySeries.get(series) ?? [], v]);
  }
  return Object.fromEntries(
    [...bySeries].map(([series, versions]) => [
      notesFile(versions[0]),
      releaseNotes(series, versions.filter((v) => !v.endsWith(".0"))),
    ]),
  );
}

/** An authentik tree with what the real derivations read or patch (lock files, schema.yml,
 * the files their postPatch/installPhase name), a few lines each, and its release notes. */
function authentikTree(
  version: string,
  locks: Locks,
  notes: Record<string, string>,
): Record<string, string> {
  return {
    ...notes,
    "README.md": `# authentik\n\nThe authentication glue you need. Release ${version}.\n`,
    "pyproject.toml": `[project]\nname = "authentik"\nversion = "${version}"\n` +
      `requires-python = "==3.14.*"\n`,
    "uv.lock": locks.uvLock,
    ["manage.py" + EXEC]: `#!/usr/bin/env python\n"""Django manage.py"""\n`,
    "schema.yml": `openapi: 3.0.3\ninfo:\n  title: authentik\n  version: ${version}\npaths: {}\n`,
    "authentik/__init__.py": `"""authentik core package"""\n\nVERSION = "${version}"\n`,
    "authentik/root/settings.py":
      `from pathlib import Path\n\nBASE_DIR = Path(__file__).absolute().parent.parent.parent\n`,
    "authentik/lib/default.yml": `blueprints_dir: /blueprints\n`,
    "authentik/stages/email/utils.py": `from pathlib import Path\n\n` +
      `LOGO = Path("web/icons/icon_left_brand.png")\n` +
      `LOGO_DIST = Path("web/dist/assets/icons/icon_left_brand.png")\n`,
    "authentik/rbac/migrations/0010_remove_role_group_alter_role_name.py":
      `dependencies = [\n    ("authentik_rbac", "0009_remove_initialpermissions_mode"),\n]\n`,
    ["lifecycle/ak" + EXEC]: `#!/usr/bin/env -S bash\n# authentik ${version} lifecycle\n` +
      `exec python -m lifecycle.migrate "$@"\n`,
    "blueprints/default/flow-default-authentication-flow.yaml":
      `version: 1\nmetadata:\n  name: Default - Authentication flow\n`,
    "packages/ak-guardian/guardian/__init__.py": `"""ak-guardian"""\n`,
    "packages/django-channels-postgres/django_channels_postgres/__init__.py": `\n`,
    "packages/django-dramatiq-postgres/django_dramatiq_postgres/__init__.py": `\n`,
    "packages/django-postgres-cache/django_postgres_cache/__init__.py": `\n`,
    "scripts/api/ts-config.yaml": `templateDir: /local/scripts/api/templates\n`,
    "go.mod": `module goauthentik.io\n\ngo 1.25\n\nrequire goauthentik.io/api/v3 v3.${version}\n`,
    "go.sum": locks.goSum,
    "cmd/server/main.go": `package main\n\nfunc main() {}\n`,
    "internal/gounicorn/gounicorn.go": `package gounicorn\n\nconst lifecycle = "./lifecycle"\n`,
    "internal/web/static.go": `package web\n\nconst root = "./web"\n`,
    "web/static.go": `package web\n\nconst root = "./web"\n`,
    "web/package.json": `{\n  "name": "@goauthentik/web",\n  "version": "0.0.0",\n` +
      `  "private": true\n}\n`,
    "web/package-lock.json": locks.npmLock,
    "web/packages/core/version/node.js":
      `import PackageJSON from "../../../../package.json" with { type: "json" };\n\n` +
      `export const VERSION = (PackageJSON.version);\n`,
  };
}

function clientGoTree(version: string): Record<string, string> {
  return {
    "README.md": `# authentik-client-go\n\nGo client for the authentik API ${version}.\n`,
    "config.yaml": `packageName: api\npackageVersion: 3.${version}\n` +
      `templateDir: /local/templates\n`,
    "go.mod": `module goauthentik.io/api/v3\n\ngo 1.23\n`,
    "go.sum": "",
    "templates/README.mustache": `# {{packageName}}\n`,
  };
}

// ----------------------------------------------------------------- world --

/** A Nix string literal. */
function nixString(s: string): string {
  return JSON.stringify(s).replaceAll("${", "\\${");
}

export async function realWorld(options: RealWorldOptions = {}): Promise<RealWorld> {
  let source = options.source;
  if (!source) {
    const found = realRepoSource();
    if ("skip" in found) throw new Error(`realWorld: ${found.skip}`);
    source = found.source;
  }
  // git clone runs in the temp dir: a relative path is the caller's.
  if (!isUrl(source)) source = resolve(source);

  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-realworld-" });
  try {
    // Builds run as nixbld users, which must read the mirrors.
    await Deno.chmod(root, 0o755);
    const initial = options.releases ?? DEFAULT_RELEASES;
    const template = await worldTemplate(source, initial);
    return await populate(root, source, initial, options.fodSleep, template);
  } catch (e) {
    await Deno.remove(root, { recursive: true });
    throw e;
  }
}

/** The repository cloned and the mirrors holding some releases, built once per test file and
 * copied into each world that starts from the same source and releases (one `cp`, not a clone of
 * the bundle and some fifty git processes); `releases`: the versions tagged, in order. */
interface WorldTemplate {
  root: string;
  releases: string[];
}

const templates = new Map<string, Promise<WorldTemplate>>();

function worldTemplate(source: string, initial: RealRelease[]): Promise<WorldTemplate> {
  const key = JSON.stringify([source, initial]);
  let template = templates.get(key);
  if (!template) {
    template = (async () => {
      const root = await templateDir("upgrade-bot-realworld-template-");
      const w = await populate(root, source, initial);
      return { root, releases: w.releases };
    })();
    templates.set(key, template);
  }
  return template;
}

/** The mirrors of the world's package, each bare under `git/mirrors/` and fed from `work/`. */
const MIRRORS = ["authentik", "authentik-client-go"];

async function populate(
  root: string,
  source: string,
  initial: RealRelease[],
  fodSleep?: number,
  template?: WorldTemplate,
): Promise<RealWorld> {
  const remote = `${root}/git/eblume/blumeops.git`;
  const repo = `${root}/blumeops`;
  // Under git/, beside eblume/blumeops.git, so the Forgejo stand-in serves them as mirrors/*.
  const mirrorsDir = `${root}/git/mirrors`;
  const bare = (name: string) => `${mirrorsDir}/${name}.git`;
  const work = (name: string) => `${root}/work/${name}`;
  if (template) {
    await copyTemplate(template.root, root, ["git", "work", "blumeops"], [
      "blumeops/.git/config",
      ...MIRRORS.map((name) => `work/${name}/.git/config`),
    ]);
  } else {
    // ---- the repository: a bare clone (origin) and a work clone on main.
    await Deno.mkdir(`${root}/git/eblume`, { recursive: true });
    await git(root)`git clone -q --bare ${source} ${remote}`;
    await git(root)`git clone -q ${remote} ${repo}`;
    const branch = (await git(repo, {}, true)`git symbolic-ref --short HEAD`).stdout.trim();
    if (branch !== "main") {
      await git(repo)`git checkout -q -B main`;
      await git(repo)`git push -q origin main`;
    }
    // ---- the mirrors: bare repos fed from work trees next to them.
    for (const name of MIRRORS) {
      await Deno.mkdir(bare(name), { recursive: true });
      await git(bare(name))`git init -q --bare --initial-branch=main`;
      await Deno.mkdir(work(name), { recursive: true });
      await git(work(name))`git init -q --initial-branch=main`;
      await git(work(name))`git remote add origin ${bare(name)}`;
    }
  }
  const packageDir = `${repo}/${PACKAGE_DIR}`;
  if (!exists(`${packageDir}/sources.nix`)) {
    throw new Error(`realWorld: ${source} has no ${PACKAGE_DIR}/sources.nix`);
  }

  const hasTag = async (name: string, tag: string) =>
    (await git(bare(name), {}, true)`git rev-parse -q --verify ${"refs/tags/" + tag}`)
      .exitCode === 0;

  // Each release replaces the whole tree, so files of older releases do not linger.
  async function commitAndTag(
    name: string,
    files: Record<string, string>,
    tag: string,
    date?: Date,
  ) {
    const dir = work(name);
    for await (const e of Deno.readDir(dir)) {
      if (e.name !== ".git") await Deno.remove(`${dir}/${e.name}`, { recursive: true });
    }
    await writeTree(dir, files);
    const dated: Record<string, string> = date
      ? { GIT_AUTHOR_DATE: date.toISOString(), GIT_COMMITTER_DATE: date.toISOString() }
      : {};
    await git(dir, mirrorIdentity)`git add -A`;
    await git(dir, { ...mirrorIdentity, ...dated })`git commit -q --allow-empty -m ${
      "Release " + tag
    }`;
    await git(dir, mirrorIdentity)`git tag ${tag}`;
    await git(dir)`git push -q origin main ${"refs/tags/" + tag}`;
  }

  async function moveTag(version: string): Promise<{ was: string; now: string }> {
    const dir = work("authentik");
    const tag = `version/${version}`;
    const sha = async () => (await git(dir)`git rev-parse ${tag + "^{commit}"}`).stdout.trim();
    const was = await sha();
    await git(dir)`git checkout -q --detach ${tag}`;
    await Deno.writeTextFile(
      `${dir}/README.md`,
      (await Deno.readTextFile(`${dir}/README.md`)) + "Re-tagged.\n",
    );
    await git(dir, mirrorIdentity)`git commit -qam ${"Re-tag " + tag}`;
    await git(dir, mirrorIdentity)`git tag -f ${tag}`;
    await git(dir)`git push -q -f origin ${"refs/tags/" + tag}`;
    await git(dir)`git checkout -q main`;
    return { was, now: await sha() };
  }

  const releases: string[] = [...template?.releases ?? []];
  const webDirs = new Map<string, string>();
  // A tag that already exists is skipped, so addRelease({version, clientGo: true}) after an
  // earlier clientGo: false only adds the late client-go tag.
  async function addRelease(r: RealRelease): Promise<void> {
    const defaults = await defaultLocks(r.version);
    const locks: Locks = {
      uvLock: r.uvLock ?? defaults.uvLock,
      npmLock: r.npmLock ?? defaults.npmLock,
      goSum: r.goSum ?? defaults.goSum,
    };
    const tag = `version/${r.version}`;
    if (!await hasTag("authentik", tag)) {
      const notes = notesTree(releases, r.version);
      const tree = Object.entries(authentikTree(r.version, locks, notes)).map((
        [path, text],
      ) => [r.webDir && path.startsWith("web/") ? `${r.webDir}/${path.slice(4)}` : path, text]);
      await commitAndTag("authentik", Object.fromEntries(tree), tag, r.date);
      if (r.webDir) webDirs.set(r.version, r.webDir);
      releases.push(r.version);
    }
    const goTag = `v3.${r.version}`;
    if (r.clientGo !== false && !await hasTag("authentik-client-go", goTag)) {
      await commitAndTag("authentik-client-go", clientGoTree(r.version), goTag, r.date);
    }
  }
  if (template) {
    // Tagged in the template: what addRelease noted of each, the first time it was tagged.
    for (const r of initial) {
      if (r.webDir && !webDirs.has(r.version)) webDirs.set(r.version, r.webDir);
    }
  } else {
    for (const r of initial) await addRelease(r);
  }

  async function addMirrorTags(
    name: string,
    tags: string[],
    files?: (tag: string) => Record<string, string>,
  ): Promise<void> {
    if (!exists(bare(name))) {
      await Deno.mkdir(bare(name), { recursive: true });
      await git(bare(name))`git init -q --bare --initial-branch=main`;
      await Deno.mkdir(work(name), { recursive: true });
      await git(work(name))`git init -q --initial-branch=main`;
      await git(work(name))`git remote add origin ${bare(name)}`;
    }
    for (const tag of tags) {
      if (await hasTag(name, tag)) continue;
      await commitAndTag(name, {
        "README.md": `# ${name}\n\nRelease ${tag}.\n`,
        ...files?.(tag),
      }, tag);
    }
  }

  // ---- the stand-in copy, with this world's URL rewrites.
  const nixpkgs = `${root}/nixpkgs`;
  await Deno.mkdir(nixpkgs);
  for await (const e of Deno.readDir(STAND_IN_DIR)) {
    if (e.isFile && e.name !== "site.nix") {
      await Deno.copyFile(`${STAND_IN_DIR}${e.name}`, `${nixpkgs}/${e.name}`);
    }
  }
  await Deno.writeTextFile(
    `${nixpkgs}/site.nix`,
    `# Written by tests/support/real_world.ts: this world's site settings (see default.nix).
{
  gitRewrites = {
    ${nixString(FORGE_MIRRORS)} = ${nixString(`file://${mirrorsDir}/`)};
  };${fodSleep === undefined ? "" : `\n  fodSleep = ${nixString(String(fodSleep))};`}
}
`,
  );

  // ---- Nix settings: flake registry (nixpkgs -> the copy), no substituters.
  await Deno.mkdir(`${root}/nix`);
  const registry = `${root}/nix/registry.json`;
  await Deno.writeTextFile(
    registry,
    JSON.stringify(
      {
        version: 2,
        flakes: [{
          from: { type: "indirect", id: "nixpkgs" },
          to: { type: "path", path: nixpkgs },
        }],
      },
      null,
      2,
    ) + "\n",
  );
  const settings = [
    "experimental-features = nix-command flakes",
    `flake-registry = ${registry}`,
    "substituters =",
  ].join("\n") + "\n";
  const nixConf = `${root}/nix/nix.conf`;
  await Deno.writeTextFile(nixConf, settings);
  const nixPath = `nixpkgs=${nixpkgs}`;

  // Materialise each FOD's output tree from the mirrors and hash it.
  async function expectedHashes(version: string): Promise<Record<RealHashName, string>> {
    const tmp = await Deno.makeTempDir({ dir: root, prefix: "expected-" });
    try {
      const tag = `version/${version}`;
      const a = "authentik";
      return {
        "src": await hashGitTree(bare(a), tag, `${tmp}/src`),
        "client-go-src": await hashGitTree(
          bare("authentik-client-go"),
          `v3.${version}`,
          `${tmp}/cg`,
        ),
        "python-deps": await hashTree(
          `${tmp}/py`,
          lockOnlyTree("uv.lock", await readBlob(bare(a), tag, "uv.lock")),
        ),
        "webui-deps": await hashTree(
          `${tmp}/web`,
          lockOnlyTree(
            "package-lock.json",
            await readBlob(bare(a), tag, `${webDirs.get(version) ?? "web"}/package-lock.json`),
          ),
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

  return {
    root,
    source,
    repo,
    remote,
    packageDir,
    mirrorsDir,
    nixpkgs,
    nixConf,
    env: { NIX_CONFIG: settings, NIX_PATH: nixPath },
    sshdEnv: { NIX_USER_CONF_FILES: nixConf, NIX_PATH: nixPath },
    releases,
    addRelease,
    moveTag,
    addMirrorTags,
    expectedHashes,
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

/** ntfy's mirror: a tree per release with what its derivations read (web/package-lock.json,
 * go.sum), tagged v<version>, under the world's mirrors (served as mirrors/ntfy). */
export async function ntfyMirror(w: RealWorld, versions: string[]): Promise<void> {
  const bare = `${w.mirrorsDir}/ntfy.git`;
  const work = `${w.root}/work/ntfy`;
  const sh = (cwd: string) =>
    git(cwd, {
      GIT_AUTHOR_NAME: "ntfy mirror",
      GIT_AUTHOR_EMAIL: "mirror@example.org",
      GIT_COMMITTER_NAME: "ntfy mirror",
      GIT_COMMITTER_EMAIL: "mirror@example.org",
    });
  await Deno.mkdir(bare, { recursive: true });
  await sh(bare)`git init -q --bare --initial-branch=main`;
  await Deno.mkdir(`${work}/web`, { recursive: true });
  await sh(work)`git init -q --initial-branch=main`;
  for (const version of versions) {
    const minor = Number(version.split(".")[1]);
    await Deno.writeTextFile(
      `${work}/web/package-lock.json`,
      npmLock({ react: `19.${minor}.0`, vite: `7.${minor}.1` }),
    );
    await Deno.writeTextFile(
      `${work}/go.sum`,
      `github.com/urfave/cli/v2 v2.${minor}.0 h1:${btoa(`cli${minor}`)}=\n` +
        `github.com/urfave/cli/v2 v2.${minor}.0/go.mod h1:${btoa(`mod${minor}`)}=\n`,
    );
    await Deno.writeTextFile(`${work}/go.mod`, "module heckel.io/ntfy/v2\n\ngo 1.24\n");
    await Deno.writeTextFile(`${work}/Makefile`, "build:\n\t/bin/echo ntfy\n");
    await Deno.writeTextFile(`${work}/main.go`, `package main // ntfy ${version}\n`);
    await sh(work)`git add -A`;
    await sh(work)`git commit -q -m ${"Release v" + version}`;
    await sh(work)`git tag ${"v" + version}`;
  }
  await sh(work)`git push -q ${bare} main --tags`;
}
