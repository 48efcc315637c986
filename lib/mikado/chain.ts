// Mikado chain: the upgrade as C2 commits on the checked-out branch (plan, impl, finalize or reset).
import { basename, dirname, join } from "node:path";
import type { Config } from "../runtime/config.ts";
import type { Builder } from "../harvest/builders/builder.ts";
import type { Git } from "../runtime/git.ts";
import { bumpOtherVersionFiles, bumpVersion, resetHashes } from "../harvest/literals.ts";
import { harvest, type HarvestFailure, type HarvestResult } from "../harvest/rounds.ts";
import {
  closeCard,
  finalizeCard,
  goalCardPath,
  planGoalCard,
  prerequisiteCard,
  requiredStems,
  type UpgradeFacts,
} from "./cards.ts";
import { addToIndex, categoryIndexPath } from "./category_index.ts";
import { changelogFragment } from "./changelog.ts";
import { changelogPath, overviewCardStem } from "../site/defaults.ts";
import { parseFrontMatter } from "./frontmatter.ts";
import { updateServiceVersions } from "./service_versions.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import { chainGraph } from "./graph.ts";
import { type Mention, staleMentions } from "./review.ts";
import { drvName } from "../nix/logread.ts";
import { progress, timePhase } from "../runtime/log.ts";

export interface ChainOptions {
  git: Git;
  /** The checkout's top level; the branch to build on is checked out there. */
  top: string;
  config: Config;
  from: string;
  to: string;
  /** null: --no-build, only reset the hashes to placeholders. */
  builder: Builder | null;
  system: string;
  /** Today, YYYY-MM-DD. */
  date: string;
  logFile: string | null;
  /** The package's tracked files, when known already. */
  files?: string[];
  /** The evaluation before any change (flow/prepare.ts): awaited before a package file changes. */
  evaluated?: Promise<void>;
}

/** What a chain did: the harvest, the commits, and the cards as the pull request shows them. */
export interface ChainResult extends HarvestResult {
  commits: { sha: string; subject: string }[];
  /** The prerequisite card a failure added (its stem), for a human to work on. */
  prerequisite: string | null;
  /** mikadoGraph(...) of the chain's cards. */
  graph: string;
  /** Lines of the cards that still name the old version. */
  mentions: Mention[];
}

/** The commit subjects of the target's C2 convention: `C2(<chain>): <verb> <description>`. */
export function subjects(config: Config, from: string, to: string) {
  const c2 = `C2(${config.chain}):`;
  const pkg = config.package.name;
  return {
    plan: `${c2} plan upgrade ${pkg} ${from} -> ${to}`,
    bump: `${c2} impl bump ${pkg} ${from} -> ${to}`,
    hashes: `${c2} impl update fixed-output hashes for ${pkg} ${to}`,
    partial: (pending: string[]) =>
      `${c2} impl partial hashes for ${pkg} ${to} (pending: ${pending.join(", ")})`,
    finalize: `${c2} finalize upgrade ${pkg} ${from} -> ${to}`,
    prerequisite: (stem: string, what: string) => `${c2} plan ${stem}: ${what}`,
    close: (stem: string) => `${c2} close ${stem}`,
  };
}

type Commits = { sha: string; subject: string }[];

/** A commit function that records each commit it makes in `commits`. */
function committer(git: Git, commits: Commits) {
  return async (paths: string[], subject: string, body = "") => {
    commits.push({
      sha: await git.commit(paths, body ? `${subject}\n\n${body}` : subject),
      subject,
    });
  };
}

function factsOf(o: ChainOptions, hashes: UpgradeFacts["hashes"]): UpgradeFacts {
  const { config } = o;
  return {
    package: config.package.name,
    chain: config.chain,
    from: o.from,
    to: o.to,
    date: o.date,
    pkgDir: config.package.dir,
    hashes,
  };
}

async function harvestIn(o: ChainOptions, builder: Builder): Promise<HarvestResult> {
  const { config } = o;
  return await harvest({
    config,
    dir: join(o.top, config.package.dir),
    files: o.files ?? await o.git.trackedFiles(config.package.dir),
    builder,
    system: o.system,
    logFile: o.logFile!,
  });
}

/** Waits for the evaluation before any change; the wait (what it adds to the run after the git
 * work it ran beside) is timed as `evaluation-wait`. */
function waitForEvaluation(o: ChainOptions): Promise<void> {
  return timePhase("evaluation-wait", async () => await o.evaluated);
}

/** plan (the goal card), impl (the bump), impl (the hashes), then finalize on success; a build
 * failure instead gets the Mikado reset: back to the plan, a new prerequisite card planned, and
 * the still-valid impl commits replayed on top. */
