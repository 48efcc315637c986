// Literal edits in the package's files: the version bumped, hashes read, reset or written back.
import { join } from "node:path";
import type { HashSpec, PackageSpec } from "../runtime/config.ts";
import { findHash, findVersion, type LiteralQuery, replaceLiteral } from "../nix/edit.ts";
import { hashAlgo, type HashOutcome, placeholderHashOf } from "../nix/hash.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { InputError } from "../runtime/errors.ts";
import { OTHER_VERSION_FILES } from "../site/defaults.ts";

async function readText(dir: string, file: string): Promise<string> {
  try {
    return await Deno.readTextFile(join(dir, file));
  } catch (e) {
    throw new InputError(`${file}: cannot read it in ${dir}: ${(e as Error).message}`);
  }
}

/** Writes `version` into every configured copy. */
export async function bumpVersion(
  dir: string,
  pkg: Pick<PackageSpec, "version">,
  version: string,
): Promise<void> {
  for (const location of pkg.version) {
    await editFile(
      dir,
      location.file,
      (text) => {
        const literal = findVersion(text, location);
        // Each file keeps its own style: "v1.2.3" stays prefixed.
        const prefix = literal.value.startsWith("v") && !version.startsWith("v") ? "v" : "";
        return replaceLiteral(text, literal, prefix + version);
      },
    );
  }
}

/** The site's non-Nix copies of the version in the package directory (a Dockerfile's
 * `ARG CONTAINER_APP_VERSION=`), each in its own style; returns the files changed. */
export async function bumpOtherVersionFiles(dir: string, version: string): Promise<string[]> {
  const changed: string[] = [];
  for (const { file, pattern } of OTHER_VERSION_FILES) {
    let text: string;
    try {
      text = await Deno.readTextFile(join(dir, file));
    } catch {
      continue; // not every package has one
    }
    const edited = text.replace(
      pattern,
      (_all, before: string, prefix: string) =>
        `${before}${prefix || ""}${version.replace(/^v/, "")}`,
    );
    if (edited !== text) {
      await writeFileAtomic(join(dir, file), edited);
      changed.push(file);
    }
  }
  return changed;
}

async function editFile(dir: string, file: string, edit: (text: string) => string): Promise<void> {
  const text = await readText(dir, file);
  const edited = edit(text);
  if (edited !== text) await writeFileAtomic(join(dir, file), edited);
}

export async function writeHash(
  dir: string,
  spec: HashSpec,
  system: string,
  value: string,
): Promise<void> {
  await editFile(
    dir,
    spec.file,
    (text) => replaceLiteral(text, findHash(text, spec, system).literal, value),
  );
}

/** Locates every hash before anything is written, so a missing literal stops the run cleanly. */
export async function readHashes(
  dir: string,
  pkg: Pick<PackageSpec, "hashes">,
  system: string,
): Promise<HashOutcome[]> {
  const outcomes: HashOutcome[] = [];
  for (const spec of pkg.hashes) {
    const found = findHash(await readText(dir, spec.file), spec as LiteralQuery, system);
    outcomes.push({
      name: spec.name,
      file: spec.file,
      old: found.literal.value,
      new: null,
      unchanged: false,
      otherSystems: found.otherSystems.map((o) => ({
        system: o.system,
        old: o.value,
        new: null,
        unchanged: false,
        stale: null,
      })),
    });
  }
  return outcomes;
}

/** Sets every hash to its own placeholder and returns what they were. */
export async function resetHashes(
  dir: string,
  pkg: Pick<PackageSpec, "hashes">,
  system: string,
): Promise<HashOutcome[]> {
  const hashes = await readHashes(dir, pkg, system);
  for (const [i, spec] of pkg.hashes.entries()) {
    await writeHash(
      dir,
      spec,
      system,
      placeholderFor(spec, hashes[i].old, await readText(dir, spec.file)),
    );
  }
  return hashes;
}

/** A literal's placeholder, of the algorithm its derivation expects: the old value's own, else the
 * key's (`sha512 = ...`), else the file's `outputHashAlgo` (Nix rejects an SRI of another type).
 * Another system's entry of a per-system set (`system`) gets one of its own. */
export function placeholderFor(
  spec: HashSpec,
  old: string,
  fileText: string,
  system?: string,
): string {
  const declared = /\boutputHashAlgo\s*=\s*"(sha1|sha256|sha512)"/.exec(fileText)?.[1];
  const byKey = spec.key === "sha512" ? "sha512" : declared ?? "sha256";
  const seed = system === undefined ? spec.name : `${spec.name}@${system}`;
  return placeholderHashOf(seed, hashAlgo(old, byKey));
}
