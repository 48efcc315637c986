// The pipeline's steps on the checked-out branch: plan, bump, harvest, commit, finalize or reset, review.
import { basename, dirname, join } from "node:path";
import type { Git } from "../runtime/git.ts";
import { bumpOtherVersionFiles, bumpVersion, resetHashes } from "../harvest/literals.ts";
import { harvest, type HarvestResult } from "../harvest/rounds.ts";
import type { HarvestFailure } from "../harvest/rounds.ts";
import {
  closeCard,
  finalizeCard,
  goalCardPath,
  planGoalCard,
  requiredStems,
  type UpgradeFacts,
} from "../mikado/cards.ts";
import { hashesCommit, isActive, requiresOf, resetPlan, subjects } from "../mikado/chain.ts";
import { addToIndex, categoryIndexPath } from "../mikado/category_index.ts";
import { changelogFragment } from "../mikado/changelog.ts";
import { mikadoGraph } from "../mikado/graph.ts";
import { type Mention, versionMentions } from "../mikado/review.ts";
import { updateServiceVersions } from "../mikado/service_versions.ts";
import { parseFrontMatter } from "../mikado/front_matter.ts";
import { changelogPath, overviewCardStem, PINNED_FILE } from "../site/defaults.ts";
import {
  commitPins,
  movePins,
  pinLeftLine,
  type PinOutcome,
  pinTiedLine,
} from "../docker/commit_pins.ts";
import type { TagRecord } from "../mikado/tag_record.ts";
import { tagFor } from "../nix/versions.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import { progress, timePhase } from "../runtime/log.ts";
import type { Context, Prepared } from "./context.ts";

/** The context once prepared: the builder, its system, the log file. */
export type PreparedContext = Context & Prepared;

/** The commits a pipeline makes, in order. */
export class Commits {
  readonly list: { sha: string; subject: string }[] = [];
  constructor(private readonly git: Git) {}

  /** `untracked`: the paths that may be new files (Git.commit); by default all. */
  async add(paths: string[], subject: string, body = "", untracked = paths): Promise<string> {
    const sha = await this.git.commit(paths, body ? `${subject}\n\n${body}` : subject, untracked);
    this.list.push({ sha, subject });
    return sha;
  }
}

/** plan: the goal card (new, or made active again) and its link from the category index. Returns
 * the plan commit, which a reset goes back to. */
export async function plan(ctx: PreparedContext, commits: Commits): Promise<string> {
  const { top, package: pkg } = ctx;
  const goal = goalCardPath(pkg);
  await Deno.mkdir(join(top, pkg.cards_dir), { recursive: true });
  await writeFileAtomic(
    join(top, goal),
    planGoalCard(
      await readOptional(join(top, goal)),
      factsOf(ctx, []),
      [],
      goal,
      await overviewCard(ctx),
    ),
  );
  // The category index is no Mikado card: linking the new card there belongs to its plan commit.
  return await commits.add([goal, ...await linkFromIndex(ctx, goal)], subjectsOf(ctx).plan);
}

/** Waits for the evaluation before any change; the wait (what it adds to the run after the git
 * work it ran beside) is timed as `evaluation-wait`. */
export function waitForEvaluation(ctx: PreparedContext): Promise<void> {
  return timePhase("evaluation-wait", async () => await ctx.evaluated);
}

/** impl: the version bumped in every copy, and the service's recorded version with it (the
 * repository's container-version-check, and its hook, make people do so: the branch passes it in
 * every state it is left in). */
export async function bump(ctx: PreparedContext, commits: Commits): Promise<PinOutcome[]> {
  const { dir, package: pkg } = ctx;
  const rel = (file: string) => join(pkg.dir, file);
  await bumpVersion(dir, pkg, ctx.to);
  const others = await bumpOtherVersionFiles(dir, ctx.to);
  // The commit pins move in the same commit: the Dockerfile never names one release's version
  // and another's source.
  const pinned = await commitPinsOf(ctx, true);
  await commits.add(
    [
      ...pkg.version.map((v) => rel(v.file)),
      ...[...new Set([...others, ...pinned.changed])].map(rel),
      ...await recordServiceVersion(ctx),
    ],
    subjectsOf(ctx).bump,
    "",
    // Each of these files was read from the checkout and rewritten: tracked already.
    [],
  );
  return pinned.pins;
}

