// The repository's packages: every container directory whose files build from a forge mirror at their version (pure).
import { agreedVersion, discover } from "../nix/discover.ts";
import { nixMirrors } from "../nix/mirrors.ts";
import { discoverDockerfile, versionUses } from "../docker/dockerfile.ts";
import { listServices, type ServiceRecord } from "../mikado/service_versions.ts";
import { CONTAINERS_DIR, DOCKERFILE_VERSION_ARG } from "../site/defaults.ts";
import { isApplicationFile, scanApplications } from "../argocd/scan.ts";
import type { ImageEntry, PackageKind } from "../runtime/config_model.ts";
import { type ArgSource, discoverSource, sourceLabel } from "../sources/source.ts";
import { writtenLike } from "../images/tags.ts";

/** A package found: built by Nix (its hashes harvested), by a Dockerfile (its ARG moved), or
 * deployed by ArgoCD Applications at a mirror's tag (their targetRevision moved). */
export interface FoundPackage {
  name: string;
  dir: string;
  kind: PackageKind;
  /** The version its files declare, without a `v` prefix. */
  version: string;
  /** The package's own mirror first; a version is ready when every mirror has its tag. */
  mirrors: { repo: string; tag: string }[];
  /** Its service-versions.yaml entry, and how it was found. */
  service: { name: string; by: "name" | "upstream-source" };
  /** Nix: the hashes harvested on each upgrade; a Dockerfile has none. */
  hashes: string[];
  /** An Application package's files, and what its service records when that is not the tag. */
  applications?: string[];
  drift?: string | null;
  /** An upstream image package's image, the images moving with it and where they are named. */
  image?: ImageEntry;
  /** A Dockerfile package whose version no forge mirror has: where new versions come from. */
  source?: ArgSource;
}

/** A directory that names a forge mirror but cannot be followed, and why; `service`: the
 * service-versions.yaml entry whose version it holds, when the scan can tell (the dashboard's
 * row of that service says why it is not watched). */
export interface Unresolved {
  dir: string;
  reason: string;
  service?: string;
}

export interface Scan {
  packages: FoundPackage[];
  unresolved: Unresolved[];
  /** Directories whose version the scan read but has nothing to watch it by (no forge mirror
   * clones it, no version source shows it), each with why: no failure, so not in `unresolved`. */
  unwatched: Unresolved[];
}

/** The files the scan reads: every `.nix` file and Dockerfile under the containers directory,
 * and the ArgoCD Applications. */
export function isScanned(path: string): boolean {
  return isApplicationFile(path) || path.startsWith(`${CONTAINERS_DIR}/`) &&
      (path.endsWith(".nix") || path.slice(path.lastIndexOf("/") + 1) === "Dockerfile");
}

/** The packages of the repository. `files` maps repository paths (those isScanned keeps) to their
 * text; `forgeUrls` are the addresses the files may name the forge by; `services` is
 * service-versions.yaml (`servicesFile` names it in errors); `sources`: Dockerfiles whose version
 * comes from another source (PyPI, an Alpine index: lib/sources) are packages too. Nothing is
 * guessed: a directory that names a mirror but whose tag, version or service entry cannot be told
 * is listed with why. */
export function scanRepository(
  files: Map<string, string>,
  forgeUrls: string[],
  services: { file: string; text: string } | null,
  sources = false,
): Scan {
  const entries = services ? listServices(services.text, services.file) : [];
  const dirs = new Map<string, Map<string, string>>();
  for (const [path, text] of files) {
    const parts = path.split("/");
    if (parts[0] !== CONTAINERS_DIR || parts.length < 3) continue;
    const dir = `${parts[0]}/${parts[1]}`;
    if (!dirs.has(dir)) dirs.set(dir, new Map());
    dirs.get(dir)!.set(parts.slice(2).join("/"), text);
  }
  const packages: FoundPackage[] = [];
  const unresolved: Unresolved[] = [];
  const unwatched: Unresolved[] = [];
  for (const dir of [...dirs.keys()].sort()) {
    const found = scanDirectory(dir, dirs.get(dir)!, forgeUrls, sources);
    if (found === null) continue;
    if ("reason" in found) {
      const entry = entryOfDirectory(dir.slice(dir.indexOf("/") + 1), entries);
      (found.unwatched ? unwatched : unresolved).push({
        dir,
        reason: found.reason,
        ...(entry ? { service: entry.name } : {}),
      });
      continue;
    }
    // No mirror: the entry named like the directory, else the one whose upstream-source names it.
    const service = serviceOf(found.name, found.mirrors[0]?.repo ?? found.name, entries);
    if ("reason" in service) {
      unresolved.push({
        dir,
        reason: `${services?.file ?? "service-versions.yaml"}: ${service.reason}`,
      });
      continue;
    }
    const recorded = entries.find((e) => e.name === service.name)!.currentVersion;
    if (recorded?.replace(/^v/, "") !== found.version) {
      unresolved.push({
        dir,
        reason: `its files say ${found.version} but ${services!.file} records ` +
          `${recorded ?? "no current-version"} for ${service.name}: make them agree first`,
        service: service.name,
      });
      continue;
    }
    packages.push({ ...found, service: { name: service.name, by: service.by } });
  }
  const apps = scanApplications(
    files,
    forgeUrls,
    services?.file ?? "service-versions.yaml",
    (names, mirror) => serviceOfNames(names, mirror, entries),
  );
  return {
    packages: [...packages, ...apps.packages],
    unresolved: [...unresolved, ...apps.unresolved],
    unwatched,
  };
}

