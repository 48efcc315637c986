// `/rebuild`: the harvest and the verifying build again on the pull request's head, then published.
import { join } from "node:path";
import type { Forge, Pull } from "../platform/forge.ts";
import { loadLayout, readNixFilesAt } from "./package.ts";
import { resolveLayout } from "../nix/layout.ts";
import { rebuildChain } from "../mikado/chain.ts";
import type { RebuildSummary } from "../mikado/pulltext.ts";
import type { CommandContext } from "./comments.ts";
import { withClone } from "../runtime/workspace.ts";
import { absorb, emptyReport } from "./report.ts";
import { type CommonOptions, prepare, today } from "./prepare.ts";
import { publish } from "./publish.ts";

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
    const from = resolveLayout(
      config,
      await readNixFilesAt(git, `origin/${config.forge.base}`, config.package.dir),
    ).version;
    const pkgDir = join(work, config.package.dir);
    const layout = await loadLayout(config, pkgDir);
    const resolved = { ...o, config: layout.config, noBuild: false };
    const report = emptyReport(resolved, from, layout.version);
    report.branch = pull.head;
    const env = await prepare(resolved, layout, git, pkgDir, report.version.to);
    const chain = await rebuildChain({
      git,
      top: work,
      config: layout.config,
      from,
      to: report.version.to,
      builder: env.builder,
      system: env.system,
      date: today(),
      logFile: env.log,
    });
    absorb(report, chain, env.log);
    await publish(report, { ...resolved, dryRun: false }, forge, git, work, pull, tip);
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
