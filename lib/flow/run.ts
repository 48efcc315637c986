// The cron run: answer /rebuild comments, find a ready release, upgrade a clone and publish it.
import { join } from "node:path";
import type { Config } from "../runtime/config.ts";
import { type Forge, isBotPull } from "../platform/forge.ts";
import type { Git } from "../runtime/git.ts";
import { compareVersions } from "../nix/versions.ts";
import { scanComments } from "./comments.ts";
import { progress } from "../runtime/log.ts";
import { withClone } from "../runtime/workspace.ts";
import { loadLayout, versionOnForge } from "./package.ts";
import { newReport, type Report } from "./report.ts";
import { type CommonOptions, prepare } from "./prepare.ts";
import { chainInto } from "./upgrade.ts";
import { discover, nothingFound, ownTags } from "./releases.ts";
import { movedTagsOf } from "./tagguard.ts";
import { mayRewrite, publish } from "./publish.ts";
import { commandContext } from "./rebuild.ts";
import { closeIfDone } from "./close.ts";
import { packageUpstream } from "../upstream/collect.ts";

export interface RunOptions extends CommonOptions {
  /** --version: force this version (its tags must exist on every mirror). */
  version?: string;
}

/** `run` (cron): answer /rebuild comments, then find a ready release on the mirrors and open or
 * move the pull request for it. */
export async function run(o: RunOptions, forge: Forge): Promise<Report> {
  const began = performance.now();
  const { config } = o;
  const { repo, base } = config.forge;
  const branch = `mikado/${config.chain}`;
  // The version on the base and the mirror's tags do not depend on the pull requests: asked at
  // the same time (the tags only when no mirror sync comes first).
  const early = <T>(p: Promise<T>) => (p.catch(() => {}), p);
  const currentAsked = early(versionOnForge(forge, config));
  const tagsAsked = !config.forge.sync_mirrors ? early(ownTags(forge, config)) : null;
  const listed = await forge.pulls(repo, "open");
  // Only pull requests the bot opened from its own branch count (GET /user when there is any
  // pull request from a branch so named: a fork's or another user's is not the bot's).
  const me = listed.some((p) => p.head === branch) ? await forge.whoami() : "";
  const open = listed.filter((p) => isBotPull(p, repo, branch, me));
  const answered = o.dryRun ? [] : await scanComments(commandContext(o, forge), open);
  for (const line of answered) progress(line);
  if (config.forge.sync_mirrors) {
    for (const m of config.mirrors) {
      if (!(await forge.syncMirror(m.repo))) {
        progress(
          `the sync of mirror ${m.repo} is still running: its newest tags may not be there yet ` +
            `(the next run sees them)`,
        );
      }
    }
  }
  const tags = await (tagsAsked ?? ownTags(forge, config));
  const current = await currentAsked;
  const mine = open[0] ?? null;
  // Someone upgraded by hand: the bot's pull request is done (not with --version: that forces).
  const closed = mine && !o.version ? await closeIfDone(o, forge, mine, current) : null;
  // A tag the open pull request was harvested from moved: nothing is pushed until a /rebuild
  // (answered above, which recorded the new commit) accepts it.
  const rebuilt = mine && answered.some((l) => l.startsWith(`rebuilt #${mine.number}:`));
  const moved = mine && !closed && !o.version && !rebuilt
    ? await movedTagsOf(forge, config, mine, tags, o.dryRun)
    : [];
  const found = moved.length
    ? nothingFound(
      `${config.package.name}: a tag of pull request #${mine!.number} moved: pushed nothing ` +
        `(a /rebuild by a writer accepts the new commit)`,
    )
    : await discover(forge, o, current, closed ? null : mine, tags);
  const report = newReport(o, current, found.target?.version ?? current);
  report.closed = closed;
  if (mine && !closed) report.open = { number: mine.number, url: mine.url, title: mine.title };
  report.moved = moved;
  Object.assign(report, {
    waiting: found.waiting,
    young: found.young,
    ahead: found.ahead,
    skipped: found.skipped,
    newest: found.newest,
    tags: found.target?.tags ?? [],
  });
  if (!found.target) {
    report.upToDate = true;
    report.message = found.message;
    report.seconds = (performance.now() - began) / 1000;
    return report;
  }
  const target = found.target;
  report.branch = branch;
  await withClone(config, forge.gitRemote(repo), async (git, work) => {
    const remoteTip = await git.sha(`refs/remotes/origin/${branch}`);
    // The branch is rewritten from the base only when its tip is exactly one the bot pushed (its
    // note says so) or is merged already: an amended or fixup-squashed bot commit keeps the
    // bot as author, so authors alone cannot tell whose work is on it.
    const ours = !remoteTip || await mayRewrite(git, remoteTip, branch) ||
      await git.run(["merge-base", "--is-ancestor", remoteTip, `origin/${base}`]).then(
        () => true,
        () => false,
      );
    if (!ours) {
      // Someone else changed the branch: build on top, never rewrite their work.
      const foreign = await foreignCommits(git, base, branch, config);
      progress(
        `${branch} was changed since the bot last pushed it (${foreign.length} commits by others): adding on top`,
      );
      await git.run(["checkout", "--quiet", "-b", branch, `origin/${branch}`]);
    } else {
      await git.run(["checkout", "--quiet", "-b", branch, `origin/${base}`]);
    }
    const pkgDir = join(work, config.package.dir);
    const layout = await loadLayout(config, pkgDir);
    report.version.from = layout.version;
    if (compareVersions(report.version.from, target.version) >= 0) {
      report.upToDate = true;
      report.message = `${branch} already holds ${report.version.from}`;
      return;
    }
    const resolved = { ...o, config: layout.config };
    // Read while the build runs: it needs the forge and the mirrors, not the build.
    const upstream = packageUpstream(
      forge,
      layout.config,
      pkgDir,
      layout.version,
      target.version,
      [...tags.keys()],
    );
    const env = await prepare(resolved, layout, git, pkgDir, target.version);
    await chainInto(report, resolved, git, work, env);
    report.upstream = await upstream;
    report.diff = await git.diff(`origin/${base}`);
    await publish(report, resolved, forge, git, target.open, remoteTip, ours);
  });
  report.seconds = (performance.now() - began) / 1000;
  return report;
}

/** Commits on the bot's branch (since the base) that another author made. */
async function foreignCommits(
  git: Git,
  base: string,
  branch: string,
  config: Config,
): Promise<string[]> {
  const log = await git.run(["log", "--format=%H %ae", `origin/${base}..origin/${branch}`]);
  return log.split("\n").filter(Boolean).filter((l) => l.split(" ")[1] !== config.git.author_email);
}
