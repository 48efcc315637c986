// First sight of a release: when the bot first saw a mirror tag at its commit, kept in the target repository where upstream cannot write (min_release_age counts from it).
import { join } from "node:path";
import type { Forge } from "../platform/forge.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { TagRecord } from "../mikado/tag_record.ts";
import { Git } from "../runtime/git.ts";

/** The notes ref of a package's first sightings: one per package, so packages running at once
 * never push the same ref. */
export function sightingsRef(pkg: string): string {
  return `refs/notes/upgrade-bot-seen/${pkg}`;
}

/** When the bot first saw `tag` at its commit (a tag moved to another commit is a new sighting),
 * in milliseconds since the epoch: its note in the package's notes ref on the target repository,
 * else `now`, noted there (a dry run notes nothing). Neither a tag's nor a commit's date counts:
 * upstream writes those. */
export async function firstSeen(
  settings: Pick<Settings, "forge" | "git" | "dryRun">,
  forge: Pick<Forge, "gitRemote">,
  spec: Pick<PackageSpec, "name">,
  tag: TagRecord,
  now = Date.now(),
): Promise<number> {
  const ref = sightingsRef(spec.name);
  const remote = forge.gitRemote(settings.forge.repo);
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-seen-" });
  try {
    const author = { name: settings.git.author_name, email: settings.git.author_email };
    const git = new Git(dir, author, remote.env);
    await git.run(["init", "--quiet", "--bare"]);
    let before = "";
    try {
      await git.run(["fetch", "--quiet", remote.url, `+${ref}:${ref}`]);
      before = (await git.run(["rev-parse", ref])).trim();
    } catch (e) {
      if (!/couldn't find remote ref/i.test((e as Error).message)) throw e;
    }
    // The note hangs on an object named by the sighting itself: mirror, tag and commit.
    const sighting = join(dir, "sighting");
    await Deno.writeTextFile(sighting, `${tag.repo} ${tag.tag} ${tag.commit}\n`);
    const key = (await git.run(["hash-object", "-w", sighting])).trim();
    if (before) {
      const note = await git.run(["notes", "--ref", ref, "show", key]).catch(() => "");
      const at = Date.parse(note.trim());
      if (!Number.isNaN(at)) return at;
    }
    if (settings.dryRun) return now;
    await git.run([
      "notes",
      "--ref",
      ref,
      "add",
      "--force",
      "-m",
      new Date(now).toISOString(),
      key,
    ]);
    // The lease: a sighting pushed since the fetch fails this push rather than be dropped.
    await git.run([
      "push",
      "--quiet",
      `--force-with-lease=${ref}:${before}`,
      remote.url,
      `${ref}:${ref}`,
    ]);
    return now;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
