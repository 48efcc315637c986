// Configuration: what the bot is told, read from the YAML file over the site's defaults (its model: config_model.ts).
import YAML from "yaml";
import { defaultConfig, packageDefaults, SERVICE_VERSIONS_FILE } from "../site/defaults.ts";
import { InputError } from "./errors.ts";
import { CONFIG_SCHEMA, firstProblem, type RawConfig, type RawLocation } from "./config_schema.ts";
import type { Config, LiteralLocation, PackageSpec, Settings } from "./config_model.ts";

// The model's types, from where the rest of the bot imports them.
export type {
  BuildSettings,
  Config,
  DeployConfig,
  FlakeSettings,
  HashSpec,
  LiteralLocation,
  PackageEntry,
  PackageKind,
  PackageSpec,
  Settings,
} from "./config_model.ts";

export const DEFAULT_CONFIG_FILE = "upgrade-bot.yaml";

/** Reads and validates a config file; a missing file is only fine when it was not asked for. */
export async function loadConfig(
  path: string | undefined,
  /** Where the default file is looked for (the working directory). */
  dir = ".",
): Promise<Config> {
  const file = path ?? (dir === "." ? DEFAULT_CONFIG_FILE : `${dir}/${DEFAULT_CONFIG_FILE}`);
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
      mirrors: p.mirrors ?? [],
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
  if (raw.registries === null) config.registries = null;
  else if (raw.registries) {
    config.registries = Object.fromEntries(
      Object.entries(raw.registries).map(([host, url]) => [host, url.replace(/\/+$/, "")]),
    );
  }
  if (raw.sources === null) config.sources = null;
  else if (raw.sources) {
    config.sources = { ...config.sources!, ...raw.sources };
    for (const k of ["pypi", "alpine", "github"] as const) {
      config.sources[k] = config.sources[k].replace(/\/+$/, "");
    }
  }
  if (raw.flakes === null) config.flakes = null;
  else if (raw.flakes) config.flakes = { ...config.flakes!, ...raw.flakes };
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
    flakes,
    registries,
    sources,
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
    flakes,
    registries,
    sources,
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
      ...(p.image ? { image: structuredClone(p.image) } : {}),
      ...(p.source ? { source: structuredClone(p.source) } : {}),
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
