// Release notes: where a release's notes file is, per version (pure).

/** The placeholders a `release_notes` path pattern may use. */
export const NOTES_PLACEHOLDERS = ["version", "major", "minor", "patch", "year"];

/** The notes path of `version`: `{version}`, `{major}`, `{minor}`, `{patch}`, and `{year}`, the
 * first number of a calendar version (authentik's 2026.5.1: year 2026, minor 5). */
export function notesPath(pattern: string, version: string): string {
  const [major = "", minor = "", patch = ""] = version.split(/[.-]/);
  const values: Record<string, string> = { version, major, minor, patch, year: major };
  return pattern.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}
