// Where an image's tag lives in the repository's manifests: every reference found and moved in place, line by line (pure).
import { dirname } from "node:path";

/** One place a manifest names an image's tag:
 * - `kustomize`: `newTag` of a kustomization's `images` entry whose `name` or `newName` is it;
 * - `image`: an `image: <image>:<tag>` line that no kustomization of its directory overrides;
 * - `value`: `<image>:<tag>` inside another value (`RUNNER_LABELS`' `docker://<image>:<tag>`, a
 *   CloudNativePG `imageName:`);
 * - `helm`: `tag:` of a Helm values `image:` mapping whose `repository:` is it. */
export interface ImageReference {
  path: string;
  /** 0-based line of the tag. */
  line: number;
  kind: "kustomize" | "image" | "value" | "helm";
  tag: string;
}

const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, "$2");

/** Whether `path` is a kustomization (kustomize reads these three names). */
function isKustomization(path: string): boolean {
  return /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(path);
}

/** The `images` entries of a kustomization: the image each names (`newName`, else `name`) and
 * its `newTag` with the line it is on. */
function kustomizeEntries(text: string): { image: string; tag: string; line: number }[] {
  const lines = text.split("\n");
  const found: { image: string; tag: string; line: number }[] = [];
  let inImages = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) inImages = /^images:\s*(#.*)?$/.test(l);
    if (!inImages) continue;
    const start = /^(\s*)-\s+/.exec(l);
    if (!start) continue;
    // One entry: this line and the deeper ones after it.
    const indent = start[1].length;
    let end = i + 1;
    while (end < lines.length) {
      const e = lines[end];
      if (
        e.trim() !== "" && !e.trim().startsWith("#") && e.length - e.trimStart().length <= indent
      ) {
        break;
      }
      end++;
    }
    const entry = lines.slice(i, end).map((e, k) => ({
      k: i + k,
      e: e.replace(/^(\s*)-\s/, "$1  "),
    }));
    const field = (key: string) => {
      for (const { k, e } of entry) {
        const m = new RegExp(`^\\s*${key}:\\s*([^#]*?)\\s*(#.*)?$`).exec(e);
        if (m) return { line: k, value: unquote(m[1]) };
      }
      return null;
    };
    const image = field("newName")?.value ?? field("name")?.value;
    const tag = field("newTag");
    if (image && tag) found.push({ image, tag: tag.value, line: tag.line });
    i = end - 1;
  }
  return found;
}

/** The Helm values `image:` mappings of `text`: `repository:` (null when the mapping names none,
 * the chart's default image) and `tag:` with its line. */
