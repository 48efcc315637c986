// The cron run of one package: answer /rebuild comments, find a ready release, upgrade a clone, publish.
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge } from "../platform/forge.ts";
import type { Git } from "../runtime/git.ts";
import { compareVersions } from "../nix/versions.ts";
import { scanComments } from "./comments.ts";
import { progress } from "../runtime/log.ts";
import { withClone } from "../runtime/workspace.ts";
import { loadPackage, versionOnForge } from "./read_package.ts";
import { makeReport, type Report, today } from "./report.ts";
import { discover, nothingFound, ownTagRecord, ownTags } from "./releases.ts";
import { movedTagsOf } from "./tag_guard.ts";
import { checkoutBotBranch } from "./publish.ts";
import { commandContext } from "./rebuild.ts";
import { closeIfDone } from "./close.ts";
import { botPullsFrom, branchOf, makeContext, type RunShared } from "./context.ts";
import { upgradePackage } from "./pipeline.ts";
import { packageUpstream } from "../upstream/collect.ts";

/** `run` (cron) for one package: answer /rebuild comments, then find a ready release on the
 * mirrors and open or move the pull request for it (`forced`: --version, this one). */
export async function runPackage(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
): Promise<Report> {
  const began = performance.now();
  const date = today();
  const { repo, base } = settings.forge;
  const branch = branchOf(spec);
  // The version on the base and the mirror's tags do not depend on the pull requests: asked at
  // the same time (the tags only when no mirror sync comes first).
  const early = <T>(p: Promise<T>) => (p.catch(() => {}), p);
  const currentAsked = early(versionOnForge(shared.files, settings, spec));
  const tagsAsked = !settings.forge.sync_mirrors ? early(ownTags(forge, spec)) : null;
  const open = await botPullsFrom(forge, repo, shared, branch);
  const answered = settings.dryRun
    ? []
    : await scanComments(commandContext(settings, spec, forge), open);
  for (const line of answered) progress(line);
  if (settings.forge.sync_mirrors) {
    for (const m of spec.mirrors) {
      if (!(await forge.syncMirror(m.repo))) {
        progress(
          `the sync of mirror ${m.repo} is still running: its newest tags may not be there yet ` +
            `(the next run sees them)`,
        );
      }
    }
  }
  const tags = await (tagsAsked ?? ownTags(forge, spec));
  const current = await currentAsked;
  const mine = open[0] ?? null;
  // Someone upgraded by hand: the bot's pull request is done (not with --version: that forces).
  const closed = mine && !forced ? await closeIfDone(settings, spec, forge, mine, current) : null;
  // A tag the open pull request was harvested from moved: nothing is pushed until a /rebuild
  // (answered above, which recorded the new commit) accepts it.
  const rebuilt = mine && answered.some((l) => l.startsWith(`rebuilt #${mine.number}:`));
  const moved = mine && !closed && !forced && !rebuilt
    ? await movedTagsOf(forge, settings, spec, mine, tags)
    : [];
  const found = moved.length
    ? nothingFound(
      `${spec.name}: a tag of pull request #${mine!.number} moved: pushed nothing ` +
        `(a /rebuild by a writer accepts the new commit)`,
    )
    : await discover(forge, settings, spec, forced, current, closed ? null : mine, tags);
  const path = { ahead: found.ahead, skipped: found.skipped, tags: found.target?.tags ?? [] };
  const facts = {
    package: spec.name,
    from: current,
    to: found.target?.version ?? current,
    date,
    baseVersion: current,
    closed,
    open: mine && !closed ? { number: mine.number, url: mine.url, title: mine.title } : null,
    waiting: found.waiting,
    newest: found.newest,
    young: found.young,
    path,
    moved,
    began,
  };
  if (!found.target) return makeReport(settings, { ...facts, upToDate: found.message }, null);
  const target = found.target;
  return await withClone(settings, forge.gitRemote(repo), async (git, top) => {
    const { remoteTip, ours } = await checkoutBotBranch(git, base, branch);
    if (!ours) {
      // Someone else changed the branch: built on top, their work never rewritten.
      const foreign = await foreignCommits(git, settings, branch);
      progress(
        `${branch} was changed since the bot last pushed it (${foreign.length} commits by others): adding on top`,
      );
    }
    const dir = join(top, spec.dir);
    const pkg = await loadPackage(spec, dir);
    const from = pkg.current;
    if (compareVersions(from, target.version) >= 0) {
      return makeReport(settings, {
        ...facts,
        from,
        branch,
        upToDate: `${branch} already holds ${from}`,
      }, null);
    }
    const result = await upgradePackage(makeContext({ settings, forge }, { git, top }, pkg, {
      from,
      to: target.version,
      // The old release's commit as the run listed it: no request more.
      fromTags: ownTagRecord(spec, tags, from),
      date,
      path,
      // Read while the build runs: it needs the forge and the mirrors, not the build.
      upstream: packageUpstream(forge, settings, pkg, dir, from, target.version, [...tags.keys()]),
      diffBase: `origin/${base}`,
      publish: { open: target.open, remoteTip, rewritable: ours },
    }));
    return makeReport(settings, { ...facts, from, branch }, result);
  });
}

/** Commits on the bot's branch (since the base) that another author made. */
async function foreignCommits(git: Git, settings: Settings, branch: string): Promise<string[]> {
  const log = await git.run([
    "log",
    "--format=%H %ae",
    `origin/${settings.forge.base}..origin/${branch}`,
  ]);
  return log.split("\n").filter(Boolean).filter((l) =>
    l.split(" ")[1] !== settings.git.author_email
  );
}
