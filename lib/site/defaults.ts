// What is specific to the user's site (blumeops): config defaults, card wording, after-merge steps.
import type { Config, PackageSpec } from "../runtime/config_model.ts";
import type { UpgradePath } from "../nix/versions.ts";

/** Where the repository records each service's deployed version. */
export const SERVICE_VERSIONS_FILE = "service-versions.yaml";

/** The blumeops layout of domain.md: a blumeops checkout needs no config file. */
export function defaultConfig(): Config {
  return {
    source: "built-in defaults",
    packages: null,
    deploy: {
      registry_url: "https://registry.ops.eblu.me",
      image: "registry.ops.eblu.me/blumeops/{name}",
      tag: "v{version}-{sha7}-nix",
      manifest: "argocd/manifests/{name}/kustomization.yaml",
      credentials_env: null,
      automerge: false,
    },
    package: { name: "authentik", dir: "containers/authentik" },
    scan: true,
    // Empty: found in the package's files (lib/nix/discover.ts); config lists override discovery.
    version: [],
    hashes: [],
    build: {
      file: "",
      verify: [],
      args: ["--extra-experimental-features", "nix-command flakes"],
      max_jobs: null,
      builders: {},
      timeout_seconds: 3600,
      max_rounds: 6,
      heartbeat_seconds: 30,
      env: [],
    },
    builder: "ssh://ringtail",
    ssh: { config_file: null, options: [] },
    chain: "upgrade-authentik",
    git: { author_name: "upgrade-bot", author_email: "upgrade-bot@localhost" },
    log_dir: null,
    forge: {
      url: SITE_FORGE_URL,
      repo: "eblume/blumeops",
      base: "main",
      token_env: "FORGE_TOKEN",
      sync_mirrors: false,
      timeout_seconds: 30,
      retries: 3,
      retry_seconds: 1,
    },
    mirrors: [
      { repo: "mirrors/authentik", tag: "version/{version}" },
      { repo: "mirrors/authentik-client-go", tag: "v3.{version}" },
    ],
    prereleases: false,
    packages_at_once: 4,
    upgrade_path: null,
    min_release_age: null,
    release_notes: AUTHENTIK_RELEASE_NOTES,
    cards_dir: "docs/how-to/authentik",
    service_versions: { file: SERVICE_VERSIONS_FILE, name: "authentik" },
    rebuild: { allow: [] },
    dashboard: { title: "Upgrade dashboard" },
    webhook: { secret_env: "WEBHOOK_SECRET", max_body_bytes: 1024 * 1024 },
    lock: { dir: null, wait_seconds: 60, stale_seconds: 6 * 3600 },
    flakes: {
      every: "7d",
      inputs: [],
      outputs: [],
      // ringtail runs the Forgejo runner from its nixpkgs (service-versions.yaml's notes).
      services: { "nix-container-builder": "forgejo-runner" },
      closure_lines: 30,
    },
    registries: {},
    sources: {
      pypi: "https://pypi.org",
      alpine: "https://dl-cdn.alpinelinux.org/alpine",
      github: "https://api.github.com",
    },
  };
}

/** A flake update's branch (a plain C1 branch, as a Dockerfile package's). */
export function flakeBranch(name: string): string {
  return `update-${name}`;
}

/** A flake update's flat changelog fragment. */
export function flakeChangelogPath(name: string): string {
  return `docs/changelog.d/update-${name}.infra.md`;
}

/** The Dockerfile ARG that holds a container's version (the repository's container-version-check
 * and its build workflow read it). */
export const DOCKERFILE_VERSION_ARG = "CONTAINER_APP_VERSION";

/** The file in a package directory whose `ARG <NAME>=<commit>` lines pin a mirror's commit: moved
 * with the version (lib/docker/commit_pins.ts). */
export const PINNED_FILE = "Dockerfile";

/** Copies of the version outside the Nix files, in the package directory, that the repository's
 * container-version-check compares with service-versions.yaml: groups (text before, `v` or not). */
export const OTHER_VERSION_FILES: { file: string; pattern: RegExp }[] = [
  {
    file: PINNED_FILE,
    pattern: new RegExp(`^(ARG[ \\t]+${DOCKERFILE_VERSION_ARG}=)(v?)[^\\s]+$`, "m"),
  },
];

/** Packages whose upstream says upgrades MUST happen in order, one release series at a time
 * (authentik's release notes: its database migrations assume every release in turn). */
const STEPWISE_PACKAGES = ["authentik"];

/** The package's upgrade path: its config's `upgrade_path`, else `stepwise` for the packages
 * above and `latest` for every other. */
export function upgradePath(pkg: Pick<PackageSpec, "upgrade_path" | "name">): UpgradePath {
  return pkg.upgrade_path ?? (STEPWISE_PACKAGES.includes(pkg.name) ? "stepwise" : "latest");
}
/** Where authentik keeps each release series' notes in its tree (website/docs/releases). */
export const AUTHENTIK_RELEASE_NOTES = "website/docs/releases/{year}/v{major}.{minor}.md";

/** Where the repository's files name the forge (its mirrors' clone URLs), whatever URL the bot
 * reaches it by. */