/** The entry a directory's name names: the entry of that name, else the one entry it extends
 * (`kiwix-serve` is `kiwix`'s); null when none, or several, do. */
function entryOfDirectory(name: string, entries: ServiceRecord[]): ServiceRecord | null {
  const extended = entries.filter((e) => name.startsWith(`${e.name}-`));
  return entries.find((e) => e.name === name) ?? (extended.length === 1 ? extended[0] : null);
}

/** The one entry named by one of `names` (an Application's file names), else by the mirror's
 * name or its upstream-source; several entries named is said, not chosen. */
function serviceOfNames(names: string[], mirror: string, entries: ServiceRecord[]) {
  const named = [...new Set(names)].filter((n) => entries.some((e) => e.name === n));
  if (named.length > 1) {
    return {
      reason: `several entries are named like the Applications of ${mirror} (${named.join(", ")})`,
    };
  }
  return serviceOf(named[0] ?? mirror.slice(mirror.indexOf("/") + 1), mirror, entries);
}

/** One directory: a Nix package when its `.nix` files fetch a mirror at the version, else a
 * Dockerfile package when it clones one at a tag of its version ARG; null when it names none. */
function scanDirectory(
  dir: string,
  files: Map<string, string>,
  forgeUrls: string[],
  sources: boolean,
): Omit<FoundPackage, "service"> | { reason: string; unwatched?: true } | null {
  const name = dir.slice(dir.indexOf("/") + 1);
  const nix = nixMirrors(files, forgeUrls);
  if (nix.mirrors.length > 0) {
    if (nix.problems.length > 0) return { reason: nix.problems.join("; ") };
    const discovery = discover(files, name);
    let version: string;
    try {
      version = agreedVersion(discovery.versions, dir);
    } catch (e) {
      return { reason: (e as Error).message };
    }
    return {
      name,
      dir,
      kind: "nix",
      version,
      mirrors: ownFirst(name, nix.mirrors),
      hashes: discovery.hashes.filter((h) => !h.pinned).map((h) => h.name),
    };
  }
  const dockerfile = files.get("Dockerfile");
  const docker = dockerfile === undefined ? null : discoverDockerfile(dockerfile, forgeUrls);
  if (docker === null || (docker.mirrors.length === 0 && docker.problems.length === 0)) {
    if (nix.problems.length > 0) return { reason: nix.problems.join("; ") };
    if (docker === null) return null;
    // No forge mirror: the source the Dockerfile shows for its version ARG, if any.
    const source = sources ? discoverSource(dockerfile!) : null;
    if (!source) {
      return {
        reason: sources
          ? noSourceReason(dockerfile!)
          : `its Dockerfile's ${DOCKERFILE_VERSION_ARG} comes from no forge mirror (version ` +
            "sources are off)",
        unwatched: true,
      };
    }
    return {
      name,
      dir,
      kind: "dockerfile",
      version: docker.version,
      mirrors: [],
      hashes: [],
      source,
    };
  }
  if (docker.problems.length > 0) {
    return { reason: docker.problems.map((p) => `Dockerfile ${p}`).join("; ") };
  }
  return {
    name,
    dir,
    kind: "dockerfile",
    version: docker.version,
    mirrors: ownFirst(name, docker.mirrors),
    hashes: [],
  };
}

/** Why no source shows in a Dockerfile whose version no forge mirror serves: where a command
 * fetches by the version (from a host the bot cannot read versions from: config can name the
 * source), else that nothing in the file uses it (the file cannot tell the owner's own code). */
