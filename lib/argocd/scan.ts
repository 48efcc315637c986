// The repository's ArgoCD Applications on forge mirrors: one package per mirror, every Application of it, and its service entry (pure).
import type { ServiceRecord } from "../mikado/service_versions.ts";
import { versionOfTag } from "../nix/versions.ts";
import { type MirrorSource, mirrorSources } from "./applications.ts";

/** Where the repository keeps its Applications. */
export const APPLICATIONS_DIR = "argocd/apps";

/** The files the scan reads: the Applications directory's YAML files. */
export function isApplicationFile(path: string): boolean {
  return path.startsWith(`${APPLICATIONS_DIR}/`) && /\.ya?ml$/.test(path) &&
    !path.slice(APPLICATIONS_DIR.length + 1).includes("/");
}

/** A mirror deployed by Applications: its tag, the files that name it, and how its service's
 * record relates to it. */
export interface ApplicationPackage {
  name: string;
  dir: string;
  kind: "application";
  version: string;
  mirrors: { repo: string; tag: string }[];
  applications: string[];
  service: { name: string; by: "name" | "upstream-source" };
  hashes: string[];
  /** What service-versions.yaml records beside the deployed tag, when it disagrees (drift). */
  drift: string | null;
}

/** The Applications (`files`: path to text) grouped by the mirror they deploy. A mirror whose
 * Applications disagree on the tag, whose revision is no release tag, or whose service entry
 * cannot be told is listed with why; nothing is guessed. */
export function scanApplications(
  files: Map<string, string>,
  forgeUrls: string[],
  servicesFile: string,
  /** The service entry of a mirror, by a name or the mirror (lib/repository/scan.ts). */
  serviceOf: (
    names: string[],
    mirror: string,
  ) => (ServiceRecord & { by: "name" | "upstream-source" }) | { reason: string },
): { packages: ApplicationPackage[]; unresolved: { dir: string; reason: string }[] } {
  const byMirror = new Map<string, { file: string; source: MirrorSource }[]>();
  const unresolved: { dir: string; reason: string }[] = [];
  for (const [file, text] of [...files].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    if (!isApplicationFile(file)) continue;
    let sources: MirrorSource[];
    try {
      sources = mirrorSources(text, file, forgeUrls);
    } catch (e) {
      unresolved.push({ dir: file, reason: (e as Error).message });
      continue;
    }
    for (const source of sources) {
      byMirror.set(source.repo, [...byMirror.get(source.repo) ?? [], { file, source }]);
    }
  }
  const packages: ApplicationPackage[] = [];
  for (const [repo, uses] of [...byMirror].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    const applications = [...new Set(uses.map((u) => u.file))];
    const where = applications.join(", ");
    const revisions = [...new Set(uses.map((u) => u.source.revision))];
    if (revisions.length > 1) {
      unresolved.push({
        dir: where,
        reason: `the Applications of ${repo} deploy different revisions (${revisions.join(", ")})`,
      });
      continue;
    }
    const { tag, version, revision } = uses[0].source;
    if (tag === null || version === null) {
      unresolved.push({ dir: where, reason: `${repo} is deployed at ${revision}, no release tag` });
      continue;
    }
    // Each Application's file name (external-secrets-crds-ringtail.yaml) is a candidate name.
    const names = applications.map((f) => f.slice(f.lastIndexOf("/") + 1).replace(/\.ya?ml$/, ""));
    const service = serviceOf(names, repo);
    if ("reason" in service) {
      unresolved.push({ dir: where, reason: `${servicesFile}: ${service.reason}` });
      continue;
    }
    packages.push({
      name: service.name,
      dir: APPLICATIONS_DIR,
      kind: "application",
      version,
      mirrors: [{ repo, tag }],
      applications,
      service: { name: service.name, by: service.by },
      hashes: [],
      drift: recordDrift(service.currentVersion, tag, version),
    });
  }
  return { packages, unresolved };
}

/** How the service's record relates to the deployed tag: null when it records it (the tag itself,
 * or its version with or without `v`); else what it records (`v1.28.1`). */
export function recordDrift(recorded: string | null, tag: string, version: string): string | null {
  const said = recorded ?? "";
  return [version, `v${version}`, tag.replace("{version}", version)].includes(said)
    ? null
    : recorded ?? "no current-version";
}

/** Whether the record is written in the tag's shape (`v1.28.1` for `v{version}`): a pull request
 * moves it with the tag; a record of something else (the app's version beside a chart's tag) is
 * left as it is. */
export function recordsTheTag(recorded: string | null, tag: string): boolean {
  if (recorded === null) return false;
  if (versionOfTag(tag, recorded) !== null) return true;
  return /^v?\{version\}$/.test(tag) &&
    versionOfTag("{version}", recorded.replace(/^v/, "")) !== null;
}
