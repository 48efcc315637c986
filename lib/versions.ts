// Versions: parsing and ordering of release versions (the only module that imports semver).
// @ts-types="@types/semver"
import semver from "semver";
import { InputError } from "./errors.ts";

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
