// The upgrade of one package, top to bottom: prepare, bump, harvest, commit, finalize or reset, publish.
import { progress, seconds } from "../runtime/log.ts";
import type { Context, UpgradeResult } from "./context.ts";
import { prepare } from "./prepare.ts";
import {
  bump,
  commitHashes,
  commitPinsOf,
  Commits,
  factsOf,
  finish,
  harvestHashes,
  hashesChanged,
  plan,
  reset,
  review,
  waitForEvaluation,
} from "./steps.ts";
import { publish } from "./publish.ts";

/** The package's upgrade on the branch checked out in `ctx.top` (the cron run, `upgrade`), or,
 * with `ctx.bump` false, the harvest and the verifying build again on it (`/rebuild`). */
export async function upgradePackage(ctx: Context): Promise<UpgradeResult> {
  const work = { ...ctx, ...await prepare(ctx) };
  const commits = new Commits(ctx.git);
  // plan: the goal card; a reset goes back to this commit. A /rebuild's branch has its plan.
  const planSha = ctx.bump ? await plan(work, commits) : null;
  await waitForEvaluation(work);
  // A /rebuild's branch has its pins moved: they are only read, for the body to say them again.
  const pins = ctx.bump ? await bump(work, commits) : (await commitPinsOf(ctx, false)).pins;
  const harvested = await harvestHashes(work);
  const facts = factsOf(ctx, harvested.hashes);
  if (ctx.bump || await hashesChanged(ctx)) await commitHashes(ctx, facts, commits);
  let prerequisite: string | null = null;
  if (harvested.verified) await finish(ctx, facts, commits);
  else if (harvested.failure && planSha) {
    prerequisite = await reset(ctx, facts, harvested.failure, planSha, commits);
  }
  // The upgrade says how the harvest ended; a /rebuild says it in its reply on the pull request.
  if (ctx.bump && work.builder) {
    progress(
      harvested.verified
        ? `verified: the whole build passes after ${harvested.builds} nix-build runs (${
          seconds(harvested.buildSeconds)
        } building)`
        : `harvest stopped: ${harvested.failure?.message}`,
    );
  }
  const result = {
    ...harvested,
    commits: commits.list,
    prerequisite,
    ...await review(ctx),
    pins,
    upstream: await (ctx.upstream ?? []),
    diff: ctx.diffBase ? await ctx.git.diff(ctx.diffBase) : "",
    logFile: work.log,
  };
  const pull = ctx.publish && ctx.forge ? await publish(ctx, ctx.forge, ctx.publish, result) : null;
  return { ...result, pull };
}
