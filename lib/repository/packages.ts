// The scanned packages of a checkout: its files read, each package confirmed on its mirrors' tags, and the config that runs them.
import type { Config, PackageEntry } from "../runtime/config.ts";
import type { Forge } from "../platform/forge.ts";
import { tagFor } from "../nix/versions.ts";
import { checkoutFiles, type RepoFiles } from "../runtime/tree.ts";
import {
  CONTAINERS_DIR,
  defaultConfig,
  MANIFESTS_DIR,
  packageDefaults,
  SERVICE_VERSIONS_FILE,
  SITE_FORGE_URL,
} from "../site/defaults.ts";
import { APPLICATIONS_DIR } from "../argocd/scan.ts";
import { type FoundPackage, isScanned, type Scan, scanRepository } from "./scan.ts";
import type { RunClone } from "../runtime/workspace.ts";
import { Git } from "../runtime/git.ts";
import { progress } from "../runtime/log.ts";
import { listServices } from "../mikado/service_versions.ts";
import { scanFlakes } from "../flake/scan.ts";
import { readFlakeLocks } from "../flake/checkout.ts";
import { readPinFiles } from "../pins/checkout.ts";
import { scanImages } from "../images/scan.ts";
import { sourceOf } from "../sources/source.ts";

/** Whether the repository builds `image` (the deploy's image template, else the site's): its tag
 * is the pins' (lib/pins), not an upstream image's. */
function isBuiltImage(config: Pick<Config, "deploy">): (image: string) => boolean {
  const template = config.deploy?.image ?? defaultConfig().deploy!.image;
  const [prefix, suffix] = template.split("{name}");
  return (image) =>
    image.startsWith(prefix) && image.endsWith(suffix ?? "") &&
    !image.slice(prefix.length, image.length - (suffix ?? "").length).includes("/");
}

/** The config's keys a scan reads: the forge's address, the service-versions file. */
export type ScanKeys = Pick<
  Config,
  "forge" | "service_versions" | "flakes" | "deploy" | "registries" | "sources"
>;

/** The base's files a cron run reads: the scan's (the containers' build files, the manifests and
 * Applications, the service-versions file, the flakes), the pins' among them. Its clone fetches
 * these only: about half the repository's files. */
export function baseReads(
  config: Pick<Config, "service_versions">,
  /** The packages' own service-versions files, where the config names them. */
  servicesFiles: (string | undefined)[] = [],
): (path: string) => boolean {
  const services = new Set([
    config.service_versions?.file,
    SERVICE_VERSIONS_FILE,
    ...servicesFiles,
  ]);
  const dirs = [CONTAINERS_DIR, APPLICATIONS_DIR, MANIFESTS_DIR].map((d) => `${d}/`);
  return (path) =>
    services.has(path) || dirs.some((d) => path.startsWith(d)) ||
    /(^|\/)flake\.(nix|lock)$/.test(path);
}

/** The scan of the checkout in `top`: the containers' `.nix` files and Dockerfiles, and the
 * service-versions file the config names. */
export function scanCheckout(config: ScanKeys, top: string): Promise<Scan> {
  return scanFiles(config, checkoutFiles(top));
}

/** The scan of a repository's files (a checkout's, or a commit's in a clone). */
export async function scanFiles(config: ScanKeys, repo: RepoFiles): Promise<Scan> {
  const files = new Map<string, string>();
  for (const dir of [CONTAINERS_DIR, APPLICATIONS_DIR]) {
    for (const path of (await repo.list(dir)).filter(isScanned)) {
      const text = await repo.read(path);
      if (text !== null) files.set(path, text);
    }
  }
  const servicesFile = config.service_versions?.file ?? SERVICE_VERSIONS_FILE;
  const text = await repo.read(servicesFile);
  const scan = scanRepository(
    files,
    forgeUrls(config),
    text === null ? null : { file: servicesFile, text },
    config.sources !== null,
  );
  const entries = text === null ? [] : listServices(text, servicesFile);
  // With the registries off, the images found are not watched: their services' rows say so.
  const images = scanImages(
    (await readPinFiles(repo)).manifests,
    entries,
    isBuiltImage(config),
    servicesFile,
  );
  const imagesOn = config.registries !== null;
  // With flakes off, the flakes found are not watched (their rows by the site's services).
  const flakes = scanFlakes(
    await readFlakeLocks(repo),
    entries,
    (config.flakes ?? defaultConfig().flakes!).services,
  );
  const flakesOn = config.flakes !== null;
  // A FROM base's versions are its registry's tags: off with the registries.
  const off = (p: FoundPackage) =>
    config.registries === null && p.source !== undefined && sourceOf(p.source).registryImage;
  return {
    packages: [
      ...scan.packages.filter((p) => !off(p)),
      ...flakesOn ? flakes.packages : [],
      ...(imagesOn ? images.packages : []).map(({ image, coupled, manifests, tag, ...p }) => ({
        ...p,
        image: { name: image, also: coupled, manifests, tag },
      })),
    ],
    unresolved: [
      ...scan.unresolved,
      ...flakesOn ? flakes.unresolved : [],
      ...imagesOn ? images.unresolved : [],
    ],
    unwatched: [
      ...scan.unwatched,
      ...(flakesOn ? [] : flakes.packages).map((p) => ({
        dir: p.dir,
        reason: "its flake's inputs are not updated (flakes are off)",
        service: p.service.name,
      })),
      ...(imagesOn ? [] : images.packages).map((p) => ({
        dir: p.dir,
        reason: `upstream image ${p.image}: its registry's tags are not read (registries are off)`,
        service: p.service.name,
      })),
      ...scan.packages.filter(off).map((p) => ({
        dir: p.dir,
        reason: `its version comes from its FROM base's registry (registries are off)`,
        service: p.service.name,
      })),
    ],
  };
}

