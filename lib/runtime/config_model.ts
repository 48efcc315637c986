// The config's model: the config file's keys, the run's settings and one package, as types; read and resolved by config.ts.
import type { UpgradePath } from "../nix/versions.ts";

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
  /** kind image: the upstream image whose registry tags it follows (lib/images). */
  image?: ImageEntry;
  /** kind dockerfile with no mirror: where its new versions come from (lib/sources). */
  source?: ArgSource;
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
  /** Ask the forge to merge each pin pull request once its checks pass (lib/flow/pins.ts). */
  automerge: boolean;
}

/** A source of new versions: a PyPI project, or an Alpine package in the package indexes
 * (`repositories`: paths under the Alpine mirror such as `edge/community`, or whole URLs). */
export type ArgSource =
  | { kind: "pypi"; name: string }
  | { kind: "alpine"; name: string; repositories: string[] }
  | { kind: "registry"; image: string; tag: string }
  /** `tag` absent: the template under which the current version is a release, settled when the
   * releases are read (lib/sources/github.ts). */
  | { kind: "github"; repo: string; tag?: string };

/** Where each kind of source is reached: a mirror or a cache, else the public one. */
export interface SourceUrls {
  pypi: string;
  alpine: string;
  /** GitHub's REST API (`https://api.github.com`). */
  github: string;
}

export type PackageKind = "nix" | "dockerfile" | "flake" | "application" | "image";

/** An upstream image package: the image, the images moving with it, the manifest directories
 * whose references move, and (read by this run's scan, never from a config file) its tag. */
export interface ImageEntry {
  name: string;
  also?: string[];
  manifests: string[];
  tag?: string;
}

/** The repository's flakes (lib/flake): when their inputs move and what the pull request shows. */
export interface FlakeSettings {
  /** How long after the last update of a lock the next one is due (`7d`). */
  every: string;
  /** The inputs updated; empty: every input that is not a follows or pinned. */
  inputs: string[];
  /** The attribute paths built before and after; empty: each
   * `nixosConfigurations.<host>.config.system.build.toplevel`. */
  outputs: string[];
  /** Service entries of service-versions.yaml moved with a package of the built closure. */
  services: Record<string, string>;
  /** Closure changes listed before the rest is folded. */
  closure_lines: number;
}

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
  /** null: the scan leaves the repository's flakes alone. */
  flakes: FlakeSettings | null;
  /** A registry host (`docker.io`, `ghcr.io`) -> the URL its API is reached at (a mirror, a
   * pull-through cache); a host not named is reached at `https://<host>`. null: the scan leaves
   * upstream images alone. */
  registries: Record<string, string> | null;
  /** Where new versions of a Dockerfile's ARG come from when no forge mirror has them (lib/sources):
   * each source's address (a mirror, a cache; the public one by default). null: the scan leaves
   * such Dockerfiles alone. */
  sources: SourceUrls | null;
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
  /** kind image: its image and where it is referenced. */
  image?: ImageEntry;
  /** kind dockerfile with no mirror: where its new versions come from (lib/sources). */
  source?: ArgSource;
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
export interface Config extends
  Omit<Settings, "build" | "dryRun" | "noBuild">,
  Pick<
    PackageSpec,
    | "version"
    | "hashes"
    | "chain"
    | "mirrors"
    | "cards_dir"
    | "service_versions"
    | "upgrade_path"
    | "min_release_age"
    | "release_notes"
  > {
  /** Several packages (`packages:`); null: the single package of the top-level keys. */
  packages: PackageEntry[] | null;
  /** `version`: the version on the base branch, when this run's scan read it there. */
  package: { name: string; dir: string; kind?: PackageKind; version?: string };
  build: BuildSettings & PackageSpec["build"];
}