function helmImages(text: string): { repository: string | null; tag: string; line: number }[] {
  // No `image:` key, no mapping: most manifests, and no line split for them.
  if (!text.includes("image:")) return [];
  const lines = text.split("\n");
  const found: { repository: string | null; tag: string; line: number }[] = [];
  lines.forEach((l, i) => {
    const head = /^(\s*)image:\s*(#.*)?$/.exec(l);
    if (!head) return;
    let repository: string | null = null;
    let tag: { value: string; line: number } | null = null;
    for (let k = i + 1; k < lines.length; k++) {
      const e = lines[k];
      if (e.trim() === "" || e.trim().startsWith("#")) continue;
      if (e.length - e.trimStart().length <= head[1].length) break;
      const m = /^\s*(repository|tag):\s*([^#]*?)\s*(#.*)?$/.exec(e);
      if (m?.[1] === "repository") repository = unquote(m[2]);
      if (m?.[1] === "tag") tag = { value: unquote(m[2]), line: k };
    }
    if (tag && new RegExp(`^${TAG}$`).test(tag.value)) {
      found.push({ repository, tag: tag.value, line: tag.line });
    }
  });
  return found;
}

/** Every image `manifests` (path -> text) name with a tag, each with the files naming it: the
 * kustomizations' `images`, `image:` and `imageName:` lines, Helm values' `image.repository`;
 * and each Helm `image.tag` with no repository (the chart's default image: not named here). */
export function namedImages(
  manifests: Map<string, string>,
): { images: Map<string, string[]>; unnamed: { path: string; line: number; tag: string }[] } {
  const images = new Map<string, string[]>();
  const unnamed: { path: string; line: number; tag: string }[] = [];
  const add = (image: string, path: string) => {
    const paths = images.get(image) ?? [];
    if (!paths.includes(path)) images.set(image, [...paths, path]);
  };
  const line = new RegExp(
    `^\\s*-?\\s*(?:image|imageName):\\s*["']?([a-z0-9][a-z0-9._/:-]*?):${TAG}["']?\\s*(#.*)?$`,
  );
  for (const path of [...manifests.keys()].sort()) {
    const text = manifests.get(path)!;
    const { kustomize, helm } = parsed(manifests, path, text);
    for (const e of kustomize) add(e.image, path);
    for (const h of helm) {
      if (h.repository) add(h.repository, path);
      else unnamed.push({ path, line: h.line, tag: h.tag });
    }
    // Most files name no image at all (dashboards, CRDs' text is mostly other words).
    if (!text.includes("image")) continue;
    for (const l of text.split("\n")) {
      const m = line.exec(l);
      if (m && !m[1].includes("@")) add(m[1], path);
    }
  }
  return { images, unnamed };
}

/** Whether a kustomization of `dir` rewrites `image` (its `image:` lines are then not the
 * deployed tag). */
function overridden(manifests: Map<string, string>, dir: string, image: string): boolean {
  for (const [path, text] of manifests) {
    if (!isKustomization(path) || dirname(path) !== dir) continue;
    const lines = text.split("\n");
    if (
      lines.some((l) =>
        new RegExp(`^\\s*-?\\s*name:\\s*["']?${esc(image)}["']?\\s*(#.*)?$`).test(l)
      )
    ) {
      return true;
    }
  }
  return false;
}

/** What a manifest's text says of every image, read once: its kustomization entries and Helm
 * values mappings. */
interface ParsedManifest {
  text: string;
  kustomize: { image: string; tag: string; line: number }[];
  helm: { repository: string | null; tag: string; line: number }[];
}

/** Each manifests map's files as parsed, kept while the map lives: a scan asks findReferences
 * for every image the manifests name (dozens, over hundreds of files), and parsing each file
 * again for each image cost most of a cron run's time. A file whose text changed is read again. */
const parsedManifests = new WeakMap<Map<string, string>, Map<string, ParsedManifest>>();

function parsed(manifests: Map<string, string>, path: string, text: string): ParsedManifest {
  let files = parsedManifests.get(manifests);
  if (!files) parsedManifests.set(manifests, files = new Map());
  const known = files.get(path);
  if (known?.text === text) return known;
  const fresh = {
    text,
    kustomize: isKustomization(path) ? kustomizeEntries(text) : [],
    helm: helmImages(text),
  };
  files.set(path, fresh);
  return fresh;
}

/** Every reference to `image`'s tag in `manifests` (path -> text), in path order. */
export function findReferences(manifests: Map<string, string>, image: string): ImageReference[] {
  const found: ImageReference[] = [];
  const inline = new RegExp(`(?:^|[\\s"'=,]|//)${esc(image)}:(${TAG})(?![A-Za-z0-9_.:@/-])`);
  for (const path of [...manifests.keys()].sort()) {
    const text = manifests.get(path)!;
    const { kustomize, helm } = parsed(manifests, path, text);
    for (const e of kustomize) {
      if (e.image === image) found.push({ path, line: e.line, kind: "kustomize", tag: e.tag });
    }
    for (const h of helm) {
      if (h.repository === image) found.push({ path, line: h.line, kind: "helm", tag: h.tag });
    }
    // A line naming the image's tag holds `<image>:` as it is.
    if (!text.includes(`${image}:`)) continue;
    text.split("\n").forEach((l, line) => {
      if (/^\s*#/.test(l)) return;
      const m = inline.exec(l);
      if (!m) return;
      if (/^\s*-?\s*image:/.test(l)) {
        if (!overridden(manifests, dirname(path), image)) {
          found.push({ path, line, kind: "image", tag: m[1] });
        }
      } else found.push({ path, line, kind: "value", tag: m[1] });
    });
  }
  return found;
}

/** `text` (the file at `path`) with each of `refs` of that file moved to `tag`: only the tag
 * changes on each line, its quoting and comments kept. */
export function moveReferences(
  text: string,
  path: string,
  image: string,
  refs: ImageReference[],
  tag: string,
): string {
  const lines = text.split("\n");
  for (const r of refs) {
    if (r.path !== path) continue;
    const l = lines[r.line];
    lines[r.line] = r.kind === "kustomize" || r.kind === "helm"
      ? l.replace(/((?:newTag|tag):\s*["']?)[^"'\s#]+/, `$1${tag}`)
      : l.replace(`${image}:${r.tag}`, `${image}:${tag}`);
  }
  return lines.join("\n");
}
