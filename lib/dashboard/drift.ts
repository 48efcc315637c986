// Where the repository's records disagree with what its manifests deploy: service-versions.yaml against Applications and built images, one image at several tags (pure).
import { parseAllDocuments } from "yaml";
import { dirname } from "node:path";
import type { ServiceRecord } from "../mikado/service_versions.ts";
import { type BuiltImage, builtVersion } from "../pins/images.ts";

/** A version without its `v`. */
const bare = (v: string) => v.replace(/^v(?=\d)/, "");

/** An ArgoCD Application's name and `targetRevision`s (one source or several), per file. */
function applications(
  manifests: Map<string, string>,
): { path: string; name: string; rev: string }[] {
  const found: { path: string; name: string; rev: string }[] = [];
  for (const [path, text] of manifests) {
    if (!/^argocd\/apps\/[^/]+\.ya?ml$/.test(path)) continue;
    for (const doc of parseAllDocuments(text)) {
      if ("errors" in doc && doc.errors.length) continue;
      const app = doc.toJS() as {
        kind?: unknown;
        metadata?: { name?: unknown };
        spec?: { source?: { targetRevision?: unknown }; sources?: { targetRevision?: unknown }[] };
      } | null;
      if (app?.kind !== "Application" || typeof app.metadata?.name !== "string") continue;
      const sources = [app.spec?.source, ...(app.spec?.sources ?? [])];
      for (const s of sources) {
        if (typeof s?.targetRevision === "string") {
          found.push({ path, name: app.metadata.name, rev: s.targetRevision });
        }
      }
    }
  }
  return found;
}

/** The built image a service stands for: the one of its name, else the only one (or the one
 * named `<service>-...`) its `argocd/manifests/<service>/` deploys as a container's image (an
 * image in a value, such as the runner's job image, is not the service's own). */
export function imageOf(service: string, images: BuiltImage[]): BuiltImage | null {
  const own = images.find((i) => i.name === service);
  if (own) return own;
  const dir = `argocd/manifests/${service}`;
  const there = images.filter((i) =>
    i.references.some((r) => r.kind !== "value" && dirname(r.path) === dir)
  );
  return there.length === 1
    ? there[0]
    : there.find((i) => i.name.startsWith(`${service}-`)) ?? null;
}

/** For each service with drift, what disagrees, one sentence each:
 * - its `current-version` and the `targetRevision` of its Application (same name), when the
 *   revision is a version (`v1.27.1`) or has the same prefix as the record (`helm-chart-2.0.0`); a
 *   chart's own version (`immich-0.10.3`) is not the service's, so not compared;
 * - its `current-version` and the version of the built image its manifests deploy;
 * - an image of it deployed at several tags (said on the image's service and on each service
 *   whose manifests deploy it). */
export function findDrift(
  services: ServiceRecord[],
  manifests: Map<string, string>,
  images: BuiltImage[],
  file: string,
): Map<string, string[]> {
  const drift = new Map<string, string[]>();
  const say = (service: string, text: string) => {
    const list = drift.get(service) ?? [];
    if (!list.includes(text)) list.push(text);
    drift.set(service, list);
  };
  const apps = applications(manifests);
  for (const s of services) {
    if (s.currentVersion === null) continue;
    const recorded = s.currentVersion;
    for (const a of apps.filter((a) => a.name === s.name)) {
      const plain = /^v?\d+(\.\d+)+/.test(a.rev);
      const prefix = (v: string) => /^(.*?)v?\d/.exec(v)?.[1] ?? v;
      const comparable = plain ? /^v?\d/.test(recorded) : prefix(a.rev) === prefix(recorded);
      if (comparable && bare(a.rev) !== bare(recorded)) {
        say(s.name, `${file} says ${recorded}; ${a.path} deploys ${a.rev}`);
      }
    }
    const image = imageOf(s.name, images);
    if (!image) continue;
    for (const r of image.references) {
      const deployed = builtVersion(r.tag);
      if (deployed !== null && bare(deployed) !== bare(recorded) && !severalTags(image)) {
        say(s.name, `${file} says ${recorded}; ${r.path} deploys ${image.name}:${r.tag}`);
      }
    }
  }
  const named = new Set(services.map((s) => s.name));
  for (const image of images.filter(severalTags)) {
    const where = image.references.map((r) => `${r.tag} (${r.path})`).join(", ");
    const text = `${image.name} is deployed at ${
      new Set(image.references.map((r) => r.tag)).size
    } tags: ${where}`;
    const owners = new Set([
      ...services.filter((s) => imageOf(s.name, images) === image).map((s) => s.name),
      ...image.references.map((r) => /^argocd\/manifests\/([^/]+)\//.exec(r.path)?.[1] ?? "")
        .filter((n) => named.has(n)),
    ]);
    for (const o of owners) say(o, text);
  }
  return drift;
}

function severalTags(image: BuiltImage): boolean {
  return new Set(image.references.map((r) => r.tag)).size > 1;
}
