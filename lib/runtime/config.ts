// Configuration: what the bot is told, read from the YAML file over the site's defaults.
import YAML from "yaml";
import type { UpgradePath } from "../nix/versions.ts";
import { defaultConfig, packageDefaults, SERVICE_VERSIONS_FILE } from "../site/defaults.ts";
import { InputError } from "./errors.ts";
import { CONFIG_SCHEMA, firstProblem, type RawConfig, type RawLocation } from "./config_schema.ts";

/** Where a literal lives: a file of the package directory, the attribute key holding it and, when
 * the key occurs more than once in that file, a text inside the attribute set that holds it. */
export interface LiteralLocation {
  file: string;
  key: string;
  within?: string;
}

/** One fixed-output hash the bot harvests. */
export interface HashSpec extends LiteralLocation {
  name: string;
  /** Which assignment of `key` in `file`, when discovery found it (see LiteralQuery.index). */
  index?: number;
  /** An extra attribute path of `build.file` to build for it, when the build does not reach it. */
  attr?: string;
  /** Or a Nix expression, evaluated in the package directory, that builds it. */
  expr?: string;
}

/** One entry of `packages:` as the file gives it: what cannot be discovered, and what may differ. */
export interface PackageEntry {
  name: string;
  dir: string;
  /** How it is built: nix (hashes harvested, the C2 chain) or dockerfile (the ARG moved, a C1
   * pull request); nix unless discovery found a Dockerfile package. */
  kind?: PackageKind;
  /** The version on the base branch, as this run's scan read it (never from a config file). */
  version?: string;
  mirrors: { repo: string; tag: string }[];
  /** kind application: the ArgoCD Application files whose targetRevision moves. */
  applications?: string[];
  chain?: string;
  cards_dir?: string;
  release_notes?: string | null;
  service_versions?: { file?: string; name?: string } | null;
  upgrade_path?: UpgradePath;
  min_release_age?: string | null;
}

/** The follow-through after merge: where the built image is looked for, and what moves its tag. */
export interface DeployConfig {
  /** The registry's base URL; its OCI distribution API is `<url>/v2/`. */
  registry_url: string;
  /** The image as the manifest names it; `{name}` is the package's name. */
  image: string;
  /** The tag the repository's workflow pushes: `{version}` and `{sha7}` (the merge commit's). */
  tag: string;
  /** The kustomization whose `newTag` of `image` the follow-up pull request sets (`{name}`). */
  manifest: string;
  /** The environment variable holding `user:password` for the registry; null: anonymous. */
  credentials_env: string | null;
}

export type PackageKind = "nix" | "dockerfile" | "application";

/** The build settings every package of the run shares. */
export interface BuildSettings {
  args: string[];
  max_jobs: number | "auto" | null;
  /** Per system, the machine (Nix's distributed builds, `--builders`) that builds its per-system
   * hashes; empty: the builder's own nix.conf `builders`. */
  builders: Record<string, string>;
  timeout_seconds: number;
  max_rounds: number;
  heartbeat_seconds: number;
  /** Environment variables builds may see besides PATH, HOME, locale and NIX_* (never a secret). */
  env: string[];
}

/** What the whole run shares: the config's keys that are not one package's, and the command
 * line's choices (the builder it names, --dry-run, --no-build). */
