// Which forge mirrors a package's Nix fetchers name, and the tag each asks for at the version (pure).
import { parseNixSource } from "./edit.ts";
import { forgeRepoOf } from "../platform/forge.ts";

/** A fetch from a forge mirror: `tag` has `{version}` where the file interpolates the version. */
export interface NixMirror {
  repo: string;
  tag: string;
  file: string;
  line: number;
}

/** A string literal whose only interpolation is the version (`"v${version}"`,
 * `"version/${sources.version}"`): its text with `{version}` there; else null. */
function versionTemplate(text: string, at: number): string | null {
  const m = /^"([^"\\$]*)\$\{\s*(?:[A-Za-z_][A-Za-z0-9_'-]*\.)*version\s*\}([^"\\$]*)"/.exec(
    text.slice(at, at + 300),
  );
  return m ? `${m[1]}{version}${m[2]}` : null;
}

/** Every fetch of a forge mirror in the package's `.nix` files (a `url` under the forge, or a
 * fetchFromGitea's `domain`, `owner` and `repo`), with the tag its `rev` or `tag` makes from the
 * version; a mirror fetched at a literal rev or with no rev is a problem, said with its place. */
export function nixMirrors(
  files: Map<string, string>,
  forgeUrls: string[],
): { mirrors: NixMirror[]; problems: string[] } {
  const mirrors: NixMirror[] = [];
  const problems: string[] = [];
  const hosts = forgeUrls.map((u) => new URL(u).host);
  for (const [file, text] of [...files].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    if (!file.endsWith(".nix")) continue;
    const src = parseNixSource(text);
    const sets = new Map<number, typeof src.assignments>();
    for (const a of src.assignments) {
      if (!a.set) continue;
      sets.set(a.set.open, [...sets.get(a.set.open) ?? [], a]);
    }
    for (const entries of sets.values()) {
      const literal = (key: string) => {
        const a = entries.find((e) => e.key === key);
        return a ? src.stringAt(a.value)?.value ?? null : null;
      };
      const url = literal("url");
      const domain = literal("domain");
      const repo = url !== null
        ? forgeRepoOf(url, forgeUrls)
        : domain !== null && hosts.includes(domain) && literal("owner") && literal("repo")
        ? `${literal("owner")}/${literal("repo")}`
        : null;
      if (repo === null) continue;
      const ref = entries.find((e) => e.key === "tag") ?? entries.find((e) => e.key === "rev");
      const where = `${file}:${entries[0].line}`;
      if (!ref) {
        problems.push(`${where}: ${repo} is fetched without a rev or tag`);
        continue;
      }
      const tag = versionTemplate(text, ref.value);
      if (tag === null) {
        problems.push(`${where}: ${repo} is fetched at a ${ref.key} not made from the version`);
        continue;
      }
      if (!mirrors.some((m) => m.repo === repo && m.tag === tag)) {
        mirrors.push({ repo, tag, file, line: ref.line });
      }
    }
  }
  return { mirrors, problems };
}