export const SITE_FORGE_URL = "https://forge.ops.eblu.me";

/** The directory whose subdirectories are the repository's container packages. */
export const CONTAINERS_DIR = "containers";

/** What a package of `packages:` gets unless it says otherwise. */
export function packageDefaults(
  name: string,
): { chain: string; cards_dir: string; release_notes: string | null } {
  return {
    chain: `upgrade-${name}`,
    cards_dir: `docs/how-to/${name}`,
    release_notes: name === "authentik" ? AUTHENTIK_RELEASE_NOTES : null,
  };
}

/** The follow-up pull request's branch: a plain branch, not mikado/*, since its one commit is a
 * deployment, not a C2 step (the repository's invariant check only governs mikado/* branches). */
export function deployBranch(name: string): string {
  return `deploy-${name}`;
}

/** The follow-up pull request's title and commit subject. */
export function deployTitle(name: string, tag: string): string {
  return `Deploy ${name} ${tag}`;
}

/** The comment on the bot's pull request when the base branch reached its version by other means. */
export function closedReply(name: string, base: string, current: string, to: string): string {
  return `Closing: ${base} is at ${name} ${current} already, which reaches this pull request's ` +
    `${to} (an upgrade made by other means). The bot deletes its branch when every commit on it ` +
    `is its own.`;
}

/** The tags of every card the bot writes. */
export function cardTags(pkg: string): string[] {
  return ["how-to", pkg, "nix"];
}

/** The stem of the card on how the package is built, which a new goal card links when it exists. */
export function overviewCardStem(pkg: string): string {
  return `build-${pkg}-from-source`;
}

/** Flat towncrier fragment path: the repository's checks reject fragments in subfolders. */
export function changelogPath(chain: string): string {
  return `docs/changelog.d/mikado-${chain.replaceAll("/", "-")}.infra.md`;
}

/** What happens after merge, one line each: what runs by itself, and what is left to a person;
 * `code` renders a command or a path. The repository's workflow
 * (.forgejo/workflows/build-container-nix.yaml: on every push to main that changes containers/)
 * builds the container from the merge commit and pushes it tagged `v<version>-<sha7>-nix`, with or
 * without the bot; with the follow-through on, the bot also moves the image tag. */
export function afterMerge(
  pkg: string,
  version: string,
  code: (s: string) => string,
  followThrough = false,
): { automatic: string[]; manual: string[] } {
  const manifest = code(`argocd/manifests/${pkg}/kustomization.yaml`);
  const built =
    `The repository's workflow (${code(".forgejo/workflows/build-container-nix.yaml")}) ` +
    `builds the container from the merge commit and pushes it to the registry as ` +
    `${code(`${pkg}:v${version}-<sha7>-nix`)} (the merge commit's first 7 characters).`;
  if (followThrough) {
    return {
      automatic: [
        `${built} If it fails, the bot says so here.`,
        `Once the image is in the registry, the bot opens a pull request setting its tag in ${manifest}.`,
      ],
      manual: ["Merge that pull request, then verify the deployment: ArgoCD sync, UI login."],
    };
  }
  return {
    automatic: [built],
    manual: [
      `Once the workflow has pushed the image, set its tag in ${manifest}.`,
      "Verify the deployment: ArgoCD sync, UI login.",
    ],
  };
}

/** The branch of a Dockerfile package's version bump: the repository's C1 (a feature branch and a
 * pull request, no Mikado cards), named without a slash so its changelog fragment stays flat. */
export function dockerBranch(name: string): string {
  return `upgrade-${name}`;
}

/** C1's changelog fragment is named after the branch (agent-change-process.md). */
export function dockerChangelogPath(branch: string): string {
  return `docs/changelog.d/${branch}.infra.md`;
}

/** The workflow that builds a Dockerfile container once its change is on the base branch. */
export const DOCKER_WORKFLOW = ".forgejo/workflows/build-container.yaml";

/** The tags the repository's workflows push for a commit on the base branch
 * (.forgejo/workflows/build-container.yaml and build-container-nix.yaml; `{version}` with its
 * `v`). */
export const BUILT_TAG = {
  dockerfile: "{version}-{sha7}",
  nix: "{version}-{sha7}-nix",
} as const;

/** The workflow that builds each kind of image. */
export const BUILD_WORKFLOW = {
  dockerfile: DOCKER_WORKFLOW,
  nix: ".forgejo/workflows/build-container-nix.yaml",
} as const;

/** The pin pull request's branch: one per image, the follow-through's own (a Nix package's
 * follow-up and the pin of its image are one pull request). */
export const pinBranch = deployBranch;

/** The pin pull request's title and commit subject, as the repository words its pins. */
export function pinTitle(name: string, tag: string): string {
  return `Pin ${name} image tag to ${tag}`;
}

/** The forge owner of the site's mirrors of upstream repositories. */
export const MIRRORS_OWNER = "mirrors";

/** The directory of the repository's ArgoCD Applications and manifests. */
export const MANIFESTS_DIR = "argocd";

/** How the repository merges pull requests (squash: its container tags name main's commits). */
export const MERGE_STYLE = "squash";