export interface Settings {
  /** The config file read, or "built-in defaults". */
  source: string;
  /** No package named (no `package`, `packages`, `mirrors`, `version`, `hashes` or `chain`): the
   * repository's containers are scanned for every package built from a forge mirror. */
  scan: boolean;
  builder: string;
  dryRun: boolean;
  noBuild: boolean;
  build: BuildSettings;
  ssh: { config_file: string | null; options: string[] };
  git: { author_name: string; author_email: string };
  log_dir: string | null;
  forge: {
    url: string;
    repo: string;
    base: string;
    token_env: string;
    sync_mirrors: boolean;
    timeout_seconds: number;
    retries: number;
    /** Retries wait 1, 4, 9 ... times this. */
    retry_seconds: number;
  };
  prereleases: boolean;
  /** How many packages a run upgrades at the same time (each in its own clone). */
  packages_at_once: number;
  /** Who may comment /rebuild (and /upgrade): people with write, admin or owner permission, and
   * these logins. */
  rebuild: { allow: string[] };
  /** The one issue the bot keeps with every service's state (lib/dashboard); null: none. */
  dashboard: { title: string } | null;
  webhook: { secret_env: string; max_body_bytes: number };
  lock: { dir: string | null; wait_seconds: number; stale_seconds: number };
  /** null: no follow-through after merge. */
  deploy: DeployConfig | null;
}

/** One package: the top-level keys of a single-package config, or one entry of `packages:` over
 * the shared keys. Empty lists are filled in by discovery (lib/nix/layout.ts). */
export interface PackageSpec {
  name: string;
  dir: string;
  /** How it is built: nix (hashes harvested, the C2 chain) or dockerfile (the ARG moved, a C1
   * pull request); nix unless discovery found a Dockerfile package. */
  kind?: PackageKind;
  /** The version on the base branch, when this run's scan read it there. */
  base_version?: string;
  /** kind application: the ArgoCD Application files whose targetRevision moves. */
  applications?: string[];
  /** The version copies; empty: every `version = "X.Y.Z"` literal of the package's files. */
  version: LiteralLocation[];
  /** The hashes to harvest; empty: every hash literal of the package's files not pinned. */
  hashes: HashSpec[];
  build: {
    /** The file to build; empty: test-build.nix when the package has one, else default.nix. */
    file: string;
    /** Attributes of `file` to build; empty: all of it. */
    verify: string[];
  };
  chain: string;
  /** The release mirrors: the first is the package's own; a version is ready when every mirror
   * has its tag. `tag` holds `{version}`. */
  mirrors: { repo: string; tag: string }[];
  cards_dir: string;
  service_versions: { file: string; name: string } | null;
  /** How the package moves between release series; null: the site's default for its name
   * (upgradePath in lib/site/defaults.ts). */
  upgrade_path: UpgradePath | null;
  /** A release younger than this (`3d`) waits; null: taken as soon as its tags exist. */
  min_release_age: string | null;
  /** Where the package's own mirror keeps a release's notes in its tree, a path with `{year}`,
   * `{major}`, `{minor}`, `{patch}`, `{version}` (lib/upstream/notes.ts); null: none. */
  release_notes: string | null;
}

/** The config file as read over the site's defaults: the run's settings (but the command line's
 * choices) and either the single package's keys or `packages:`. */
export interface Config extends Omit<Settings, "build" | "dryRun" | "noBuild"> {
  /** Several packages (`packages:`); null: the single package of the top-level keys. */
  packages: PackageEntry[] | null;
  /** `version`: the version on the base branch, when this run's scan read it there. */
  package: { name: string; dir: string; kind?: PackageKind; version?: string };
  version: LiteralLocation[];
  hashes: HashSpec[];
  build: BuildSettings & PackageSpec["build"];
  chain: string;
  mirrors: { repo: string; tag: string }[];
  cards_dir: string;
  service_versions: { file: string; name: string } | null;
  upgrade_path: UpgradePath | null;
  min_release_age: string | null;
  release_notes: string | null;
}

export const DEFAULT_CONFIG_FILE = "upgrade-bot.yaml";

/** Reads and validates a config file; a missing file is only fine when it was not asked for. */
export async function loadConfig(path: string | undefined): Promise<Config> {
  const file = path ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && path === undefined) return defaultConfig();
    throw new InputError(`${file}: cannot read config file: ${(e as Error).message}`);
  }
  return parseConfig(text, file);
}