/** The addresses the repository's files may name the forge by: the one the bot reaches, and the
 * site's public one. */
export function forgeUrls(config: Pick<Config, "forge">): string[] {
  return [...new Set([config.forge.url, SITE_FORGE_URL])];
}

/** Each package whose own mirror has the tag its files' pattern makes of its current version (the
 * pattern is confirmed, not assumed); the others move to the unresolved list with why. Those tags
 * are the ones the run lists anyway (forRun keeps them); the other mirrors' tags are asked for
 * each new release, which every mirror must have. */
export async function confirmOnMirrors(scan: Scan, forge: Forge): Promise<Scan> {
  const checked = await Promise.all(scan.packages.map(async (p) => {
    // No forge mirror, nothing to confirm: a flake's inputs, an image's registry, an ARG's source
    // (PyPI, an Alpine index) are read on the run.
    if (p.mirrors.length === 0) return null;
    try {
      const own = p.mirrors[0];
      const tag = tagFor(own.tag, p.version);
      const tags = await forge.tags(own.repo, own.tag.split("{version}")[0]);
      if (!tags.includes(tag)) {
        return `mirror ${own.repo} has no tag ${tag} for the current ${p.version}: the tag ` +
          `pattern ${own.tag} read from the files is not confirmed`;
      }
      return null;
    } catch (e) {
      return `its mirrors cannot be read: ${(e as Error).message.split("\n")[0]}`;
    }
  }));
  return {
    packages: scan.packages.filter((_, i) => checked[i] === null),
    unresolved: [
      ...scan.unresolved,
      ...scan.packages.flatMap((p, i) =>
        checked[i] === null ? [] : [{ dir: p.dir, reason: checked[i]!, service: p.service.name }]
      ),
    ].sort((a, b) => a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0),
    unwatched: scan.unwatched,
  };
}

/** The package as the config's `packages:` says it. */
export function packageEntry(
  p: FoundPackage,
  config: Pick<Config, "service_versions">,
): PackageEntry {
  return {
    name: p.name,
    dir: p.dir,
    kind: p.kind,
    version: p.version,
    mirrors: p.mirrors,
    ...(p.applications ? { applications: p.applications } : {}),
    ...(p.image ? { image: p.image } : {}),
    ...(p.source ? { source: p.source } : {}),
    ...(p.service.name === p.name || config.service_versions === null
      ? {}
      : { service_versions: { name: p.service.name } }),
  };
}

/** The config over the packages found: none keeps the config as it is (its own package); one is
 * that package alone; several are its `packages:`. */
export function scannedConfig(config: Config, packages: FoundPackage[]): Config {
  if (packages.length === 0) return config;
  const entries = packages.map((p) => packageEntry(p, config));
  // An Application or image package has no top-level keys of its own: always one of `packages:`.
  if (entries.length > 1 || entries[0].applications || entries[0].image || entries[0].source) {
    return { ...structuredClone(config), scan: false, packages: entries };
  }
  const [one] = entries;
  const own = packageDefaults(one.name);
  return {
    ...structuredClone(config),
    scan: false,
    package: { name: one.name, dir: one.dir, kind: one.kind, version: one.version },
    mirrors: one.mirrors,
    chain: own.chain,
    cards_dir: own.cards_dir,
    service_versions: config.service_versions === null ? null : {
      file: config.service_versions.file,
      name: packages[0].service.name,
    },
  };
}

/** The cron run's packages with no package configured: the base branch's files scanned in the
 * run's clone, each package confirmed on its mirrors; what is left out is said. */
export async function scanBase(
  config: Config,
  forge: Forge,
  clone: RunClone,
): Promise<{ config: Config; scan: Scan }> {
  const found = await clone.files().then((files) => scanFiles(config, files)).catch(async (e) => {
    // A refused clone says only git's words; the API says why (a rejected token, no access).
    await forge.whoami();
    throw e;
  });
  const scan = await confirmOnMirrors(found, forge);
  for (const u of scan.unresolved) progress(`${u.dir}: left out: ${u.reason}`);
  progress(
    `found ${scan.packages.length} packages built from forge mirrors: ${
      scan.packages.map((p) => `${p.name} (${p.kind})`).join(", ") || "none"
    }`,
  );
  return { config: scannedConfig(config, scan.packages), scan };
}

/** `inspect` and `upgrade --package` with no package configured: the local checkout scanned (no
 * forge asked: its mirrors are not confirmed here). */
export async function scanLocal(
  config: Config,
  repo: string,
): Promise<{ config: Config; scan: Scan }> {
  const top = await new Git(repo, { name: "", email: "" }).topLevel();
  const scan = await scanCheckout(config, top);
  return { config: scannedConfig(config, scan.packages), scan };
}