/** The Dockerfile's commit pins (lib/docker/commit_pins.ts), each said: with `move` (the bump),
 * those at the old release's commit moved to the new one's and the file written (returned in
 * `changed`); without (a /rebuild's branch, moved already), only read. */
export async function commitPinsOf(
  ctx: Context,
  move: boolean,
): Promise<{ changed: string[]; pins: PinOutcome[] }> {
  const text = await readOptional(join(ctx.dir, PINNED_FILE));
  if (text === null || commitPins(text).length === 0) return { changed: [], pins: [] };
  const why = ctx.forge === null
    ? "`upgrade` asks no forge for the tags' commits"
    : `not the commit of ${move ? `${ctx.from}'s or ${ctx.to}'s` : `${ctx.to}'s`} tag on any ` +
      "of the package's mirrors";
  const moved = movePins(
    text,
    join(ctx.package.dir, PINNED_FILE),
    move ? await oldTags(ctx, text) : [],
    ctx.path.tags,
    why,
  );
  for (const p of moved.pins) progress(p.left === null ? pinTiedLine(p) : pinLeftLine(p));
  if (moved.text === text) return { changed: [], pins: moved.pins };
  await writeFileAtomic(join(ctx.dir, PINNED_FILE), moved.text);
  return { changed: [PINNED_FILE], pins: moved.pins };
}

/** Each mirror's tag of the old release and its commit: the run's listing of the own mirror's,
 * and only when a pin is none of those or the new tags' commits, the other mirrors' asked. */
async function oldTags(ctx: Context, text: string): Promise<TagRecord[]> {
  const known = new Set([...ctx.fromTags, ...ctx.path.tags].map((t) => t.commit));
  const forge = ctx.forge;
  if (!forge || commitPins(text).every((p) => known.has(p.value.toLowerCase()))) {
    return ctx.fromTags;
  }
  const tags = [...ctx.fromTags];
  for (const m of ctx.package.mirrors) {
    if (tags.some((t) => t.repo === m.repo)) continue;
    const tag = tagFor(m.tag, ctx.from);
    const at = await forge.tag(m.repo, tag);
    if (at) tags.push({ repo: m.repo, tag, commit: at.sha });
  }
  return tags;
}

/** Every hash harvested and the whole build verified; with --no-build, the hashes reset to
 * placeholders and nothing built. */
export async function harvestHashes(ctx: PreparedContext): Promise<HarvestResult> {
  if (ctx.builder) return await harvest({ ...ctx, builder: ctx.builder, log: ctx.log! });
  const hashes = await resetHashes(ctx.dir, ctx.package, ctx.system);
  for (const other of hashes.flatMap((h) => h.otherSystems)) {
    other.stale = "--no-build: nothing was built";
  }
  progress("--no-build: hashes reset to placeholders, nothing built");
  return { hashes, rounds: [], builds: 0, verified: false, failure: null, buildSeconds: 0 };
}

/** The files that hold the package's hashes, relative to the top level. */
function hashFiles(ctx: Context): string[] {
  return [...new Set(ctx.package.hashes.map((h) => join(ctx.package.dir, h.file)))];
}

/** Whether the harvest changed a hash file (a `/rebuild` may find every hash as it was). */
export async function hashesChanged(ctx: Context): Promise<boolean> {
  return (await ctx.git.run(["status", "--porcelain", "--", ...hashFiles(ctx)])).trim() !== "";
}

/** impl: the hashes, all harvested or partial with the pending ones named. */
export async function commitHashes(
  ctx: Context,
  facts: UpgradeFacts,
  commits: Commits,
): Promise<void> {
  const { subject, body } = hashesCommit(facts);
  // The hash files were read from the checkout: tracked already.
  await commits.add(hashFiles(ctx), subject, body, []);
}

