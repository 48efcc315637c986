// Publishing: the branch pushed and the pull request opened or updated (or, dry, only said).
import type { Forge } from "../platform/forge.ts";
import type { Git } from "../runtime/git.ts";
import { tagFor } from "../nix/versions.ts";
import { pullBody, type PullFacts, pullTitle } from "../mikado/pull_text.ts";
import { progress } from "../runtime/log.ts";
import { branchOf, type Context, type PublishTarget, type UpgradeResult } from "./context.ts";
import { builderName } from "./report.ts";

/** Pushes the branch (or, dry, only says what it would) and opens or updates the pull request. */
export async function publish(
  ctx: Context,
  forge: Forge,
  target: PublishTarget,
  result: Omit<UpgradeResult, "pull">,
): Promise<NonNullable<UpgradeResult["pull"]>> {
  const { settings, package: pkg, git } = ctx;
  const { repo, base } = settings.forge;
  const branch = branchOf(pkg);
  const { open, remoteTip, rewritable } = target;
  const facts = pullFacts(ctx, forge, result);
  const title = pullTitle(facts);
  const body = pullBody(facts);
  if (settings.dryRun) {
    return { number: open?.number ?? 0, url: "", title, body, action: "would open or update" };
  }
  await pushBranch(git, branch, remoteTip, rewritable);
  const pull = open
    ? await forge.updatePull(repo, open.number, { title, body })
    : await forge.createPull(repo, { head: branch, base, title, body });
  const action = open ? "updated" : "opened";
  progress(`pull request #${pull.number} ${action}: ${pull.url}`);
  return { number: pull.number, url: pull.url, title, body, action };
}

/** The bot's branch checked out in the clone: from the base when its tip on the forge is the
 * bot's to rewrite, else from that tip, to build on top. `ours`: it was the bot's. */
export async function checkoutBotBranch(
  git: Git,
  base: string,
  branch: string,
): Promise<{ remoteTip: string | null; ours: boolean }> {
  const remoteTip = await git.sha(`refs/remotes/origin/${branch}`);
  // The branch is rewritten from the base only when its tip is exactly one the bot pushed (its
  // note says so) or is merged already: an amended or fixup-squashed bot commit keeps the bot as
  // author, so authors alone cannot tell whose work is on it.
  const ours = !remoteTip || await mayRewrite(git, remoteTip, branch) ||
    await git.run(["merge-base", "--is-ancestor", remoteTip, `origin/${base}`]).then(
      () => true,
      () => false,
    );
  await git.run(["checkout", "--quiet", "-b", branch, `origin/${ours ? base : branch}`]);
  return { remoteTip, ours };
}

/** Pushes HEAD to `branch` with the note that marks its tip as the bot's. --force-with-lease:
 * the push fails rather than drop a commit pushed since the clone. The note goes in the same
 * atomic push. */
export async function pushBranch(
  git: Git,
  branch: string,
  remoteTip: string | null,
  rewritable: boolean,
): Promise<void> {
  const notes = notesRef(branch);
  await fetchPushedNotes(git, notes);
  const tip = (await git.run(["rev-parse", "HEAD"])).trim();
  const note = rewritable ? `rewritable ${branch}` : `pushed ${branch}`;
  await git.run(["notes", "--ref", notes, "add", "--force", "-m", note, tip]);
  await git.run([
    "push",
    "--quiet",
    "--atomic",
    `--force-with-lease=refs/heads/${branch}:${remoteTip ?? ""}`,
    "origin",
    `HEAD:refs/heads/${branch}`,
    `${notes}:${notes}`,
  ]);
}

/** The pull request's facts: the upgrade's result, and where the mirrors' tags are shown. */
function pullFacts(ctx: Context, forge: Forge, r: Omit<UpgradeResult, "pull">): PullFacts {
  const { settings, package: pkg } = ctx;
  return {
    package: pkg.name,
    chain: pkg.chain,
    from: ctx.from,
    to: ctx.to,
    date: ctx.date,
    pkgDir: pkg.dir,
    followThrough: settings.deploy !== null,
    hashes: r.hashes,
    mirrors: pkg.mirrors.map((m) => {
      const tag = tagFor(m.tag, ctx.to);
      const commit = ctx.path.tags.find((t) => t.repo === m.repo && t.tag === tag)?.commit;
      return { repo: m.repo, tag, url: forge.tagUrl(m.repo, tag), commit };
    }),
    ahead: ctx.path.ahead,
    skipped: ctx.path.skipped,
    builds: r.builds,
    seconds: r.buildSeconds,
    builder: builderName(settings),
    verified: r.verified,
    failure: r.failure,
    graph: r.graph,
    mentions: r.mentions,
    pins: r.pins,
    prerequisite: r.prerequisite,
    upstream: r.upstream,
  };
}

/** The notes ref in which the bot marks every tip it pushes to `branch` (the branch may be
 * rewritten only while its tip is one of them): one per branch, so packages pushing at the same
 * time never write the same ref. */
export function notesRef(branch: string): string {
  return `refs/notes/upgrade-bot-tips/${branch}`;
}

/** The forge's notes of one branch, fetched over any local ones (none there yet is fine). */
async function fetchPushedNotes(git: Git, notes: string): Promise<void> {
  try {
    await git.run(["fetch", "--quiet", "origin", `+${notes}:${notes}`]);
  } catch (e) {
    if (!/couldn't find remote ref/i.test((e as Error).message)) throw e;
  }
}

/** Whether `sha` is a tip the bot itself pushed to `branch` holding only its own work (its note
 * says so). A person who amends or fixup-squashes a bot commit makes a new commit without the
 * note, whoever its author; a tip the bot pushed on top of someone's work is noted as not
 * rewritable, so their work below it is never dropped either. */
export async function mayRewrite(git: Git, sha: string, branch: string): Promise<boolean> {
  // A tip pushed before the notes were per branch carries its note in the one ref of then: asked
  // only when the branch's own ref has none on it.
  for (const notes of [notesRef(branch), LEGACY_NOTES_REF]) {
    await fetchPushedNotes(git, notes);
    const note = await git.run(["notes", "--ref", notes, "show", sha]).catch(() => null);
    if (note !== null) return note.split("\n").includes(`rewritable ${branch}`);
  }
  return false; // no note on it
}

/** The one notes ref earlier versions marked every branch's tips in (`rewritable <branch>`). */
const LEGACY_NOTES_REF = "refs/notes/upgrade-bot";
