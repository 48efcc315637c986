// Publishing: the branch pushed and the pull request opened or updated (or, dry, only said).
import type { Forge, Pull } from "../platform/forge.ts";
import type { Git } from "../runtime/git.ts";
import { tagFor } from "../nix/versions.ts";
import { pullBody, type PullFacts, pullTitle } from "../mikado/pulltext.ts";
import { progress } from "../runtime/log.ts";
import type { Report } from "./report.ts";
import type { CommonOptions } from "./prepare.ts";

/** Pushes the branch (or, dry, only says what it would) and opens or updates the pull request. */
export async function publish(
  report: Report,
  o: CommonOptions,
  forge: Forge,
  git: Git,
  open: Pull | null,
  remoteTip: string | null,
  /** The branch pushed holds only the bot's work (built from the base, or on a tip the bot may
   * rewrite): a later run may rebuild it from the base. */
  rewritable: boolean,
): Promise<void> {
  const { repo, base } = o.config.forge;
  const branch = `mikado/${o.config.chain}`;
  const facts = pullFacts(report, o, forge);
  const title = pullTitle(facts);
  const body = pullBody(facts);
  if (o.dryRun) {
    report.pull = {
      number: open?.number ?? 0,
      url: "",
      title,
      body,
      action: "would open or update",
    };
    report.commits = report.commits.map((c) => ({ sha: null, subject: c.subject }));
    return;
  }
  // --force-with-lease: the push fails rather than drop a commit pushed since the clone. The
  // note that records the new tip as the bot's goes in the same atomic push.
  await fetchPushedNotes(git);
  const tip = (await git.run(["rev-parse", "HEAD"])).trim();
  const note = rewritable ? `rewritable ${branch}` : `pushed ${branch}`;
  await git.run(["notes", "--ref", NOTES, "add", "--force", "-m", note, tip]);
  await git.run([
    "push",
    "--quiet",
    "--atomic",
    `--force-with-lease=refs/heads/${branch}:${remoteTip ?? ""}`,
    "origin",
    `HEAD:refs/heads/${branch}`,
    `refs/notes/${NOTES}:refs/notes/${NOTES}`,
  ]);
  const pull = open
    ? await forge.updatePull(repo, open.number, { title, body })
    : await forge.createPull(repo, { head: branch, base, title, body });
  report.pull = {
    number: pull.number,
    url: pull.url,
    title,
    body,
    action: open ? "updated" : "opened",
  };
  progress(`pull request #${pull.number} ${report.pull.action}: ${pull.url}`);
}

/** The pull request's facts: the report as it stands, and where the mirrors' tags are shown. */
function pullFacts(report: Report, o: CommonOptions, forge: Forge): PullFacts {
  const { config } = o;
  return {
    package: report.package,
    chain: config.chain,
    from: report.version.from,
    to: report.version.to,
    date: report.date,
    pkgDir: config.package.dir,
    followThrough: config.deploy !== null,
    hashes: report.hashes,
    mirrors: config.mirrors.map((m) => {
      const tag = tagFor(m.tag, report.version.to);
      const commit = report.tags.find((t) => t.repo === m.repo && t.tag === tag)?.commit;
      return { repo: m.repo, tag, url: forge.tagUrl(m.repo, tag), commit };
    }),
    ahead: report.ahead,
    skipped: report.skipped,
    builds: report.builds,
    seconds: report.buildSeconds,
    builder: report.builder,
    verified: report.verified,
    failure: report.failure,
    graph: report.graph,
    mentions: report.mentions,
    prerequisite: report.prerequisite,
    upstream: report.upstream,
  };
}

/** The notes ref (`refs/notes/upgrade-bot`) in which the bot marks every tip it pushes: the
 * branch may be rewritten only while its tip is one of them. */
const NOTES = "upgrade-bot";

/** The forge's notes, fetched over any local ones (none there yet is fine). */
async function fetchPushedNotes(git: Git): Promise<void> {
  try {
    await git.run(["fetch", "--quiet", "origin", `+refs/notes/${NOTES}:refs/notes/${NOTES}`]);
  } catch (e) {
    if (!/couldn't find remote ref/i.test((e as Error).message)) throw e;
  }
}

/** Whether `sha` is a tip the bot itself pushed to `branch` holding only its own work (its note
 * says so). A person who amends or fixup-squashes a bot commit makes a new commit without the
 * note, whoever its author; a tip the bot pushed on top of someone's work is noted as not
 * rewritable, so their work below it is never dropped either. */
export async function mayRewrite(git: Git, sha: string, branch: string): Promise<boolean> {
  await fetchPushedNotes(git);
  try {
    const note = await git.run(["notes", "--ref", NOTES, "show", sha]);
    return note.split("\n").includes(`rewritable ${branch}`);
  } catch {
    return false; // no note on it
  }
}