export async function runChain(o: ChainOptions): Promise<ChainResult> {
  const { git, top, config } = o;
  const s = subjects(config, o.from, o.to);
  const rel = (file: string) => join(config.package.dir, file);
  const pkgDir = join(top, config.package.dir);
  const goal = goalCardPath(config);
  const commits: Commits = [];
  const commit = committer(git, commits);
  const facts = factsOf(o, []);
  await Deno.mkdir(join(top, config.cards_dir), { recursive: true });
  await writeFileAtomic(
    join(top, goal),
    planGoalCard(await readOptional(join(top, goal)), facts, [], goal, await overviewCard(o)),
  );
  // The category index is no Mikado card: linking the new card there belongs to its plan commit.
  await commit([goal, ...await linkFromIndex(o, goal)], s.plan);
  const planSha = commits[0].sha;

  await waitForEvaluation(o);
  await bumpVersion(pkgDir, config, o.to);
  const others = await bumpOtherVersionFiles(pkgDir, o.to);
  // The service's recorded version moves with the bump, as the repository's container-version-check
  // (and its hook) makes people do: the branch passes it in every state it is left in.
  await commit(
    [
      ...config.version.map((v) => rel(v.file)),
      ...others.map(rel),
      ...await recordServiceVersion(o),
    ],
    s.bump,
  );

  let result: Omit<HarvestResult, "hashes">;
  if (o.builder) {
    const harvested = await harvestIn(o, o.builder);
    facts.hashes = harvested.hashes;
    result = harvested;
  } else {
    facts.hashes = await resetHashes(pkgDir, config, o.system);
    for (const other of facts.hashes.flatMap((h) => h.otherSystems)) {
      other.stale = "--no-build: nothing was built";
    }
    progress("--no-build: hashes reset to placeholders, nothing built");
    result = { rounds: [], builds: 0, verified: false, failure: null, buildSeconds: 0 };
  }
  await commitHashes(o, facts, commit);

  let prerequisite: string | null = null;
  if (result.verified) {
    await finalize(o, facts, s.finalize, commit);
  } else if (result.failure) {
    prerequisite = await reset(o, facts, result.failure, planSha, commits, s);
  }
  return { ...result, hashes: facts.hashes, commits, prerequisite, ...await review(o) };
}

/** `/rebuild`: the harvest and the verifying build again on the branch as it is now (people may
 * have fixed a prerequisite), bumping nothing. Changed hashes get an impl commit; a passing build
 * closes the open prerequisite cards and finalizes the chain. */
export async function rebuildChain(o: ChainOptions): Promise<ChainResult> {
  const { git, top, config } = o;
  const s = subjects(config, o.from, o.to);
  const commits: Commits = [];
  const commit = committer(git, commits);
  await waitForEvaluation(o);
  const harvested = await harvestIn(o, o.builder!);
  const facts = factsOf(o, harvested.hashes);
  if ((await git.run(["status", "--porcelain", "--", ...hashFiles(config)])).trim() !== "") {
    await commitHashes(o, facts, commit);
  }
  const goal = goalCardPath(config);
  const goalText = await readOptional(join(top, goal));
  if (harvested.verified && goalText !== null && isActive(goalText, goal)) {
    for (const stem of requiresOf(goalText, goal)) {
      const path = join(config.cards_dir, `${stem}.md`);
      const text = await readOptional(join(top, path));
      if (text === null || !isActive(text, path)) continue;
      await writeFileAtomic(join(top, path), closeCard(text, o.date, path));
      await commit([path], s.close(stem));
    }
    await finalize(o, facts, s.finalize, commit);
  }
  return { ...harvested, commits, prerequisite: null, ...await review(o) };
}

/** The chain's cards with their state, and the lines of the cards that still name the old version. */
async function review(o: ChainOptions): Promise<Pick<ChainResult, "graph" | "mentions">> {
  return {
    graph: await chainGraph(o.top, o.config),
    mentions: await staleMentions(o.top, o.config, o.from),
  };
}

function isActive(text: string, path: string): boolean {
  return parseFrontMatter(text, path).map.get("status") === "active";
}

function hashFiles(config: Config): string[] {
  return [...new Set(config.hashes.map((h) => join(config.package.dir, h.file)))];
}

/** The impl commit of the hashes: all harvested, or partial with the pending ones named. */
async function commitHashes(
  o: ChainOptions,
  facts: UpgradeFacts,
  commit: ReturnType<typeof committer>,
): Promise<void> {
  const s = subjects(o.config, o.from, o.to);
  const pending = facts.hashes.filter((h) => h.new === null).map((h) => h.name);
  await commit(
    hashFiles(o.config),
    pending.length ? s.partial(pending) : s.hashes,
    hashLines(facts).join("\n"),
  );
}

function hashLines(facts: UpgradeFacts): string[] {
  return facts.hashes.map((h) =>
    `${h.name}: ${
      h.new === null ? "pending" : h.unchanged ? `unchanged ${h.new}` : `${h.old} -> ${h.new}`
    }`
  );
}

/** Mikado fields off the chain's cards, the history entry, the changelog fragment and the
 * service's recorded version, in one finalize commit. */