function noSourceReason(dockerfile: string): string {
  const { commands, froms } = versionUses(dockerfile);
  const arg = DOCKERFILE_VERSION_ARG;
  const hostOf = (w: string) => /https?:\/\/([A-Za-z0-9.-]+)[^{]*\{version\}/.exec(w)?.[1];
  const fetching = commands.find((c) => c.words.some(hostOf)) ?? commands[0];
  if (!fetching) {
    return froms.some((f) => f.includes("{version}"))
      ? `its Dockerfile's FROM image is tagged with ${arg} in no way the bot reads: ` +
        "packages[].source can name its source"
      : `its Dockerfile's ${arg} comes from no forge mirror and no command in the file uses it`;
  }
  const host = fetching.words.map(hostOf).find((h) => h !== undefined);
  const where = host
    ? `fetches ${arg} from ${host} (the RUN at line ${fetching.line})`
    : `uses ${arg} in the RUN at line ${fetching.line}`;
  return `its Dockerfile ${where}, no source the bot can tell: packages[].source can name one`;
}

/** The mirror named like the package first (authentik before authentik-client-go), else file
 * order. */
function ownFirst(name: string, mirrors: { repo: string; tag: string }[]) {
  const base = (m: { repo: string }) => m.repo.slice(m.repo.indexOf("/") + 1);
  const own = mirrors.find((m) => base(m) === name) ??
    mirrors.find((m) => base(m).startsWith(name) || base(m).endsWith(name)) ?? mirrors[0];
  return [own, ...mirrors.filter((m) => m !== own)].map(({ repo, tag }) => ({ repo, tag }));
}

/** The service entry: by the directory's name, else the one entry whose upstream-source names
 * the mirror (github.com/<owner>/<mirror>, or <owner>-<repo> spelled as the mirror's name). */
function serviceOf(
  name: string,
  mirror: string,
  entries: ServiceRecord[],
): ServiceRecord & { by: "name" | "upstream-source" } | { reason: string } {
  const byName = entries.find((e) => e.name === name);
  if (byName) return { ...byName, by: "name" };
  const mirrorName = mirror.slice(mirror.indexOf("/") + 1).toLowerCase();
  const matches = entries.filter((e) => {
    if (!e.upstream) return false;
    let path: string[];
    try {
      path = new URL(e.upstream).pathname.toLowerCase().split("/").filter(Boolean);
    } catch {
      return false;
    }
    return path.slice(0, 2).includes(mirrorName) || `${path[0]}-${path[1]}` === mirrorName;
  });
  if (matches.length === 1) return { ...matches[0], by: "upstream-source" };
  if (matches.length > 1) {
    return {
      reason: `several entries name mirror ${mirror} in their upstream-source (${
        matches.map((e) => e.name).join(", ")
      })`,
    };
  }
  return { reason: `no entry named ${name}, and none whose upstream-source names ${mirror}` };
}

/** One line per package (name, kind, version, mirrors with their tags, hashes), then one per
 * directory left out with its reason. */
export function scanLines(scan: Scan): string[] {
  const width = Math.max(0, ...scan.packages.map((p) => p.name.length));
  return [
    ...scan.packages.map((p) =>
      // An image's version as its tag writes it (`18.3`, which the bot orders as 18.3.0).
      `${p.name.padEnd(width)}  ${p.kind.padEnd(10)}  ${writtenLike(p.image?.tag)(p.version)}  ` +
      p.mirrors.map((m) => `${m.repo} ${m.tag}`).join(", ") +
      (p.kind === "nix"
        ? `  hashes: ${p.hashes.join(", ") || "none"}`
        : p.kind === "flake"
        ? "  inputs updated on schedule (flakes.every)"
        : p.kind === "image"
        ? `  ${p.image!.name}:${p.image!.tag}` +
          (p.image!.also?.length ? ` with ${p.image!.also.join(", ")}` : "") +
          ` in ${p.image!.manifests.join(", ")}`
        : p.kind === "application"
        ? `  targetRevision in ${p.applications?.join(", ")}` +
          (p.drift ? `  (service-versions.yaml records ${p.drift})` : "")
        : p.source
        ? `  ${sourceLabel(p.source)} (${DOCKERFILE_VERSION_ARG} moves)`
        : `  hashes: none (${DOCKERFILE_VERSION_ARG} moves; the workflow builds the image)`) +
      (p.service.name === p.name ? "" : `  service: ${p.service.name}`)
    ),
    ...scan.unresolved.map((u) => `${u.dir}: left out: ${u.reason}`),
    ...scan.unwatched.map((u) => `${u.dir}: not watched: ${u.reason}`),
  ];
}
