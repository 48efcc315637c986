// The upgrade on a local checkout (or, dry, a throwaway clone of it), and the chain run into a report.
import { join } from "node:path";
import { loadLayout } from "./package.ts";
import { Git } from "../runtime/git.ts";
import { alreadyAt, parseVersion } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import { runChain } from "../mikado/chain.ts";
import { progress, seconds } from "../runtime/log.ts";
import { newReport, type Report } from "./report.ts";
import {
  chainOptions,
  type CommonOptions,
  prepare,
  type Prepared,
  startBuilder,
} from "./prepare.ts";

/** Runs the chain in `top` on the checked-out branch and folds its result into the report. */
export async function chainInto(
  report: Report,
  o: CommonOptions,
  git: Git,
  top: string,
  env: Prepared,
): Promise<void> {
  const chain = await runChain(chainOptions(report, o.config, git, top, env));
  Object.assign(report, chain, { logFile: env.log });
  if (env.builder) {
    progress(
      chain.verified
        ? `verified: the whole build passes after ${chain.builds} nix-build runs (${
          seconds(chain.buildSeconds)
        } building)`
        : `harvest stopped: ${chain.failure?.message}`,
    );
  }
}

export interface UpgradeOptions extends CommonOptions {
  repo: string;
  version: string;
}

/** `upgrade`: the chain on a local checkout (or, dry, on a throwaway clone of it). */
export async function upgrade(o: UpgradeOptions): Promise<Report> {
  const began = performance.now();
  const { config } = o;
  const started = startBuilder(o);
  const identity = { name: config.git.author_name, email: config.git.author_email };
  const checkout = new Git(o.repo, identity);
  const top = await checkout.topLevel();
  const branch = `mikado/${config.chain}`;
  // Where the checkout is and whether the branch exists, asked while the package is read and the
  // builder prepared; the answers count only once there is something to do.
  const found = o.dryRun
    ? null
    : Promise.all([checkout.state(), checkout.sha(`refs/heads/${branch}`)]);
  found?.catch(() => {});
  const pkgDir = join(top, config.package.dir);
  const layout = await loadLayout(config, pkgDir);
  o = { ...o, config: layout.config };
  const from = layout.version;
  const to = parseVersion(o.version, "--version");
  const report = newReport(o, from, to);
  if (alreadyAt(to, from, "the current")) {
    report.upToDate = true;
    report.message = `${config.package.name} is already at ${to}: nothing to do`;
    return report;
  }
  const env = await prepare(o, layout, checkout, pkgDir, to, started);
  if (o.dryRun) {
    const scratch = await Deno.makeTempDir({ prefix: "upgrade-bot-dry-run-" });
    try {
      await checkout.run(["clone", "--quiet", top, scratch]);
      const git = new Git(scratch, identity);
      const base = (await git.run(["rev-parse", "HEAD"])).trim();
      await git.run(["checkout", "--quiet", "-b", branch]);
      await chainInto(report, o, git, scratch, env);
      report.diff = await git.diff(base);
      report.commits = report.commits.map((c) => ({ sha: null, subject: c.subject }));
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  } else {
    const [{ clean, branch: original, head: originalSha }, existing] = await found!;
    if (!clean) {
      throw new InputError(`${top} has uncommitted changes: commit or stash them first`);
    }
    if (existing) {
      throw new InputError(
        `branch ${branch} already exists in ${top}: delete it or finish it first`,
      );
    }
    // Where the checkout was: a branch, or a detached HEAD (then the branch is made and HEAD is
    // detached again where it was: "exactly as it was" holds for both).
    const back = original === null ? ["--detach", originalSha] : [original];
    await checkout.run(["checkout", "--quiet", "-b", branch]);
    try {
      await chainInto(report, o, checkout, top, env);
    } catch (e) {
      // An unreachable builder or Ctrl-C: leave the checkout as it was found. A failure while
      // putting it back is said, but never hides the error that stopped the run.
      try {
        await checkout.run(["checkout", "--quiet", "--force", ...back]);
        await checkout.run(["branch", "--quiet", "-D", branch]);
      } catch (cleanup) {
        progress(`could not put ${top} back as it was: ${(cleanup as Error).message}`);
      }
      throw e;
    }
    if (original === null) {
      await checkout.run(["checkout", "--quiet", "--detach", originalSha]);
      progress(`committed on ${branch}; ${top} is left detached at ${originalSha.slice(0, 10)}`);
    }
    report.branch = branch;
  }
  report.seconds = (performance.now() - began) / 1000;
  return report;
}
