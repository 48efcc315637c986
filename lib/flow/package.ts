// The package as it is: its layout from a checkout or a git ref, and the current version on the forge.
import { join, relative } from "node:path";
import type { Config } from "../runtime/config.ts";
import { findVersion } from "../nix/edit.ts";
import { serviceVersion } from "../mikado/service_versions.ts";
import { InputError } from "../runtime/errors.ts";
import type { Git } from "../runtime/git.ts";
import type { Forge } from "../platform/forge.ts";
import { type Layout, resolveLayout } from "../nix/layout.ts";

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

/** Reads and resolves the layout of the package in `pkgDir`. */
export async function loadLayout(config: Config, pkgDir: string): Promise<Layout> {
  return resolveLayout(config, await readNixFiles(pkgDir));
}

/** The layout of the package as it is at `ref` (a branch the checkout has not checked out). */
export async function layoutAt(config: Config, git: Git, ref: string): Promise<Layout> {
  return resolveLayout(config, await readNixFilesAt(git, ref, config.package.dir));
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
 * Nix files; the clone's files are read again before anything changes), unless the run's scan of
 * the base branch read it already. */
export async function versionOnForge(forge: Forge, config: Config): Promise<string> {
  // Read already in this run, by the scan of the base branch.
  if (config.package.version !== undefined) return config.package.version;
  const { repo, base } = config.forge;
  if (config.version.length > 0) {
    const location = config.version[0];
    const path = join(config.package.dir, location.file);
    return findVersion(await forge.readFile(repo, path, base), {
      ...location,
      file: `${repo}:${path}`,
    }).value;
  }
  if (!config.service_versions) {
    throw new InputError(
      `with service_versions off, set "version" in the config: the cron run reads the current ` +
        `version from its first file`,
    );
  }
  const { file, name } = config.service_versions;
  return serviceVersion(await forge.readFile(repo, file, base), `${repo}:${file}`, name);
}
