// The images the repository builds (a container directory with a Dockerfile or a default.nix), the tag its workflow pushes for a commit, and the pin each one needs (pure).
import { BUILT_TAG, CONTAINERS_DIR, DOCKERFILE_VERSION_ARG } from "../site/defaults.ts";
import { findReferences, type ImageReference } from "./references.ts";

export type BuildKind = keyof typeof BUILT_TAG;

/** One image the repository builds, and where the manifests deploy it. */
export interface BuiltImage {
  /** The container directory's name: the image's last path part. */
  name: string;
  dir: string;
  image: string;
  /** The build whose tags the manifests use (the one of `-nix` tags when they end so), and the
   * version the repository's workflow reads for it at the base branch's tip. */
  kind: BuildKind;
  version: string;
  references: ImageReference[];
}

/** The version the workflows read: the Dockerfile's first `ARG CONTAINER_APP_VERSION=`, and for
 * a Nix build the first `version = "..."` line of default.nix (else the Dockerfile's). */
function workflowVersion(kind: BuildKind, dockerfile?: string, nix?: string): string | null {
  const arg = dockerfile
    ? new RegExp(`^ARG ${DOCKERFILE_VERSION_ARG}=(.*)$`, "m").exec(dockerfile)?.[1]?.trim()
    : undefined;
  if (kind === "dockerfile") return arg || null;
  const own = nix ? /^\s*version\s*=\s*"([^"]*)"/m.exec(nix)?.[1] : undefined;
  return own || arg || null;
}

/** The tag the workflow pushes for `version` built from `sha`: `v` added when missing. */
export function builtTag(kind: BuildKind, version: string, sha: string): string {
  const v = version.startsWith("v") ? version : `v${version}`;
  return BUILT_TAG[kind].replace("{version}", v).replace("{sha7}", sha.slice(0, 7));
}

/** A tag the workflow pushed, taken apart (`v4.1.1-r1-ab34cbd`: `4.1.1-r1`, `ab34cbd`,
 * dockerfile); null for any other tag. */
export function parseBuiltTag(
  tag: string,
): { version: string; sha7: string; kind: BuildKind } | null {
  const m = /^v(.+)-([0-9a-f]{7})(-nix)?$/.exec(tag);
  return m ? { version: m[1], sha7: m[2], kind: m[3] ? "nix" : "dockerfile" } : null;
}

/** The version part of a tag the workflow pushed (`v4.1.1-r1-ab34cbd` -> `4.1.1-r1`); null for
 * any other tag. */
export function builtVersion(tag: string): string | null {
  return parseBuiltTag(tag)?.version ?? null;
}

/** Every image built from `files` (path -> text of `containers/<name>/Dockerfile` and
 * `default.nix`) that `manifests` (path -> text) deploy; `image` names it (`{name}`). Images
 * no manifest names are left out (nothing to pin), and so is a directory whose version the
 * workflow could not read, with why. */
export function builtImages(
  files: Map<string, string>,
  manifests: Map<string, string>,
  imageTemplate: string,
): { images: BuiltImage[]; skipped: { name: string; reason: string }[] } {
  const names = new Set<string>();
  for (const path of files.keys()) {
    const m = new RegExp(`^${CONTAINERS_DIR}/([^/]+)/(Dockerfile|default\\.nix)$`).exec(path);
    if (m) names.add(m[1]);
  }
  const images: BuiltImage[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const name of [...names].sort()) {
    const dir = `${CONTAINERS_DIR}/${name}`;
    const dockerfile = files.get(`${dir}/Dockerfile`);
    const nix = files.get(`${dir}/default.nix`);
    const image = imageTemplate.replaceAll("{name}", name);
    const references = findReferences(manifests, image);
    if (!references.length) {
      skipped.push({ name, reason: `no manifest deploys ${image}` });
      continue;
    }
    const kind: BuildKind = !dockerfile || references.some((r) => r.tag.endsWith("-nix"))
      ? "nix"
      : "dockerfile";
    const version = workflowVersion(kind, dockerfile, nix);
    if (!version) {
      skipped.push({ name, reason: `${dir}: no version the ${kind} workflow reads` });
      continue;
    }
    images.push({ name, dir, image, kind, version, references });
  }
  return { images, skipped };
}

/** The references the pin moves to `tag`: those at another tag, but a tag of the same build
 * and version whose commit `current` accepts (a later commit on the base branch, built by a
 * manual dispatch: the same files, never moved back). */
export function stale(
  image: BuiltImage,
  tag: string,
  current: (sha7: string) => boolean = () => false,
): ImageReference[] {
  const bare = (v: string) => v.replace(/^v/, "");
  return image.references.filter((r) => {
    if (r.tag === tag) return false;
    const built = parseBuiltTag(r.tag);
    const same = built?.kind === image.kind && bare(built.version) === bare(image.version);
    return !(same && current(built!.sha7));
  });
}