/** After a passing build, when the chain is under way (its goal card active): the open
 * prerequisite cards closed (each its own commit), then finalize. False when there is no active
 * goal card. */
export async function finish(
  ctx: Context,
  facts: UpgradeFacts,
  commits: Commits,
): Promise<boolean> {
  const { top, package: pkg } = ctx;
  const goal = goalCardPath(pkg);
  const goalText = await readOptional(join(top, goal));
  if (goalText === null || !isActive(goalText, goal)) return false;
  for (const stem of requiresOf(goalText, goal)) {
    const path = join(pkg.cards_dir, `${stem}.md`);
    const text = await readOptional(join(top, path));
    if (text === null || !isActive(text, path)) continue;
    await writeFileAtomic(join(top, path), closeCard(text, ctx.date, path));
    await commits.add([path], subjectsOf(ctx).close(stem));
  }
  await finalize(ctx, facts, commits);
  return true;
}

/** finalize: Mikado fields off the chain's cards, the history entry, the changelog fragment and
 * the service's recorded version, in one commit. */
async function finalize(ctx: Context, facts: UpgradeFacts, commits: Commits): Promise<void> {
  const { top, package: pkg } = ctx;
  const goal = goalCardPath(pkg);
  const goalText = await Deno.readTextFile(join(top, goal));
  const paths = [goal];
  await writeFileAtomic(join(top, goal), finalizeCard(goalText, facts, true, goal));
  for (const stem of requiresOf(goalText, goal)) {
    const path = join(pkg.cards_dir, `${stem}.md`);
    const text = await readOptional(join(top, path));
    if (text === null) continue;
    await writeFileAtomic(join(top, path), finalizeCard(text, facts, false, path));
    paths.push(path);
  }
  const fragment = changelogPath(pkg.chain);
  await Deno.mkdir(join(top, fragment, ".."), { recursive: true });
  await writeFileAtomic(
    join(top, fragment),
    changelogFragment(await readOptional(join(top, fragment)), facts),
  );
  paths.push(fragment);
  paths.push(...await recordServiceVersion(ctx));
  await commits.add(paths, subjectsOf(ctx).finalize);
}

/** The Mikado reset: back to the plan commit, a prerequisite card for the failure planned (and
 * required by the goal card), then the impl commits replayed on top: the branch keeps every plan
 * before any impl. Returns the new card's stem. */
export async function reset(
  ctx: Context,
  facts: UpgradeFacts,
  failure: HarvestFailure,
  planSha: string,
  commits: Commits,
): Promise<string> {
  const { git, top, package: pkg } = ctx;
  const impl = commits.list.splice(1);
  await git.run(["reset", "--quiet", "--hard", planSha]);
  const goalText = await Deno.readTextFile(join(top, goalCardPath(pkg)));
  const p = resetPlan(pkg, facts, failure, goalText, await overviewCard(ctx));
  await writeFileAtomic(join(top, p.card.path), p.card.text);
  await writeFileAtomic(join(top, p.goal.path), p.goal.text);
  // The category index links the new card too.
  const index = await linkFromIndex(ctx, p.card.path);
  await commits.add([p.card.path, p.goal.path, ...index], p.subject);
  for (const c of impl) {
    await git.run(["cherry-pick", "--allow-empty", c.sha]);
    commits.list.push({ sha: (await git.run(["rev-parse", "HEAD"])).trim(), subject: c.subject });
  }
  progress(`mikado reset: planned ${p.stem}, replayed ${impl.length} impl commits`);
  return p.stem;
}

/** The chain's cards with their state, and the lines of the cards that still name the old version. */
export async function review(ctx: Context): Promise<{ graph: string; mentions: Mention[] }> {
  return { graph: await chainGraph(ctx.top, ctx.package), mentions: await staleMentions(ctx) };
}

