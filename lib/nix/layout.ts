// The package as resolved: its spec's version copies, hashes and build file, filled in by discovery.
import type { PackageSpec } from "../runtime/config.ts";
import { agreedVersion, discover, type Discovery, type FoundHash } from "./discover.ts";
import { findVersion } from "./edit.ts";
import { InputError } from "../runtime/errors.ts";
import { parseVersion } from "./versions.ts";

/** The package's spec with every discoverable key filled in, and what discovery saw. */
export interface ResolvedPackage extends PackageSpec {
  discovery: Discovery;
  /** Hash literals pinned to a literal rev or URL: left alone, listed for the record. */
  pinned: FoundHash[];
  /** The version the copies agree on. */
  current: string;
}

/** Fills the spec's empty version, hashes and build file from what the files hold. */
export function resolvePackage(spec: PackageSpec, files: Map<string, string>): ResolvedPackage {
  const dir = spec.dir;
  const discovery = discover(files, spec.name);
  const resolved: PackageSpec = structuredClone(spec);
  if (resolved.version.length === 0) {
    resolved.version = discovery.versions.map((v) => ({
      file: v.file,
      key: v.key,
      index: v.index,
    }));
  }
  const current = spec.version.length > 0
    ? configuredVersion(spec, files)
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
  return { ...resolved, discovery, pinned, current };
}

function configuredVersion(spec: PackageSpec, files: Map<string, string>): string {
  let first: { file: string; value: string } | undefined;
  for (const location of spec.version) {
    const text = files.get(location.file);
    if (text === undefined) {
      throw new InputError(`version: ${spec.dir}/${location.file} does not exist`);
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
  // A `v` prefix is the file's own style, as agreedVersion reads it.
  return parseVersion(first!.value.replace(/^v/, ""), `${spec.dir}/${first!.file}: version`);
}
