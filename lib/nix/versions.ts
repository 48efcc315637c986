// Versions: parsing and ordering of release versions (the only module that imports semver).
// @ts-types="@types/semver"
import semver from "semver";
import { InputError } from "../runtime/errors.ts";

/** authentik versions are YEAR.MONTH.PATCH, optionally with a pre-release (`2026.5.0-rc1`). */
export function parseVersion(value: string, what = "version"): string {
  const v = orderableVersion(value);
  if (v === null) {
    throw new InputError(
      `${what} ${JSON.stringify(value.slice(0, 80))} is not a release version like 2026.5.0`,
    );
  }
  return v;
}

/** `value` when it is a version the bot can order (what parseVersion takes), else null: for a
 * version read from text people or upstream write (a pull request title, a tag, a Dockerfile
 * ARG), checked where it is read, so no comparison meets one it cannot order. */
export function orderableVersion(value: string): string | null {
  if (value.length > 64) return null;
  const v = semver.valid(value);
  return v !== null && v === value ? v : null;
}

/** Orders two versions; one that is no release version is a clear error naming it (a guard: the
 * readers check with orderableVersion first), never the semver library's TypeError. */
export function compareVersions(a: string, b: string): number {
  for (const v of [a, b]) {
    if (orderableVersion(v) === null) {
      throw new InputError(
        `${JSON.stringify(v.slice(0, 80))} is not a release version the bot can order`,
      );
    }
  }
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
  return orderableVersion(tag.slice(prefix.length, tag.length - suffix.length));
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

/** How a package moves between releases: `stepwise` one release series at a time (upstream's
 * database migrations assume every series in turn), `latest` straight to the newest. */
export type UpgradePath = "stepwise" | "latest";

/** A version's release series: its `major.minor` (`2026.5` for 2026.5.1 and 2026.5.0-rc1; `1.4`
 * for semver's 1.4.2). */
export function releaseSeries(version: string): string {
  const v = semver.parse(version)!;
  return `${v.major}.${v.minor}`;
}

/** Orders series by their major, then minor. */
function compareSeries(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am - bm || an - bn;
}

/** The versions a run may propose from `newer` (newest first, all above `current`), in the order
 * to try them (newest first): under `stepwise` only those of the next release series above
 * `current`'s (or, when there is none, `current`'s own newer patches); under `latest` all. */
export function pathCandidates(newer: string[], current: string, path: UpgradePath): string[] {
  if (path === "latest" || newer.length === 0) return newer;
  const series = newer.map(releaseSeries);
  const mine = releaseSeries(current);
  const later = series.filter((s) => compareSeries(s, mine) > 0).sort(compareSeries);
  const next = later[0] ?? mine;
  return newer.filter((_, i) => series[i] === next);
}

/** The newest version of each release series above `after`'s, oldest series first: the steps
 * still ahead once `after` is reached (`versions` in any order). */
export function stepsAhead(versions: string[], after: string): string[] {
  const newest = new Map<string, string>();
  for (const v of versions) {
    const s = releaseSeries(v);
    if (compareSeries(s, releaseSeries(after)) <= 0) continue;
    const seen = newest.get(s);
    if (!seen || semver.gt(v, seen)) newest.set(s, v);
  }
  return [...newest.entries()].sort(([a], [b]) => compareSeries(a, b)).map(([, v]) => v);
}

/** The release series an upgrade from `from` to `to` leaves out, each as its newest version in
 * `versions`: what a forced `--version` skips on a stepwise path. */
export function seriesSkipped(versions: string[], from: string, to: string): string[] {
  return stepsAhead(versions, from).filter((v) =>
    compareSeries(releaseSeries(v), releaseSeries(to)) < 0
  );
}

/** The orderable version an image tag's version part names (`18.3` -> `18.3.0`, `27` ->
 * `27.0.0`, `0.17.0-rc2` as it is), or null when it is none: registries' tags often leave out the
 * patch, which semver needs. At most three numeric parts, no leading zeros. */
export function looseVersion(value: string): string | null {
  const m = /^(0|[1-9]\d{0,8})(?:\.(0|[1-9]\d{0,8}))?(?:\.(0|[1-9]\d{0,8}))?(-[0-9A-Za-z.]+)?$/
    .exec(value);
  if (!m) return null;
  return orderableVersion(`${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}${m[4] ?? ""}`);
}

/** Orders two versions as compareVersions does, a pre-release's trailing number counted as a
 * number (`rc10` after `rc2`, which semver would order as text). */
export function compareReleases(a: string, b: string): number {
  // A clear error for a version that is none, as compareVersions gives.
  if (compareVersions(a, b) === 0) return 0;
  const numbered = (v: string) =>
    v.replace(/-(.*)$/, (_, pre: string) => `-${pre.replace(/([A-Za-z])(\d)/g, "$1.$2")}`);
  return semver.compare(numbered(a), numbered(b));
}
