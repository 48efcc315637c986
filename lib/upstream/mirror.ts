// A mirror read over git between two tags, fetching no more than needed: the commits between them, both tips' trees, chosen files.
import { Git, type Remote } from "../runtime/git.ts";
import { readBlobs } from "../runtime/tree.ts";

/** What git tells about a mirror between two tags. */
export interface MirrorDiff {
  /** Commits in `from..to` (null: not counted, `problem` says why). */
  commits: number | null;
  /** Every path that differs between the two tips, with its blob at each (null: absent). */
  changed: { path: string; from: string | null; to: string | null }[];
  /** The blob of `path` at the new tag, or null. */
  blobAt(path: string): Promise<string | null>;
  /** The texts of these blobs, in one fetch. */
  read(blobs: string[]): Promise<Map<string, string>>;
  problems: string[];
}

/** A partial clone with the forge's credential (its scoped header). Nothing here reads a file's
 * content before `read` fetched it; `GIT_NO_LAZY_FETCH` makes a git that knows it (newer than 2.39) fail rather
 * than fetch behind the bot's back if that ever changed. */
async function partialRepo(remote: Remote, dir: string): Promise<Git> {
  await Deno.mkdir(dir);
  const git = new Git(dir, undefined, { ...remote.env, GIT_NO_LAZY_FETCH: "1" });
  await git.run(["init", "--quiet", "--bare"]);
  await git.run(["remote", "add", "origin", remote.url]);
  return git;
}

const tagRef = (tag: string) => `refs/tags/${tag}`;

/** Reads `repo` between tags `from` and `to` in a scratch directory, in three fetches: the
 * commits of `from..to` without their trees (`--filter=tree:0 --shallow-exclude`: the count),
 * beside it both tips with their trees and no file contents (`--depth=1 --filter=blob:none`: what
 * changed), then only the blobs asked for. Forgejo enables partial clones by default
 * (`uploadpack.allowFilter`, `allowAnySHA1InWant`); without them git fetches more, still right. */
export async function withMirrorDiff<T>(
  remote: Remote,
  from: string,
  to: string,
  fn: (d: MirrorDiff) => Promise<T>,
): Promise<T> {
  const scratch = await Deno.makeTempDir({ prefix: "upgrade-bot-mirror-" });
  try {
    const [history, tips] = await Promise.all([
      partialRepo(remote, `${scratch}/history`),
      partialRepo(remote, `${scratch}/tips`),
    ]);
    const problems: string[] = [];
    const counted = (async () => {
      await history.run([
        "fetch",
        "--quiet",
        "--no-tags",
        "--filter=tree:0",
        `--shallow-exclude=${tagRef(from)}`,
        "origin",
        `+${tagRef(to)}:${tagRef(to)}`,
      ]);
      return Number((await history.run(["rev-list", "--count", tagRef(to)])).trim());
    })().catch((e: Error) => {
      problems.push(`the commits of ${from}..${to}: ${e.message}`);
      return null;
    });
    const [commits] = await Promise.all([
      counted,
      tips.run([
        "fetch",
        "--quiet",
        "--no-tags",
        "--depth=1",
        "--filter=blob:none",
        "origin",
        `+${tagRef(from)}:${tagRef(from)}`,
        `+${tagRef(to)}:${tagRef(to)}`,
      ]),
    ]);
    const raw = await tips.run(["diff-tree", "-r", "-z", "--no-renames", tagRef(from), tagRef(to)]);
    return await fn({
      commits,
      changed: parseDiffTree(raw),
      problems,
      blobAt: async (path) => {
        const entry = await tips.run(["ls-tree", "-z", tagRef(to), "--", path]);
        const m = /^\d+ blob ([0-9a-f]+)\t/.exec(entry);
        return m ? m[1] : null;
      },
      read: (blobs) => readBlobs(tips, blobs, true),
    });
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

const NO_BLOB = /^0+$/;

/** `git diff-tree -r -z` output: `:mode mode old new status\0path\0` per changed file. */
export function parseDiffTree(raw: string): MirrorDiff["changed"] {
  const fields = raw.split("\0");
  const out: MirrorDiff["changed"] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) \w+$/.exec(fields[i]);
    if (!m) continue;
    out.push({
      path: fields[i + 1],
      from: NO_BLOB.test(m[1]) ? null : m[1],
      to: NO_BLOB.test(m[2]) ? null : m[2],
    });
  }
  return out;
}
