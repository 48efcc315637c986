// Package paths: the path literals of a package's Nix files that reach outside its directory (pure).
import { posix } from "node:path";
import { pathLiterals } from "./edit.ts";

export interface OutsidePath {
  file: string;
  line: number;
  path: string;
}

/** Every path literal of `files` (relative to the package directory, with their text) that names
 * something outside the package directory: `../x`, an absolute path, `~/x`. A remote builder gets
 * only the package directory, so the build host cannot read them. */
export function pathsOutside(files: Map<string, string>): OutsidePath[] {
  const out: OutsidePath[] = [];
  for (const [file, text] of files) {
    if (!file.endsWith(".nix")) continue;
    for (const { path, line } of pathLiterals(text)) {
      const outside = path.startsWith("/") || path.startsWith("~") ||
        posix.normalize(posix.join(posix.dirname(file), path)).startsWith("..");
      if (outside) out.push({ file, line, path });
    }
  }
  return out;
}
