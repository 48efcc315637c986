// The repository's flakes: each `flake.lock` beside a `flake.nix` is a package of its own (pure).
import type { FoundPackage, Unresolved } from "../repository/scan.ts";
import type { ServiceRecord } from "../mikado/service_versions.ts";
import { lockDate, parseFlakeLock } from "./lock.ts";

/** The name of the package of the flake in `dir`: `ringtail-flake` for `nixos/ringtail`. */
export function flakePackageName(dir: string): string {
  return `${dir.split("/").filter(Boolean).at(-1) ?? "root"}-flake`;
}

/** A package per lock file. `locks` maps each `flake.lock` path (beside a flake.nix) to its text;
 * `services` is what the host runs from the flake's packages (service entry -> package name of
 * its closure): the flake's row on the dashboard is the first such entry the file has. */
export function scanFlakes(
  locks: Map<string, string>,
  entries: ServiceRecord[],
  services: Record<string, string>,
): { packages: FoundPackage[]; unresolved: Unresolved[] } {
  const packages: FoundPackage[] = [];
  const unresolved: Unresolved[] = [];
  for (const [path, text] of [...locks].sort(([a], [b]) => a.localeCompare(b))) {
    const dir = path.split("/").slice(0, -1).join("/");
    let version: string;
    try {
      version = lockDate(parseFlakeLock(text, path));
    } catch (e) {
      unresolved.push({ dir: dir || ".", reason: (e as Error).message });
      continue;
    }
    const name = flakePackageName(dir);
    const service = Object.keys(services).find((s) => entries.some((e) => e.name === s)) ?? name;
    packages.push({
      name,
      dir: dir || ".",
      kind: "flake",
      version,
      mirrors: [],
      service: { name: service, by: "name" },
      hashes: [],
    });
  }
  return { packages, unresolved };
}
