// What the pin and the drift read of a checkout: the containers' build files and every YAML file under argocd/.
import { join } from "node:path";
import { InputError } from "../runtime/errors.ts";
import { CONTAINERS_DIR, MANIFESTS_DIR } from "../site/defaults.ts";

export interface PinFiles {
  /** `containers/<name>/Dockerfile` and `default.nix` -> text. */
  builds: Map<string, string>;
  /** Every `.yaml`/`.yml` under the manifests directory -> text. */
  manifests: Map<string, string>;
}

async function walk(
  top: string,
  dir: string,
  keep: (path: string) => boolean,
  out: Map<string, string>,
) {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(join(top, dir)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw new InputError(`${join(top, dir)}: cannot read it: ${(e as Error).message}`);
  }
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await walk(top, path, keep, out);
    else if (e.isFile && keep(path)) out.set(path, await Deno.readTextFile(join(top, path)));
  }
}

/** The files of the checkout in `top` the pin reads. */
export async function readPinFiles(top: string): Promise<PinFiles> {
  const builds = new Map<string, string>();
  const manifests = new Map<string, string>();
  await walk(
    top,
    CONTAINERS_DIR,
    (p) => /^[^/]+\/[^/]+\/(Dockerfile|default\.nix)$/.test(p),
    builds,
  );
  await walk(top, MANIFESTS_DIR, (p) => /\.ya?ml$/.test(p), manifests);
  return { builds, manifests };
}
