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
  // --force-with-lease: the push fails rather than drop a commit pushed since the clone.
  await git.run([
    "push",
    "--quiet",
    `--force-with-lease=refs/heads/${branch}:${remoteTip ?? ""}`,
    "origin",
    `HEAD:refs/heads/${branch}`,
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
      return { repo: m.repo, tag, url: forge.tagUrl(m.repo, tag) };
    }),
    builds: report.builds,
    seconds: report.buildSeconds,
    builder: report.builder,
    verified: report.verified,
    failure: report.failure,
    graph: report.graph,
    mentions: report.mentions,
    prerequisite: report.prerequisite,
  };
}
