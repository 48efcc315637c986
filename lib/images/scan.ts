// The repository's upstream images: every image its manifests deploy at a version tag that it does not build, grouped with what moves with it, and the service entry each one is (pure).
import { basename, dirname } from "node:path";
import { findReferences, type ImageReference, namedImages } from "../pins/references.ts";
import type { ServiceRecord } from "../mikado/service_versions.ts";
import { tagShape } from "./tags.ts";
import type { Unresolved } from "../repository/scan.ts";

/** The type of service-versions.yaml entries deployed from the manifests. */
const DEPLOYED_BY = "argocd";

/** An upstream image as a package: its service, the image whose registry tags it follows, the
 * images moving with it, and where the references live. */
export interface ImagePackage {
  name: string;
  /** The first manifest directory (the package's place in listings). */
  dir: string;
  kind: "image";
  /** The tag's version, as the bot orders it (lib/nix/versions.ts: looseVersion). */
  version: string;
  tag: string;
  image: string;
  /** Images of the same namespace at the same tag in the same directories (tailscale's
   * `proxyclass.yaml` lines beside its operator): they move with it. */
  coupled: string[];
  /** The manifest directories whose references move. */
  manifests: string[];
  mirrors: { repo: string; tag: string }[];
  service: { name: string; by: "name" };
  hashes: string[];
}

/** A group of references moving together: one image and the images coupled to it, in one
 * directory (or one file of a directory that names no service). */
interface Group {
  where: string;
  /** Candidate service names: the directory's (or file's) name. */
  place: string;
  images: string[];
  tag: string;
  /** Each image's references. */
  references: Map<string, ImageReference[]>;
}

const namespace = (image: string) => image.slice(0, image.lastIndexOf("/") + 1);
const lastPart = (image: string) => image.slice(image.lastIndexOf("/") + 1);

/** Every upstream image `manifests` (path -> text) deploy at a version tag, as packages of the
 * `entries` of service-versions.yaml, by name: an entry named like the image's directory, or
 * its file (a CloudNativePG Cluster `databases/blumeops-pg.yaml`), or the entry the directory's
 * name extends (`kube-state-metrics-ringtail`, `tailscale-operator-base`); in a directory of
 * several images, the one named like an entry, or like a word of the directory's name. Images
 * `isBuilt` says the repository builds are the pins' (lib/pins). What cannot be told is listed
 * with why; nothing is guessed. */