/** The chain's cards with their state, for the pull request's graph. */
export async function chainGraph(
  top: string,
  pkg: Pick<Context["package"], "cards_dir" | "chain">,
): Promise<string> {
  const cards: { stem: string; requires: string[]; active: boolean }[] = [];
  const seen = new Set<string>();
  const visit = async (stem: string, path: string) => {
    if (seen.has(stem)) return;
    seen.add(stem);
    const text = await readOptional(join(top, path));
    if (text === null) return;
    const fm = parseFrontMatter(text, path).map.toJSON();
    const requires = requiredStems(fm.requires, path);
    cards.push({ stem, requires, active: fm.status === "active" });
    for (const r of requires) await visit(r, join(pkg.cards_dir, `${r}.md`));
  };
  await visit(pkg.chain, goalCardPath(pkg));
  return mikadoGraph(cards, pkg.chain);
}

/** Lines in the cards that still name the old version, for a human to review. */
async function staleMentions(ctx: Context): Promise<Mention[]> {
  const { top, package: pkg } = ctx;
  const files: { path: string; text: string }[] = [];
  for await (const entry of Deno.readDir(join(top, pkg.cards_dir))) {
    // The goal card's own history names old versions on purpose.
    if (!entry.isFile || !entry.name.endsWith(".md") || entry.name === `${pkg.chain}.md`) {
      continue;
    }
    const path = join(pkg.cards_dir, entry.name);
    files.push({ path, text: await Deno.readTextFile(join(top, path)) });
  }
  // Code unit order: localeCompare would load ICU's collation data, about 10ms, for this one sort.
  files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return versionMentions(files, ctx.from);
}

/** The cards' and the changelog's facts of this upgrade. */
export function factsOf(ctx: Context, hashes: UpgradeFacts["hashes"]): UpgradeFacts {
  return {
    package: ctx.package.name,
    chain: ctx.package.chain,
    from: ctx.from,
    to: ctx.to,
    date: ctx.date,
    pkgDir: ctx.package.dir,
    hashes,
  };
}

function subjectsOf(ctx: Context) {
  return subjects(ctx.package, ctx.from, ctx.to);
}

/** The service's entry in service-versions.yaml set to the new version, reviewed today. Returns
 * the file's path when it changed. */
async function recordServiceVersion(ctx: Context): Promise<string[]> {
  const sv = ctx.package.service_versions;
  if (!sv) return [];
  const text = await readOptional(join(ctx.top, sv.file));
  if (text === null) return [];
  const next = updateServiceVersions(text, sv.file, sv.name, ctx.to, ctx.date);
  if (next === text) return [];
  await writeFileAtomic(join(ctx.top, sv.file), next);
  return [sv.file];
}

/** The stem of the card on how the package is built (`build-<package>-from-source`) when the
 * cards directory has it, for a new goal card to link; null when it does not (a broken link). */
async function overviewCard(ctx: Context): Promise<string | null> {
  const stem = overviewCardStem(ctx.package.name);
  const text = await readOptional(join(ctx.top, ctx.package.cards_dir, `${stem}.md`));
  return text === null ? null : stem;
}

/** Links `card` (relative to the top) from its category index (`docs/<category>/<category>.md`),
 * which the repository's checks require of every doc there. Returns the index's path when it
 * changed, for the same commit; nothing when there is no index or it links the card already. */
async function linkFromIndex(ctx: Context, card: string): Promise<string[]> {
  const index = categoryIndexPath(card);
  if (index === null) return [];
  const text = await readOptional(join(ctx.top, index));
  if (text === null) return [];
  const stem = basename(card, ".md");
  const siblings: string[] = [];
  for await (const entry of Deno.readDir(join(ctx.top, dirname(card)))) {
    if (entry.isFile && entry.name.endsWith(".md")) siblings.push(basename(entry.name, ".md"));
  }
  const next = addToIndex(text, stem, siblings.sort(), ctx.package.name);
  if (next === text) return [];
  await writeFileAtomic(join(ctx.top, index), next);
  return [index];
}
