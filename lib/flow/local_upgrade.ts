// `upgrade`: the pipeline on a local checkout (or, dry, on a throwaway clone of it).
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { loadPackage } from "./read_package.ts";
import { Git } from "../runtime/git.ts";
import { alreadyAt, parseVersion } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import { progress } from "../runtime/log.ts";
import { makeReport, type Report, today } from "./report.ts";
import { startBuilder } from "./prepare.ts";
import { branchOf, makeContext } from "./context.ts";
import { upgradePackage } from "./pipeline.ts";

/** `upgrade`: the package in the checkout at `repo` upgraded to `version`, committed on the
 * chain's branch there (or, dry, on a throwaway clone of it). */
export async function upgrade(
  settings: Settings,
  spec: PackageSpec,
  repo: string,
  version: string,
): Promise<Report> {
  const began = performance.now();
  const date = today();
  const started = startBuilder(settings);
  const identity = { name: settings.git.author_name, email: settings.git.author_email };
  const checkout = new Git(repo, identity);
  const topLevel = checkout.topLevel();
  const branch = branchOf(spec);
  // Where the checkout is, whether the branch exists and the package's tracked files (what the
  // evaluation needs), asked beside the top level while the package is read and the builder
  // prepared; the answers count only once there is something to do (and the top level is known:
  // no checkout, no answer).
  const found = settings.dryRun
    ? null
    : Promise.all([checkout.state(), checkout.sha(`refs/heads/${branch}`)]);
  found?.catch(() => {});
  const tracked = settings.dryRun || settings.noBuild ? undefined : checkout.trackedFiles(spec.dir);
  tracked?.catch(() => {});
  const top = await topLevel;
  const dir = join(top, spec.dir);
  const pkg = await loadPackage(spec, dir);
  const from = pkg.current;
  const to = parseVersion(version, "--version");
  const report = { package: spec.name, from, to, date, began };
  if (alreadyAt(to, from, "the current")) {
    return makeReport(settings, {
      ...report,
      upToDate: `${spec.name} is already at ${to}: nothing to do`,
    }, null);
  }
  // No forge asked: no tag's commit to move a Dockerfile's commit pin by, no upgrade path or tag
  // record to show, nothing published.
  const facts = { from, to, date, started, tracked };
  const run = { settings, forge: null };
  if (settings.dryRun) {
    const scratch = await Deno.makeTempDir({ prefix: "upgrade-bot-dry-run-" });
    try {
      await checkout.run(["clone", "--quiet", top, scratch]);
      const git = new Git(scratch, identity);
      const base = (await git.run(["rev-parse", "HEAD"])).trim();
      await git.run(["checkout", "--quiet", "-b", branch]);
      const result = await upgradePackage(
        makeContext(run, { git, top: scratch }, pkg, { ...facts, diffBase: base }),
      );
      return makeReport(settings, report, result);
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  }
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
  let result;
  try {
    result = await upgradePackage(makeContext(run, { git: checkout, top }, pkg, facts));
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
  return makeReport(settings, { ...report, branch }, result);
}