/** Parses config YAML over the defaults; every error names the file and the key. */
export function parseConfig(text: string, file: string): Config {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const config = defaultConfig();
  config.source = file;
  if (doc === null || doc === undefined) return config;
  const parsed = CONFIG_SCHEMA.safeParse(doc);
  if (!parsed.success) {
    const { key, message } = firstProblem(parsed.error.issues);
    throw new InputError(`${file}: ${key || "top level"}: ${message}`);
  }
  return applyConfig(config, parsed.data);
}

/** The file's values over the defaults, with paths and URLs in their canonical form. */
function applyConfig(config: Config, raw: RawConfig): Config {
  const path = (p: string) => p.replace(/\/+$/, "");
  const location = (l: RawLocation, key: string): LiteralLocation =>
    typeof l === "string" ? { file: path(l), key } : {
      file: path(l.file),
      key: l.key ?? key,
      ...(l.within === undefined ? {} : { within: l.within }),
    };
  const { package: pkg, build, ssh, git, forge, lock, webhook } = raw;
  Object.assign(config.package, pkg, pkg?.dir === undefined ? {} : { dir: path(pkg.dir) });
  if (raw.version) config.version = raw.version.map((l) => location(l, "version"));
  if (raw.hashes) {
    config.hashes = raw.hashes.map(({ name, attr, expr, ...l }) => ({
      name,
      ...location(l, "hash"),
      ...(attr === undefined ? {} : { attr }),
      ...(expr === undefined ? {} : { expr }),
    }));
  }
  Object.assign(config.build, build, build?.file === undefined ? {} : { file: path(build.file) });
  if (raw.builder !== undefined) config.builder = raw.builder;
  Object.assign(config.ssh, ssh);
  if (raw.chain !== undefined) config.chain = raw.chain;
  Object.assign(config.git, git);
  if (raw.log_dir !== undefined) config.log_dir = raw.log_dir;
  Object.assign(config.forge, forge, forge?.url === undefined ? {} : { url: path(forge.url) });
  if (raw.mirrors) config.mirrors = raw.mirrors;
  if (raw.prereleases !== undefined) config.prereleases = raw.prereleases;
  if (raw.packages_at_once !== undefined) config.packages_at_once = raw.packages_at_once;
  if (raw.upgrade_path !== undefined) config.upgrade_path = raw.upgrade_path;
  if (raw.min_release_age !== undefined) config.min_release_age = raw.min_release_age;
  if (raw.cards_dir !== undefined) config.cards_dir = path(raw.cards_dir);
  if (raw.release_notes !== undefined) config.release_notes = raw.release_notes;
  if (raw.service_versions !== undefined) {
    const s = raw.service_versions;
    config.service_versions = s === null ? null : {
      file: path(s.file ?? SERVICE_VERSIONS_FILE),
      name: s.name ?? config.package.name,
    };
  }
  config.scan = !raw.packages &&
    (["package", "version", "hashes", "chain", "mirrors"] as const).every((k) =>
      raw[k] === undefined
    );
  if (raw.packages) {
    const single = ([
      "package",
      "version",
      "hashes",
      "chain",
      "mirrors",
      "cards_dir",
      "release_notes",
    ] as const)
      .filter((k) => raw[k] !== undefined);
    if (single.length) {
      throw new InputError(
        `${config.source}: ${single[0]}: not with "packages" (give it per package, or leave ` +
          `"packages" out for one package)`,
      );
    }
    const listless = raw.packages.find((p) => p.kind === "application" && !p.applications);
    if (listless) {
      throw new InputError(
        `${config.source}: packages: ${listless.name}: kind application needs "applications" ` +
          `(its Application files)`,
      );
    }
    config.packages = raw.packages.map((p) => ({
      ...p,
      dir: path(p.dir),
      ...(p.cards_dir === undefined ? {} : { cards_dir: path(p.cards_dir) }),
    }));
  }
  if (raw.deploy === null) config.deploy = null;
  else if (raw.deploy) {
    Object.assign(config.deploy!, raw.deploy);
    config.deploy!.registry_url = path(config.deploy!.registry_url);
  }
  Object.assign(config.rebuild, raw.rebuild);
  if (raw.dashboard === null) config.dashboard = null;
  else if (raw.dashboard) Object.assign(config.dashboard!, raw.dashboard);
  Object.assign(config.webhook, webhook);
  Object.assign(config.lock, lock);
  const secrets = [config.forge.token_env, config.webhook.secret_env];
  if (config.deploy?.credentials_env) secrets.push(config.deploy.credentials_env);
  for (const secret of secrets) {
    if (config.build.env.includes(secret)) {
      throw new InputError(
        `${config.source}: build.env: ${secret} holds a secret of the bot: builds never see it`,
      );
    }
  }
  return config;
}

