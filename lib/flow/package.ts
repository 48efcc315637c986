// The package as the bot reads it: its layout (version copies, hashes, build file) from a checkout or
// a git ref, from config or discovered, and the current version on the forge with one request.
import { join, relative } from "node:path";
import type { Config } from "../runtime/config.ts";
import { agreedVersion, discover, type Discovery, type FoundHash } from "../nix/discover.ts";
import { findVersion } from "../nix/edit.ts";
import { InputError } from "../runtime/errors.ts";
import type { Git } from "../runtime/git.ts";
import YAML from "yaml";
import type { Forge } from "../platform/forgejo/client.ts";

/** The config with every discoverable key filled in, and what discovery saw. */
export interface Layout {
  config: Config;
  discovery: Discovery;
  /** Hash literals pinned to a literal rev or URL: left alone, listed for the record. */
  pinned: FoundHash[];
  /** The version the copies agree on. */
  version: string;
}

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

/** Fills the config's empty version, hashes and build file from what the files hold. */
export function resolveLayout(config: Config, files: Map<string, string>): Layout {
  const dir = config.package.dir;
  const discovery = discover(files, config.package.name);
  const resolved: Config = structuredClone(config);
  if (resolved.version.length === 0) {
    resolved.version = discovery.versions.map((v) => ({
      file: v.file,
      key: v.key,
      index: v.index,
    }));
  }
  const version = config.version.length > 0
    ? configuredVersion(config, files)
    : agreedVersion(discovery.versions, dir);
  let pinned: FoundHash[] = [];
  if (resolved.hashes.length === 0) {
    resolved.hashes = discovery.hashes.filter((h) => !h.pinned).map((h) => ({
      name: h.name,
      file: h.file,
      key: h.key,
      index: h.index,
    }));
    pinned = discovery.hashes.filter((h) => h.pinned);
    if (resolved.hashes.length === 0) {
      throw new InputError(
        `${dir}: no hash literal to harvest (hash, outputHash, vendorHash, ...) in any .nix file`,
      );
    }
  }
  if (resolved.build.file === "") {
    if (discovery.buildFile === null) {
      throw new InputError(`${dir}: neither test-build.nix nor default.nix: set build.file`);
    }
    resolved.build.file = discovery.buildFile;
  } else if (!files.has(resolved.build.file)) {
    throw new InputError(`build.file: ${dir}/${resolved.build.file} does not exist`);
  }
  return { config: resolved, discovery, pinned, version };
}

function configuredVersion(config: Config, files: Map<string, string>): string {
  let first: { file: string; value: string } | undefined;
  for (const location of config.version) {
    const text = files.get(location.file);
    if (text === undefined) {
      throw new InputError(`version: ${config.package.dir}/${location.file} does not exist`);
    }
    const value = findVersion(text, location).value;
    if (first && value !== first.value) {
      throw new InputError(
        `${location.file} says version ${value} but ${first.file} says ${first.value}: ` +
          `the copies must agree before an upgrade`,
      );
    }
    first ??= { file: location.file, value };
  }
  return first!.value;
}

/** Reads and resolves the layout of the package in `pkgDir`. */
export async function loadLayout(config: Config, pkgDir: string): Promise<Layout> {
  return resolveLayout(config, await readNixFiles(pkgDir));
}

/** The `.nix` files of the package directory as they are at `ref` (a branch the checkout has not
 * checked out). */
export async function readNixFilesAt(
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

/** The `current-version` of the service's entry in service-versions.yaml (a list of services, or a
 * mapping whose `services` key holds it), without a `v` prefix. */
export function serviceVersion(text: string, file: string, name: string): string {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { services?: unknown } | null)?.services;
  if (!Array.isArray(list)) throw new InputError(`${file}: expected a list of services`);
  const entry = list.find((s) => (s as { name?: unknown })?.name === name) as
    | Record<string, unknown>
    | undefined;
  const value = entry?.["current-version"];
  if (typeof value !== "string" || value === "") {
    throw new InputError(`${file}: service ${JSON.stringify(name)} has no current-version`);
  }
  return value.replace(/^v/, "");
}

/** The current version on the base branch, read with one request: the configured version file,
 * else the service's entry in service-versions.yaml (the repository's checks keep it equal to the
 * Nix files; the clone's files are read again before anything changes). */
export async function versionOnForge(forge: Forge, config: Config): Promise<string> {
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