export function scanImages(
  manifests: Map<string, string>,
  entries: ServiceRecord[],
  isBuilt: (image: string) => boolean,
  servicesFile: string,
): { packages: ImagePackage[]; unresolved: Unresolved[] } {
  const unresolved: Unresolved[] = [];
  const { images, unnamed } = namedImages(manifests);
  const deployed = entries.filter((e) => e.type === DEPLOYED_BY);
  const named = (name: string) => deployed.find((e) => e.name === name) ?? null;
  for (const u of unnamed) {
    // Helm values of a directory named like an entry: that service's version (immich's tag).
    const place = basename(dirname(u.path));
    const entry = named(place) ?? extended(place, deployed);
    unresolved.push({
      dir: u.path,
      reason: `line ${u.line + 1}: image.tag ${u.tag} names no repository (the chart's default ` +
        "image is not in the repository): not watched",
      ...(entry ? { service: entry.name } : {}),
    });
  }
  // References per image and directory; a directory naming no entry is split by file.
  const byPlace = new Map<string, { place: string; refs: Map<string, ImageReference[]> }>();
  // A directory deploying an image the repository builds is that image's service's: an upstream
  // image beside it (authentik's redis) is only the entry named like the image.
  const builtDirs = new Set<string>();
  for (const image of [...images.keys()].sort()) {
    if (isBuilt(image)) {
      for (const r of findReferences(manifests, image)) builtDirs.add(dirname(r.path));
      continue;
    }
    for (const r of findReferences(manifests, image)) {
      if (tagShape(r.tag) === null) {
        unresolved.push({
          dir: r.path,
          reason: `${image}:${r.tag}: the tag names no version the bot can order`,
        });
        continue;
      }
      const dir = dirname(r.path);
      const fileName = basename(r.path).replace(/\.ya?ml$/, "");
      const split = !named(basename(dir)) && !extended(basename(dir), deployed) && named(fileName);
      const where = split ? r.path : dir;
      const entry = byPlace.get(where) ??
        { place: split ? fileName : basename(dir), refs: new Map() };
      entry.refs.set(image, [...entry.refs.get(image) ?? [], r]);
      byPlace.set(where, entry);
    }
  }
  // Images of one namespace at one tag in one place move together.
  const groups: Group[] = [];
  for (const [where, { place, refs }] of [...byPlace].sort(([a], [b]) => a < b ? -1 : 1)) {
    const keyed = new Map<string, Group>();
    for (const [image, references] of refs) {
      const tags = [...new Set(references.map((r) => r.tag))];
      if (tags.length > 1) {
        unresolved.push({ dir: where, reason: `${image} is deployed at ${tags.join(" and ")}` });
        continue;
      }
      const key = namespace(image) ? `${namespace(image)} ${tags[0]}` : `${image} ${tags[0]}`;
      const group: Group = keyed.get(key) ??
        { where, place, images: [], tag: tags[0], references: new Map() };
      group.images.push(image);
      group.references.set(image, references);
      keyed.set(key, group);
    }
    groups.push(...keyed.values());
  }
  // Each group's service entry.
  const claims = new Map<string, Group[]>();
  const claim = (service: string, g: Group) =>
    claims.set(service, [...claims.get(service) ?? [], g]);
  const placeGroups = new Map<string, Group[]>();
  for (const g of groups) placeGroups.set(g.where, [...placeGroups.get(g.where) ?? [], g]);
  for (const [where, gs] of placeGroups) {
    const place = gs[0].place;
    const built = builtDirs.has(where);
    const own = built ? null : named(place) ?? extended(place, deployed);
    if (gs.length === 1 && !built) {
      if (own) claim(own.name, gs[0]);
      else {
        unresolved.push({
          dir: where,
          reason: `${gs[0].images.join(", ")}: no ${servicesFile} entry (type ${DEPLOYED_BY}) ` +
            `is named like ${place}`,
        });
      }
      continue;
    }
    const left: Group[] = [];
    for (const g of gs) {
      const byImage = g.images.map(lastPart).map(named).find((e) => e !== null);
      if (byImage && byImage.name !== own?.name) claim(byImage.name, g);
      else left.push(g);
    }
    const words = place.split("-");
    const mine = own
      ? left.filter((g) =>
        g.images.some((i) => i === own.name || lastPart(i) === own.name) ||
        g.images.some((i) => words.includes(lastPart(i)))
      )
      : [];
    if (own && mine.length === 1) claim(own.name, mine[0]);
    for (const g of left.filter((g) => !(own && mine.length === 1 && g === mine[0]))) {
      unresolved.push({
        dir: where,
        reason: `${g.images.join(", ")}: one of several images in ${where}, and no ` +
          `${servicesFile} entry is named like it` +
          (built ? " (the directory's entry is the built image's)" : "") +
          (own && mine.length > 1 ? ` (several could be ${own.name}'s)` : ""),
      });
    }
  }
  const packages: ImagePackage[] = [];
  for (const [service, gs] of [...claims].sort(([a], [b]) => a < b ? -1 : 1)) {
    // The image a kustomization or Helm values name: the others are coupled to it.
    const primary = (g: Group) =>
      g.images.find((i) =>
        g.references.get(i)!.some((r) => r.kind === "kustomize" || r.kind === "helm")
      ) ?? g.images[0];
    const image = primary(gs[0]);
    const tags = [...new Set(gs.map((g) => g.tag))];
    const others = gs.filter((g) => primary(g) !== image);
    if (others.length || tags.length > 1) {
      unresolved.push({
        dir: gs.map((g) => g.where).join(", "),
        service,
        reason: `${service}: ` +
          (others.length
            ? `several images (${[...new Set(gs.map(primary))].join(", ")})`
            : `${image} is deployed at ${tags.join(" and ")}`),
      });
      continue;
    }
    const shape = tagShape(tags[0])!;
    const dirs = [...new Set(gs.map((g) => dirname(g.references.get(image)![0].path)))].sort();
    packages.push({
      name: service,
      dir: dirs[0],
      kind: "image",
      version: shape.version,
      tag: tags[0],
      image,
      coupled: [...new Set(gs.flatMap((g) => g.images))].filter((i) => i !== image).sort(),
      manifests: dirs,
      mirrors: [],
      service: { name: service, by: "name" },
      hashes: [],
    });
  }
  return { packages, unresolved };
}

/** The one deployed entry whose name `place` extends by a dash (`kube-state-metrics-ringtail`
 * -> kube-state-metrics); null for none or several. */
function extended(place: string, deployed: ServiceRecord[]): ServiceRecord | null {
  const found = deployed.filter((e) => place.startsWith(`${e.name}-`));
  return found.length === 1 ? found[0] : null;
}
