// Commands: the `upgrade` flow on a local checkout: branch, bump, harvest, commit or dry-run diff.
import { dirname, join } from "node:path";
import { createTwoFilesPatch } from "diff";
import type { Config } from "./config.ts";
import { type Builder, makeBuilder } from "./builder.ts";
import {
  bumpVersion,
  harvest,
  type HarvestFailure,
  type HarvestResult,
  readHashes,
  readVersion,
  resetHashes,
} from "./harvest.ts";
import { Git } from "./git.ts";
import { compareVersions, parseVersion } from "./versions.ts";
import { InputError } from "./errors.ts";
import { progress, seconds } from "./log.ts";

export interface UpgradeOptions {
  repo: string;
  version: string;
  config: Config;
  builder: string;
  dryRun: boolean;
  noBuild: boolean;
}

export interface UpgradeReport {
  package: string;
  version: { from: string; to: string };
  /** Nothing to do: the checkout already holds the version. */
  upToDate: boolean;
  dryRun: boolean;
  builder: string;
  hashes: HarvestResult["hashes"];
  builds: number;
  rounds: HarvestResult["rounds"];
  verified: boolean;
  failure: HarvestFailure | null;
  branch: string | null;
  commits: { sha: string | null; subject: string }[];
  diff: string;
  logFile: string | null;
  seconds: number;
  buildSeconds: number;
}

/** The subjects of the target's C2 convention: `C2(<chain>): <verb> <description>`. */
export function commitSubjects(config: Config, from: string, to: string) {
  const c2 = `C2(${config.chain}):`;
  return {
    bump: `${c2} impl bump ${config.package.name} ${from} -> ${to}`,
    hashes: `${c2} impl update fixed-output hashes for ${config.package.name} ${to}`,
    partial: (pending: string[]) =>
      `${c2} impl partial hashes for ${config.package.name} ${to} (pending: ${pending.join(", ")})`,
  };
}

/** The system nix would report here: only used when nothing is built (--no-build). */
function localSystem(): string {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return `${arch}-${Deno.build.os === "darwin" ? "darwin" : "linux"}`;
}

