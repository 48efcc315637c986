// The package as it is: resolved from a checkout or a git ref, and its current version on the forge.
import { join, relative } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { findVersion } from "../nix/edit.ts";
import { serviceVersion } from "../mikado/service_versions.ts";
import { InputError } from "../runtime/errors.ts";
import { parseVersion } from "../nix/versions.ts";
import type { Git } from "../runtime/git.ts";
import type { BaseFiles } from "./context.ts";
import { type ResolvedPackage, resolvePackage } from "../nix/layout.ts";

/** Every `.nix` file under `dir`, by path relative to it. */
export async function readNixFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (at: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(at));
    } catch (e) {
      throw new InputError(`${dir}: cannot read the package directory: ${(e as Error).message}`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".nix")) {
        files.set(relative(dir, path), await Deno.readTextFile(path));
      }
    }
  };
  await walk(dir);
  return files;
}

/** The package as its files in `pkgDir` (its directory in a checkout) hold it. */
export async function loadPackage(spec: PackageSpec, pkgDir: string): Promise<ResolvedPackage> {
  return resolvePackage(spec, await readNixFiles(pkgDir));
}

/** The package as it is at `ref` (a branch the checkout has not checked out). */
export async function packageAt(
  spec: PackageSpec,
  git: Git,
  ref: string,
): Promise<ResolvedPackage> {
  return resolvePackage(spec, await readNixFilesAt(git, ref, spec.dir));
}

/** The `.nix` files of the package directory as they are at `ref`. */
async function readNixFilesAt(
  git: Git,
  ref: string,
  dir: string,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const listing = await git.run(["ls-tree", "-r", "-z", "--name-only", ref, "--", `${dir}/`]);
  for (const path of listing.split("\0").filter((p) => p.endsWith(".nix"))) {
    files.set(relative(dir, path), await git.run(["show", `${ref}:${path}`]));
  }
  return files;
}

/** The current version on the base branch, read with one request: the configured version file,
 * else the service's entry in service-versions.yaml (the repository's checks keep it equal to the
 * Nix files; the clone's files are read again before anything changes; the run reads the file
 * once for every package and the dashboard), unless the run's scan of the base branch read it
 * already. */
export async function versionOnForge(
  files: BaseFiles,
  settings: Settings,
  spec: PackageSpec,
): Promise<string> {
  // Read already in this run, by the scan of the base branch.
  if (spec.base_version !== undefined) return spec.base_version;
  const { repo } = settings.forge;
  if (spec.version.length > 0) {
    const location = spec.version[0];
    const path = join(spec.dir, location.file);
    const value = findVersion(await files(path), {
      ...location,
      file: `${repo}:${path}`,
    }).value;
    // Read where it is read: a version the bot cannot order stops this package, named.
    return parseVersion(value.replace(/^v/, ""), `${repo}:${path}: version`);
  }
  if (!spec.service_versions) {
    throw new InputError(
      `with service_versions off, set "version" in the config: the cron run reads the current ` +
        `version from its first file`,
    );
  }
  const { file, name } = spec.service_versions;
  const value = serviceVersion(await files(file), `${repo}:${file}`, name);
  return parseVersion(value, `${repo}:${file}: current-version of ${name}`);
}
