// `/rebuild`: which package's pull request a comment is on; the harvest and the verifying build again on its head.
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import { loadPackage, packageAt } from "./read_package.ts";
import type { RebuildSummary } from "../mikado/pull_text.ts";
import { type CommandContext, handleComment } from "./comments.ts";
import type { CommentEvent } from "../platform/forgejo/comment_event.ts";
import { branchOf, makeContext } from "./context.ts";
import { withClone } from "../runtime/workspace.ts";
import { mayRewrite } from "./publish.ts";
import { upgradePackage } from "./pipeline.ts";
import { today } from "./report.ts";
import { pathFacts } from "./releases.ts";
import { packageUpstream } from "../upstream/collect.ts";

/** Everything `/rebuild` needs, for the cron scan, `event` and `serve` alike. */
export function commandContext(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
): CommandContext {
  return {
    settings,
    package: spec,
    forge,
    rebuild: (pull) => rebuildPull(settings, spec, forge, pull),
  };
}

/** `/rebuild` on a pull request: the harvest and the verifying build again on its head, always
 * built and pushed (whatever --dry-run or --no-build the command that saw the comment had). */
export async function rebuildPull(
  runSettings: Settings,
  spec: PackageSpec,
  forge: Forge,
  pull: Pull,
): Promise<RebuildSummary> {
  const settings = { ...runSettings, dryRun: false, noBuild: false };
  const { repo, base } = settings.forge;
  const result = await withClone(settings, forge.gitRemote(repo), async (git, top) => {
    await git.run(["checkout", "--quiet", "-b", pull.head, `origin/${pull.head}`]);
    const tip = (await git.run(["rev-parse", "HEAD"])).trim();
    const from = (await packageAt(spec, git, `origin/${base}`)).current;
    const dir = join(top, spec.dir);
    const pkg = await loadPackage(spec, dir);
    return await upgradePackage(makeContext({ settings, forge }, { git, top }, pkg, {
      from,
      to: pkg.current,
      // The branch's pins were moved with its version: a /rebuild only says which are not tied.
      fromTags: [],
      date: today(),
      // The tags' commits as they are now: a /rebuild accepts a moved tag's new commit.
      path: await pathFacts(forge, settings, spec, from, pkg.current),
      // Read while the build runs: it needs the forge and the mirrors, not the build.
      upstream: packageUpstream(forge, settings, pkg, dir, from, pkg.current),
      bump: false,
      publish: { open: pull, remoteTip: tip, rewritable: await mayRewrite(git, tip, pull.head) },
    }));
  });
  return {
    passed: result.verified,
    builds: result.builds,
    seconds: result.buildSeconds,
    message: result.failure?.message ?? "",
    logTail: result.failure?.logTail ?? [],
    commits: result.commits,
  };
}

/** A `/rebuild` comment, for whichever package's chain the pull request belongs to. */
export async function handleCommentForPackages(
  settings: Settings,
  specs: PackageSpec[],
  forge: Forge,
  ev: CommentEvent,
): Promise<string> {
  if (specs.length === 1) return await handleComment(commandContext(settings, specs[0], forge), ev);
  const pulls = await forge.pulls(settings.forge.repo, "open");
  const pull = pulls.find((p) => p.number === ev.pull);
  const spec = specs.find((p) => pull?.head === branchOf(p)) ?? specs[0];
  return await handleComment(commandContext(settings, spec, forge), ev, { pulls });
}