export async function upgrade(options: UpgradeOptions): Promise<UpgradeReport> {
  const began = performance.now();
  const { config } = options;
  const git = new Git(options.repo, {
    name: config.git.author_name,
    email: config.git.author_email,
  });
  const top = await git.topLevel();
  const pkgDir = join(top, config.package.dir);
  const files = await git.trackedFiles(config.package.dir);
  if (files.length === 0) {
    throw new InputError(`${config.package.dir}: no tracked files there in ${top} (package.dir)`);
  }
  const from = await readVersion(pkgDir, config);
  const to = parseVersion(options.version, "--version");
  const report: UpgradeReport = {
    package: config.package.name,
    version: { from, to },
    upToDate: from === to,
    dryRun: options.dryRun,
    builder: options.noBuild ? "none" : options.builder,
    hashes: [],
    builds: 0,
    rounds: [],
    verified: false,
    failure: null,
    branch: null,
    commits: [],
    diff: "",
    logFile: null,
    seconds: 0,
    buildSeconds: 0,
  };
  if (report.upToDate) {
    progress(`${config.package.name} is already at ${to}: nothing to do`);
    return report;
  }
  if (compareVersions(to, from) < 0) {
    throw new InputError(
      `--version ${to} is older than the current ${from}: refusing to downgrade`,
    );
  }
  const builder = options.noBuild ? null : makeBuilder(options.builder, config.ssh);
  const system = builder ? await builder.system() : localSystem();
  // Every literal must be found before anything changes.
  await readHashes(pkgDir, config, system);

  const subjects = commitSubjects(config, from, to);
  const branch = `mikado/${config.chain}`;
  if (options.dryRun) {
    const scratch = await copyFiles(pkgDir, files);
    try {
      await bumpVersion(scratch, config, to);
      await run(scratch, files, builder, system, options, report);
      report.diff = await diffFiles(pkgDir, scratch, files, config.package.dir);
      report.commits = [{ sha: null, subject: subjects.bump }];
      if (report.hashes.length) {
        report.commits.push({ sha: null, subject: hashSubject(report, subjects) });
      }
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  } else {
    if (!(await git.isClean())) {
      throw new InputError(`${top} has uncommitted changes: commit or stash them first`);
    }
    if (await git.branchExists(branch)) {
      throw new InputError(
        `branch ${branch} already exists in ${top}: delete it or finish it first`,
      );
    }
    const original = await git.currentBranch();
    await git.run(["checkout", "--quiet", "-b", branch]);
    report.branch = branch;
    const rel = (file: string) => join(config.package.dir, file);
    try {
      await bumpVersion(pkgDir, config, to);
      const bumpSha = await git.commit(config.version.map((v) => rel(v.file)), subjects.bump);
      report.commits.push({ sha: bumpSha, subject: subjects.bump });
      await run(pkgDir, files, builder, system, options, report);
    } catch (e) {
      // Nothing harvested yet (a missing builder, Ctrl-C): leave the checkout as it was found.
      await git.run(["checkout", "--quiet", "--force", original]);
      await git.run(["branch", "--quiet", "-D", branch]);
      report.branch = null;
      throw e;
    }
    const hashFiles = [...new Set(config.hashes.map((h) => rel(h.file)))];
    const subject = hashSubject(report, subjects);
    report.commits.push({ sha: await git.commit(hashFiles, subject), subject });
  }
  report.seconds = (performance.now() - began) / 1000;
  return report;
}

function hashSubject(report: UpgradeReport, subjects: ReturnType<typeof commitSubjects>): string {
  const pending = report.hashes.filter((h) => h.new === null).map((h) => h.name);
  return pending.length === 0 ? subjects.hashes : subjects.partial(pending);
}

/** Harvests in `dir` (or, with --no-build, only resets the hashes to placeholders). */
async function run(
  dir: string,
  files: string[],
  builder: Builder | null,
  system: string,
  options: UpgradeOptions,
  report: UpgradeReport,
): Promise<void> {
  const { config } = options;
  if (!builder) {
    report.hashes = await resetHashes(dir, config, system);
    progress(`--no-build: hashes reset to placeholders, nothing built`);
    return;
  }
  report.logFile = await logFile(config, report.version.to);
  progress(`building on ${builder.description} (${system}); full log: ${report.logFile}`);
  const maxJobs = config.build.max_jobs === null
    ? []
    : ["--max-jobs", String(config.build.max_jobs)];
  const result = await harvest({
    config,
    dir,
    files,
    builder,
    system,
    logFile: report.logFile,
    args: maxJobs,
  });
  Object.assign(report, {
    hashes: result.hashes,
    rounds: result.rounds,
    builds: result.builds,
    verified: result.verified,
    failure: result.failure,
    buildSeconds: result.buildSeconds,
  });
  progress(
    result.verified
      ? `verified: the whole build passes after ${result.builds} nix-build runs (${
        seconds(result.buildSeconds)
      } building)`
      : `harvest stopped: ${result.failure?.message}`,
  );
}

async function logFile(config: Config, version: string): Promise<string> {
  const dir = config.log_dir ?? join(Deno.env.get("TMPDIR") ?? "/tmp", "upgrade-bot");
  await Deno.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(dir, `${config.package.name}-${version}-${stamp}.log`);
}

/** A scratch copy of the package's tracked files, for dry runs. */
async function copyFiles(from: string, files: string[]): Promise<string> {
  const scratch = await Deno.makeTempDir({ prefix: "upgrade-bot-dry-run-" });
  for (const file of files) {
    await Deno.mkdir(dirname(join(scratch, file)), { recursive: true });
    await Deno.copyFile(join(from, file), join(scratch, file));
  }
  return scratch;
}

async function diffFiles(
  before: string,
  after: string,
  files: string[],
  prefix: string,
): Promise<string> {
  const patches: string[] = [];
  for (const file of files) {
    const a = await Deno.readTextFile(join(before, file)).catch(() => null);
    const b = await Deno.readTextFile(join(after, file)).catch(() => null);
    if (a === null || b === null || a === b) continue;
    const path = join(prefix, file);
    patches.push(createTwoFilesPatch(`a/${path}`, `b/${path}`, a, b, "", "", { context: 3 }));
  }
  return patches.join("");
}
