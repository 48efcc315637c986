// A repository's files as the scan and the pins read them: from a checkout on disk, or from a commit's tree in git's objects, no checkout written.
import { join } from "node:path";
import { InputError } from "./errors.ts";
import { readOptional } from "./files.ts";
import type { Git } from "./git.ts";

/** The files of a repository, by repository path (`argocd/apps/x.yaml`). Names starting with "."
 * and `node_modules` are never listed, at any depth; only files are (no symlinks, no
 * submodules). */
export interface RepoFiles {
  /** The files below `dir` ("": everywhere), at most `depth` directories below it; none when
   * there is no such directory. */
  list(dir: string, depth?: number): Promise<string[]>;
  /** A file's text; null when there is no such file. */
  read(path: string): Promise<string | null>;
}

const skipped = (name: string) => name.startsWith(".") || name === "node_modules";

/** The files of the checkout in `top`, as its work tree has them (changes and new files too). */
export function checkoutFiles(top: string): RepoFiles {
  const walk = async (dir: string, depth: number, out: string[]) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(top, dir)));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw new InputError(`${join(top, dir)}: cannot read it: ${(e as Error).message}`);
    }
    for (const e of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (skipped(e.name)) continue;
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory && depth > 0) await walk(path, depth - 1, out);
      else if (e.isFile) out.push(path);
    }
  };
  return {
    async list(dir, depth = Infinity) {
      const out: string[] = [];
      await walk(dir, depth, out);
      return out;
    },
    read: (path) => readOptional(join(top, path)),
  };
}

/** One entry of `git ls-tree -r -z`: `<mode> <type> <oid>\t<path>`. */
const LS_TREE_ENTRY = /^(\d{6}) blob ([0-9a-f]{40,64})\t(.+)$/s;

/** The files of commit `rev` in the clone `git`, read at once: every file's text from one
 * `git cat-file --batch` (a checkout of the repository's 627 files cost a cron run with nothing
 * new a second of writing). `fetchBlobs`: the clone is blobless (`--filter=blob:none`), so the
 * tree's files come first in one fetch, as a checkout would bring them. Only the files `keep`
 * takes are listed, fetched and read. */
export async function commitFiles(
  git: Git,
  rev: string,
  fetchBlobs: boolean,
  keep: (path: string) => boolean = () => true,
): Promise<RepoFiles> {
  const oids = new Map<string, string>();
  for (const entry of (await git.run(["ls-tree", "-r", "-z", rev])).split("\0")) {
    const m = LS_TREE_ENTRY.exec(entry);
    // Regular and executable files; a symlink (120000) is not followed, as on disk.
    if (!m || !m[1].startsWith("100")) continue;
    if (m[3].split("/").some(skipped) || !keep(m[3])) continue;
    oids.set(m[3], m[2]);
  }
  const texts = await readBlobs(git, [...new Set(oids.values())], fetchBlobs);
  const paths = [...oids.keys()];
  return {
    list(dir, depth = Infinity) {
      const prefix = dir ? `${dir}/` : "";
      return Promise.resolve(
        paths.filter((p) =>
          p.startsWith(prefix) && p.slice(prefix.length).split("/").length - 1 <= depth
        ),
      );
    },
    read(path) {
      const oid = oids.get(path);
      return Promise.resolve(oid === undefined ? null : texts.get(oid) ?? null);
    },
  };
}

/** The texts of the blobs `oids` in the clone `git`, by oid, from one `git cat-file --batch`.
 * `fetch`: the clone is partial (`--filter=blob:none`), so the blobs come first, in one fetch of
 * exactly those objects. */
export async function readBlobs(
  git: Git,
  oids: string[],
  fetch: boolean,
): Promise<Map<string, string>> {
  if (oids.length === 0) return new Map();
  const list = oids.join("\n") + "\n";
  if (fetch) {
    // As git's own lazy fetch of a partial clone asks: exact objects, so no ref listing, and the
    // filter that makes the pack a promisor pack (wanted blobs are sent whatever the filter).
    await git.run([
      "-c",
      "fetch.negotiationAlgorithm=noop",
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      "--recurse-submodules=no",
      "--filter=blob:none",
      "--stdin",
      "origin",
    ], list);
  }
  return readBatch(await git.bytes(["cat-file", "--batch"], list));
}

/** `git cat-file --batch`'s answer: `<oid> <type> <size>\n<size bytes>\n` per object, decoded. */
function readBatch(out: Uint8Array): Map<string, string> {
  const texts = new Map<string, string>();
  const decoder = new TextDecoder();
  let at = 0;
  while (at < out.length) {
    const end = out.indexOf(0x0a, at);
    if (end < 0) break;
    const header = decoder.decode(out.subarray(at, end));
    const m = /^([0-9a-f]{40,64}) \w+ (\d+)$/.exec(header);
    if (!m) throw new InputError(`git cat-file --batch: unexpected answer: ${header}`);
    const size = Number(m[2]);
    texts.set(m[1], decoder.decode(out.subarray(end + 1, end + 1 + size)));
    at = end + 1 + size + 1;
  }
  return texts;
}
