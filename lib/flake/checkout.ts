// The flake lock files of a repository, read for the scan: every `flake.lock` beside a `flake.nix`, a few levels deep.
import type { RepoFiles } from "../runtime/tree.ts";

/** How deep the walk looks (`nixos/ringtail/flake.lock` is two levels down). */
const MAX_DEPTH = 4;

/** Each `flake.lock` (repository path) with its text, a directory's before those below it;
 * dot-directories and node_modules skipped. */
export async function readFlakeLocks(files: RepoFiles): Promise<Map<string, string>> {
  const paths = await files.list("", MAX_DEPTH);
  const all = new Set(paths);
  const dirOf = (p: string) => p.split("/").slice(0, -1);
  const locks = paths.filter((p) => {
    const dir = dirOf(p).join("/");
    const nix = dir ? `${dir}/flake.nix` : "flake.nix";
    return p.split("/").at(-1) === "flake.lock" && all.has(nix);
  }).sort((a, b) => {
    const [x, y] = [dirOf(a), dirOf(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  });
  const found = new Map<string, string>();
  for (const path of locks) {
    const text = await files.read(path);
    if (text !== null) found.set(path, text);
  }
  return found;
}
