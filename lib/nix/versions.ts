// Versions: parsing and ordering of release versions: SemVer 2.0.0's grammar and precedence, in a
// few lines (the semver package took longer to load than a cron run's own work).
import { InputError } from "../runtime/errors.ts";

const IDENT = String.raw`(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)`;
/** A version in canonical form (no `v`, no build metadata, no leading zeros). */
const SEMVER = new RegExp(
  String.raw`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(${IDENT}(?:\.${IDENT})*))?$`,
);

interface Parsed {
  core: [number, number, number];
  pre: string[];
}

function parse(value: string): Parsed | null {
  if (value.length > 256) return null;
  const m = SEMVER.exec(value);
  if (!m) return null;
  const core = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  if (core.some((n) => !Number.isSafeInteger(n))) return null;
  return { core, pre: m[4] ? m[4].split(".") : [] };
}

function valid(value: string): string | null {
  return parse(value) ? value : null;
}

function mustParse(value: string): Parsed {
  const p = parse(value);
  if (!p) throw new TypeError(`Invalid Version: ${value}`);
  return p;
}

/** SemVer precedence: the core numerically, a pre-release below its release, pre-release
 * identifiers numeric below alphanumeric, numbers by value, others in ASCII order, more
 * identifiers above fewer when the rest is equal. */
function compare(a: string, b: string): number {
  const x = mustParse(a);
  const y = mustParse(b);
  for (let i = 0; i < 3; i++) {
    if (x.core[i] !== y.core[i]) return x.core[i] < y.core[i] ? -1 : 1;
  }
  // A release (no pre-release) is above its pre-releases.
  if (!x.pre.length || !y.pre.length) return Math.sign(y.pre.length - x.pre.length) || 0;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** authentik versions are YEAR.MONTH.PATCH, optionally with a pre-release (`2026.5.0-rc1`). */
export function parseVersion(value: string, what = "version"): string {
  const v = valid(value);
  if (v === null || v !== value || value.length > 64) {
    throw new InputError(
      `${what} ${JSON.stringify(value.slice(0, 80))} is not a release version like 2026.5.0`,
    );
  }
  return v;
}

export function compareVersions(a: string, b: string): number {
  return compare(a, b);
}

export function isPrerelease(version: string): boolean {
  return mustParse(version).pre.length > 0;
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
  const v = valid(candidate);
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
    .filter((v) => compare(v, current) > 0 && (prereleases || !isPrerelease(v)));
  return [...new Set(versions)].sort((a, b) => compare(b, a));
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
