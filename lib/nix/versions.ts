// Versions: parsing and ordering of release versions (the only module that imports semver).
// @ts-types="@types/semver"
import semver from "semver";
import { InputError } from "../runtime/errors.ts";

/** authentik versions are YEAR.MONTH.PATCH, optionally with a pre-release (`2026.5.0-rc1`). */
export function parseVersion(value: string, what = "version"): string {
  const v = semver.valid(value);
  if (v === null || v !== value || value.length > 64) {
    throw new InputError(
      `${what} ${JSON.stringify(value.slice(0, 80))} is not a release version like 2026.5.0`,
    );
  }
  return v;
}

export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

export function isPrerelease(version: string): boolean {
  return semver.prerelease(version) !== null;
}

/** The tag a mirror gives a version: `version/{version}` -> `version/2026.5.0`. */
export function tagFor(format: string, version: string): string {
  return format.replace("{version}", version);
}

/** The version a tag names under `format`, or null for any other tag (tags are untrusted: only a
 * clean release version passes). */
export function versionOfTag(format: string, tag: string): string | null {
  const [prefix, suffix] = format.split("{version}");
  if (tag.length > 200 || !tag.startsWith(prefix) || !tag.endsWith(suffix)) return null;
  const candidate = tag.slice(prefix.length, tag.length - suffix.length);
  const v = semver.valid(candidate);
  return v !== null && v === candidate ? v : null;
}

/** Versions above `current` among `tags`, newest first; pre-releases only when asked for. */
export function newerVersions(
  tags: string[],
  format: string,
  current: string,
  prereleases: boolean,
): string[] {
  const versions = tags.map((t) => versionOfTag(format, t)).filter((v): v is string => v !== null)
    .filter((v) => semver.gt(v, current) && (prereleases || !isPrerelease(v)));
  return [...new Set(versions)].sort(semver.rcompare);
}

/** A forced version against the current one: true when they are the same; older is refused. */
export function alreadyAt(version: string, current: string, whose: string): boolean {
  if (compareVersions(version, current) < 0) {
    throw new InputError(
      `--version ${version} is older than ${whose} ${current}: refusing to downgrade`,
    );
  }
  return version === current;
}
