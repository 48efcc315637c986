// An upstream image's tag: its shape (a `v`, the version's parts, a pre-release, a suffix such as `-tensorrt`) and the newer tags of the same shape (pure).
import { compareReleases, looseVersion } from "../nix/versions.ts";

/** A tag taken apart: `v1.94.2` -> v, `1.94.2`; `0.17.0-rc2-tensorrt` -> `0.17.0-rc2`, the
 * pre-release `rc2`, the suffix `-tensorrt`; `27-dind` -> `27`, `-dind`. */
export interface TagShape {
  prefix: "v" | "";
  /** The version as the tag writes it (`18.3`, `0.17.0-rc2`). */
  written: string;
  /** Its numeric parts (1 to 3). */
  parts: number;
  prerelease: string | null;
  /** What follows the version: a dash and a word (`-alpine`, `-tensorrt`), or nothing. */
  suffix: string;
  /** The version the bot orders (lib/nix/versions.ts: looseVersion). */
  version: string;
}

/** Words that name a pre-release (followed by a number or not): `rc2`, `beta.1`, `alpha`. */
const PRERELEASE = "(?:alpha|beta|rc|pre|preview|dev)\\.?\\d*";
const SHAPE = new RegExp(
  `^(v?)(\\d{1,9}(?:\\.\\d{1,9}){0,2})(?:-(${PRERELEASE}))?((?:-[A-Za-z][A-Za-z0-9]*)*)$`,
  "i",
);

/** The shape of `tag`, or null when it names no version the bot can order (`latest`, `stable`,
 * `17-0.5.0`, a digest); tags are untrusted: only this shape passes. */
export function tagShape(tag: string): TagShape | null {
  if (tag.length > 128) return null;
  const m = SHAPE.exec(tag);
  if (!m) return null;
  const written = m[3] ? `${m[2]}-${m[3]}` : m[2];
  const version = looseVersion(written);
  if (version === null) return null;
  return {
    prefix: m[1] === "v" ? "v" : "",
    written,
    parts: m[2].split(".").length,
    prerelease: m[3] ?? null,
    suffix: m[4],
    version,
  };
}

/** The tags of `tags` newer than `current` and of its shape (the same prefix, number of parts
 * and suffix), newest first: a pre-release only when `current` is one (or `prereleases`), so a
 * release never moves to a pre-release while `0.17.0-rc2` may move to `rc3` or `0.17.0`.
 * Empty when `current` has no shape. */
export function newerTags(tags: string[], current: string, prereleases = false): string[] {
  const now = tagShape(current);
  if (now === null) return [];
  const newer = tags.flatMap((tag) => {
    const s = tagShape(tag);
    const same = s !== null && s.prefix === now.prefix && s.parts === now.parts &&
      s.suffix === now.suffix;
    if (!same || (s.prerelease !== null && now.prerelease === null && !prereleases)) return [];
    return compareReleases(s.version, now.version) > 0 ? [{ tag, version: s.version }] : [];
  });
  return newer.sort((a, b) => compareReleases(b.version, a.version)).map((n) => n.tag);
}

/** `version` (as the bot orders it) written as a tag of `parts` numeric parts writes it: `18.4.0`
 * of a two-part tag is `18.4`, the text the repository and the registry use; a version that
 * parts would cut (`18.4.1`) is left whole. */
export function writtenVersion(version: string, parts: number): string {
  const m = /^(\d+)\.(\d+)\.(\d+)(-.+)?$/.exec(version);
  if (!m) return version;
  const numbers = m.slice(1, 4);
  const kept = Math.min(Math.max(parts, 1), 3);
  if (numbers.slice(kept).some((n) => n !== "0")) return version;
  return numbers.slice(0, kept).join(".") + (m[4] ?? "");
}

/** How the versions of an image package are written: with as many parts as its current tag
 * (`18.3`: two), its newer tags having its shape; unchanged when the tag is unknown. */
export function writtenLike(tag: string | null | undefined): (version: string) => string {
  const shape = tag ? tagShape(tag) : null;
  return shape ? (version) => writtenVersion(version, shape.parts) : (version) => version;
}