async function finalize(
  o: ChainOptions,
  facts: UpgradeFacts,
  subject: string,
  commit: (paths: string[], subject: string) => Promise<void>,
): Promise<void> {
  const { top, config } = o;
  const goal = goalCardPath(config);
  const goalText = await Deno.readTextFile(join(top, goal));
  const requires = requiresOf(goalText, goal);
  const paths = [goal];
  await writeFileAtomic(join(top, goal), finalizeCard(goalText, facts, true, goal));
  for (const stem of requires) {
    const path = join(config.cards_dir, `${stem}.md`);
    const text = await readOptional(join(top, path));
    if (text === null) continue;
    await writeFileAtomic(join(top, path), finalizeCard(text, facts, false, path));
    paths.push(path);
  }
  const fragment = changelogPath(config.chain);
  await Deno.mkdir(join(top, fragment, ".."), { recursive: true });
  await writeFileAtomic(
    join(top, fragment),
    changelogFragment(await readOptional(join(top, fragment)), facts),
  );
  paths.push(fragment);
  paths.push(...await recordServiceVersion(o));
  await commit(paths, subject);
}

/** The service's entry in service-versions.yaml set to the new version, reviewed today. Returns
 * the file's path when it changed. */
async function recordServiceVersion(o: ChainOptions): Promise<string[]> {
  if (!o.config.service_versions) return [];
  const { file, name } = o.config.service_versions;
  const text = await readOptional(join(o.top, file));
  if (text === null) return [];
  const next = updateServiceVersions(text, file, name, o.to, o.date);
  if (next === text) return [];
  await writeFileAtomic(join(o.top, file), next);
  return [file];
}

/** Back to the plan commit, a prerequisite card for the failure planned (and required by the goal
 * card), then the impl commits replayed on top: the branch keeps every plan before any impl. */
async function reset(
  o: ChainOptions,
  facts: UpgradeFacts,
  failure: HarvestFailure,
  planSha: string,
  commits: { sha: string; subject: string }[],
  s: ReturnType<typeof subjects>,
): Promise<string> {
  const { git, top, config } = o;
  const card = prerequisiteCard(facts, failure);
  const impl = commits.splice(1);
  await git.run(["reset", "--quiet", "--hard", planSha]);
  const cardPath = join(config.cards_dir, `${card.stem}.md`);
  const goal = goalCardPath(config);
  const goalText = await Deno.readTextFile(join(top, goal));
  const requires = [...new Set([...requiresOf(goalText, goal), card.stem])];
  await writeFileAtomic(join(top, cardPath), card.text);
  // The goal card links the new card (its prerequisites list), and so does the category index.
  await writeFileAtomic(
    join(top, goal),
    planGoalCard(goalText, facts, requires, goal, await overviewCard(o)),
  );
  const index = await linkFromIndex(o, cardPath);
  const what = failure.drv ? `${drvName(failure.drv)} fails to build` : "evaluation fails";
  const subject = s.prerequisite(card.stem, what);
  commits.push({ sha: await git.commit([cardPath, goal, ...index], subject), subject });
  for (const c of impl) {
    await git.run(["cherry-pick", "--allow-empty", c.sha]);
    commits.push({ sha: (await git.run(["rev-parse", "HEAD"])).trim(), subject: c.subject });
  }
  progress(`mikado reset: planned ${card.stem}, replayed ${impl.length} impl commits`);
  return card.stem;
}

/** The stem of the card on how the package is built (`build-<package>-from-source`) when the
 * cards directory has it, for a new goal card to link; null when it does not (a broken link). */
async function overviewCard(o: ChainOptions): Promise<string | null> {
  const stem = overviewCardStem(o.config.package.name);
  const text = await readOptional(join(o.top, o.config.cards_dir, `${stem}.md`));
  return text === null ? null : stem;
}

/** Links `card` (relative to the top) from its category index (`docs/<category>/<category>.md`),
 * which the repository's checks require of every doc there. Returns the index's path when it
 * changed, for the same commit; nothing when there is no index or it links the card already. */
async function linkFromIndex(o: ChainOptions, card: string): Promise<string[]> {
  const index = categoryIndexPath(card);
  if (index === null) return [];
  const text = await readOptional(join(o.top, index));
  if (text === null) return [];
  const stem = basename(card, ".md");
  const siblings: string[] = [];
  for await (const entry of Deno.readDir(join(o.top, dirname(card)))) {
    if (entry.isFile && entry.name.endsWith(".md")) siblings.push(basename(entry.name, ".md"));
  }
  const next = addToIndex(text, stem, siblings.sort(), o.config.package.name);
  if (next === text) return [];
  await writeFileAtomic(join(o.top, index), next);
  return [index];
}

export function requiresOf(text: string, path: string): string[] {
  return requiredStems(parseFrontMatter(text, path).map.toJSON().requires, path);
}
