// `/rebuild`: the harvest and the verifying build again on the pull request's head, then published.
import { join } from "node:path";
import type { Forge, Pull } from "../platform/forge.ts";
import { layoutAt, loadLayout } from "./package.ts";
import { rebuildChain } from "../mikado/chain.ts";
import type { RebuildSummary } from "../mikado/pulltext.ts";
import type { CommandContext } from "./comments.ts";
import { withClone } from "../runtime/workspace.ts";
import { newReport } from "./report.ts";
import { chainOptions, type CommonOptions, prepare } from "./prepare.ts";
import { mayRewrite, publish } from "./publish.ts";
import { pathFacts } from "./releases.ts";
import { packageUpstream } from "../upstream/collect.ts";

/** Everything `/rebuild` needs, for the cron scan, `event` and `serve` alike. */
export function commandContext(o: CommonOptions, forge: Forge): CommandContext {
  return { config: o.config, forge, rebuild: (pull) => rebuildPull(o, forge, pull) };
}

/** `/rebuild` on a pull request: the harvest and the verifying build again on its head. */
export async function rebuildPull(
  o: CommonOptions,
  forge: Forge,
  pull: Pull,
): Promise<RebuildSummary> {
  const { config } = o;
  const report = await withClone(config, forge.gitRemote(config.forge.repo), async (git, work) => {
    await git.run(["checkout", "--quiet", "-b", pull.head, `origin/${pull.head}`]);
    const tip = (await git.run(["rev-parse", "HEAD"])).trim();
    const from = (await layoutAt(config, git, `origin/${config.forge.base}`)).version;
    const pkgDir = join(work, config.package.dir);
    const layout = await loadLayout(config, pkgDir);
    const resolved = { ...o, config: layout.config, noBuild: false };
    const report = newReport(resolved, from, layout.version);
    report.branch = pull.head;
    // The tags' commits as they are now: a /rebuild accepts a moved tag's new commit.
    Object.assign(report, await pathFacts(forge, layout.config, from, report.version.to));
    const upstream = packageUpstream(forge, layout.config, pkgDir, from, layout.version);
    const env = await prepare(resolved, layout, git, pkgDir, report.version.to);
    const chain = await rebuildChain(chainOptions(report, layout.config, git, work, env));
    Object.assign(report, chain, { logFile: env.log, upstream: await upstream });
    const rewritable = await mayRewrite(git, tip, pull.head);
    await publish(report, { ...resolved, dryRun: false }, forge, git, pull, tip, rewritable);
    return report;
  });
  return {
    passed: report.verified,
    builds: report.builds,
    seconds: report.buildSeconds,
    message: report.failure?.message ?? "",
    logTail: report.failure?.logTail ?? [],
    commits: report.commits,
  };
}
