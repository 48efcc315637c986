// What the pin and the drift read of a repository's files: the containers' build files and every YAML file under argocd/.
import type { RepoFiles } from "../runtime/tree.ts";
import { CONTAINERS_DIR, MANIFESTS_DIR } from "../site/defaults.ts";

export interface PinFiles {
  /** `containers/<name>/Dockerfile` and `default.nix` -> text. */
  builds: Map<string, string>;
  /** Every `.yaml`/`.yml` under the manifests directory -> text. */
  manifests: Map<string, string>;
}

async function readAll(
  files: RepoFiles,
  dir: string,
  keep: (path: string) => boolean,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of (await files.list(dir)).filter(keep)) {
    const text = await files.read(path);
    if (text !== null) out.set(path, text);
  }
  return out;
}

/** What each repository's files gave, kept while they live: the scan and the pins of a run read
 * the same base, and one map of its manifests keeps their parse (lib/pins/references.ts) for
 * both. */
const read = new WeakMap<RepoFiles, Promise<PinFiles>>();

/** The files the pin reads (the same maps for the same files: never change them). */
export function readPinFiles(files: RepoFiles): Promise<PinFiles> {
  let pinFiles = read.get(files);
  if (!pinFiles) read.set(files, pinFiles = readAllPinFiles(files));
  return pinFiles;
}

async function readAllPinFiles(files: RepoFiles): Promise<PinFiles> {
  return {
    builds: await readAll(
      files,
      CONTAINERS_DIR,
      (p) => /^[^/]+\/[^/]+\/(Dockerfile|default\.nix)$/.test(p),
    ),
    manifests: await readAll(files, MANIFESTS_DIR, (p) => /\.ya?ml$/.test(p)),
  };
}