/** The run's settings: the config's shared keys, with the command line's choices. */
export function runSettings(
  config: Config,
  choices: { builder?: string; dryRun?: boolean; noBuild?: boolean } = {},
): Settings {
  const {
    build,
    source,
    scan,
    ssh,
    git,
    log_dir,
    forge,
    prereleases,
    packages_at_once,
    rebuild,
    dashboard,
    webhook,
    lock,
    deploy,
  } = structuredClone(config);
  const { file: _file, verify: _verify, ...shared } = build;
  return {
    source,
    scan,
    builder: choices.builder ?? config.builder,
    dryRun: choices.dryRun ?? false,
    noBuild: choices.noBuild ?? false,
    build: shared,
    ssh,
    git,
    log_dir,
    forge,
    prereleases,
    packages_at_once,
    rebuild,
    dashboard,
    webhook,
    lock,
    deploy,
  };
}

/** The packages of the config: the single package of the top-level keys, or each entry of
 * `packages:` with its own defaults (chain, cards, service entry: lib/site). */
export function packageSpecs(config: Config): PackageSpec[] {
  const build = { file: config.build.file, verify: [...config.build.verify] };
  if (!config.packages) {
    const { name, dir, kind, version } = config.package;
    return [structuredClone({
      name,
      dir,
      ...(kind ? { kind } : {}),
      ...(version ? { base_version: version } : {}),
      version: config.version,
      hashes: config.hashes,
      build,
      chain: config.chain,
      mirrors: config.mirrors,
      cards_dir: config.cards_dir,
      service_versions: config.service_versions,
      upgrade_path: config.upgrade_path,
      min_release_age: config.min_release_age,
      release_notes: config.release_notes,
    })];
  }
  return config.packages.map((p) => {
    const own = packageDefaults(p.name);
    // The shared file, the package's own entry (its name) unless the package says otherwise.
    const ownSv = p.service_versions;
    const shared = config.service_versions;
    const service_versions = ownSv === null || (ownSv === undefined && shared === null) ? null : {
      file: ownSv?.file ?? shared?.file ?? SERVICE_VERSIONS_FILE,
      name: ownSv?.name ?? p.name,
    };
    return {
      name: p.name,
      dir: p.dir,
      ...(p.kind ? { kind: p.kind } : {}),
      ...(p.version ? { base_version: p.version } : {}),
      ...(p.applications ? { applications: [...p.applications] } : {}),
      version: [],
      hashes: [],
      build: structuredClone(build),
      mirrors: p.mirrors,
      chain: p.chain ?? own.chain,
      cards_dir: p.cards_dir ?? own.cards_dir,
      release_notes: p.release_notes === undefined ? own.release_notes : p.release_notes,
      service_versions,
      upgrade_path: p.upgrade_path ?? config.upgrade_path,
      min_release_age: p.min_release_age === undefined ? config.min_release_age : p.min_release_age,
    };
  });
}

/** The packages a run covers: all, or the one `--package` names. */
export function selectPackages(all: PackageSpec[], source: string, only?: string): PackageSpec[] {
  if (only === undefined) return all;
  const one = all.find((p) => p.name === only);
  if (!one) {
    throw new InputError(
      `--package ${only}: no such package in ${source} (${all.map((p) => p.name).join(", ")})`,
    );
  }
  return [one];
}
