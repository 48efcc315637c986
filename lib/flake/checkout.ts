// The flake lock files of a checkout, read for the scan: every `flake.lock` beside a `flake.nix`, a few levels deep.
import { join } from "node:path";

/** How deep the walk looks (`nixos/ringtail/flake.lock` is two levels down). */
const MAX_DEPTH = 4;

/** Each `flake.lock` (repository path) with its text; dot-directories and node_modules skipped. */
export async function readFlakeLocks(top: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string, depth: number) => {
    const names = new Set<string>();
    const subdirs: string[] = [];
    for await (const e of Deno.readDir(join(top, dir))) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      if (e.isDirectory && depth < MAX_DEPTH) subdirs.push(e.name);
      else if (e.isFile) names.add(e.name);
    }
    if (names.has("flake.lock") && names.has("flake.nix")) {
      const path = dir ? `${dir}/flake.lock` : "flake.lock";
      found.set(path, await Deno.readTextFile(join(top, path)));
    }
    for (const s of subdirs.sort()) await walk(dir ? `${dir}/${s}` : s, depth + 1);
  };
  await walk("", 0);
  return found;
}
