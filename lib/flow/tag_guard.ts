// Moved tags: the open pull request's recorded tags against what they name now, said once on it.
import { ownComments } from "../upstream/inert.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import {
  movedComment,
  movedLine,
  movedMarker,
  type MovedTag,
  movedTags,
  parseRecord,
} from "../mikado/tag_record.ts";
import { progress } from "../runtime/log.ts";

/** The tags `open` was harvested from (its body's record) that name another commit now, each
 * said once in a comment on it (not in a dry run). `ownTags`: the package's own mirror's tags
 * and commits, listed already; another mirror's tag costs one request. */
export async function movedTagsOf(
  forge: Forge,
  settings: Settings,
  spec: PackageSpec,
  open: Pull,
  ownTags: Map<string, string>,
): Promise<MovedTag[]> {
  const record = parseRecord(open.body);
  const own = spec.mirrors[0].repo;
  const now = new Map<string, string | null>();
  for (const r of record) {
    if (r.repo === own) now.set(`${r.repo} ${r.tag}`, ownTags.get(r.tag) ?? null);
    else now.set(`${r.repo} ${r.tag}`, (await forge.tag(r.repo, r.tag))?.sha ?? null);
  }
  const moved = movedTags(record, (repo, tag) => now.get(`${repo} ${tag}`) ?? null);
  if (moved.length === 0) return moved;
  for (const m of moved) progress(`#${open.number}: ${movedLine(m)}: pushing nothing`);
  if (settings.dryRun) return moved;
  const repo = settings.forge.repo;
  const me = await forge.whoami();
  const said = (await forge.comments(repo, open.number)).filter((c) => c.user === me);
  if (!moved.every((m) => said.some((c) => ownComments(c.body).includes(movedMarker(m))))) {
    await forge.comment(repo, open.number, movedComment(moved));
  }
  return moved;
}
