// Commands: `upgrade` on a local checkout; `run`, `/rebuild`, `event` and `serve` against the forge.
import { join } from "node:path";
import { createTwoFilesPatch } from "diff";
import type { Config } from "./runtime/config.ts";
import { type Builder, makeBuilder } from "./harvest/builders/builder.ts";
import { buildExpression, readHashes, targetsOf } from "./harvest/rounds.ts";
import type { FoundHash } from "./nix/discover.ts";
import YAML from "yaml";
import {
  type Layout,
  loadLayout,
  readNixFilesAt,
  resolveLayout,
  serviceVersion,
} from "./flow/package.ts";
import { Git } from "./runtime/git.ts";
import { compareVersions, newerVersions, parseVersion, tagFor } from "./nix/versions.ts";
import { InputError } from "./runtime/errors.ts";
import { findVersion } from "./nix/edit.ts";
import { evaluationError } from "./nix/log.ts";
import {
  chainGraph,
  type ChainResult,
  rebuildChain,
  runChain,
  staleMentions,
} from "./mikado/chain.ts";
import type { Forge, Pull } from "./platform/forgejo/client.ts";
import {
  parsePullTitle,
  pullBody,
  type PullFacts,
  pullTitle,
  type RebuildSummary,
} from "./mikado/pulltext.ts";
import {
  type CommandContext,
  eventFromPayload,
  handleComment,
  scanComments,
} from "./flow/comments.ts";
import { serveWebhooks } from "./platform/forgejo/webhook.ts";
import { acquireLock } from "./runtime/lock.ts";
import { addSecret, progress, seconds } from "./runtime/log.ts";

export interface Report {
  package: string;
  version: { from: string; to: string };
  /** Nothing to do: already at the version, or no new release, or its pull request is open. */
  upToDate: boolean;
  dryRun: boolean;
  builder: string;
  hashes: ChainResult["facts"]["hashes"];
  builds: number;
  rounds: ChainResult["rounds"];
  verified: boolean;
  failure: ChainResult["failure"];
  branch: string | null;
  commits: { sha: string | null; subject: string }[];
  prerequisite: string | null;
  diff: string;
  logFile: string | null;
  pull: { number: number; url: string; title: string; body: string; action: string } | null;
  /** Releases seen whose other mirrors lack their tag yet. */
  waiting: string[];
  message: string;
  seconds: number;
  buildSeconds: number;
}

export interface CommonOptions {
  config: Config;
  builder: string;
  dryRun: boolean;
  noBuild: boolean;
}

function emptyReport(o: CommonOptions, from: string, to: string): Report {
  return {
    package: o.config.package.name,
    version: { from, to },
    upToDate: false,
    dryRun: o.dryRun,
    builder: o.noBuild ? "none" : o.builder,
    hashes: [],
    builds: 0,
    rounds: [],
    verified: false,
    failure: null,
    branch: null,
    commits: [],
    prerequisite: null,
    diff: "",
    logFile: null,
    pull: null,
    waiting: [],
    message: "",
    seconds: 0,
    buildSeconds: 0,
  };
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The system nix would report here: only used when nothing is built (--no-build). */
function localSystem(): string {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return `${arch}-${Deno.build.os === "darwin" ? "darwin" : "linux"}`;
}

async function logFile(config: Config, version: string): Promise<string> {
  const dir = config.log_dir ?? join(Deno.env.get("TMPDIR") ?? "/tmp", "upgrade-bot");
  await Deno.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(dir, `${config.package.name}-${version}-${stamp}.log`);
}

/** The builder and its system; every literal is located, and the build evaluated at the current
 * version, before anything changes: a failure here is the repository's or the config's, not the
 * new release's, so it stops the run (exit 2) with no branch and no card. */
async function prepare(o: CommonOptions, layout: Layout, git: Git, pkgDir: string, to: string) {
  const { config } = layout;
  const builder: Builder | null = o.noBuild ? null : makeBuilder(o.builder, config.ssh);
  const system = builder ? await builder.system() : localSystem();
  await readHashes(pkgDir, config, system);
  const log = builder ? await logFile(config, to) : null;
  if (builder) {
    progress(`building on ${builder.description} (${system}); full log: ${log}`);
    progress(`evaluating ${config.package.dir}/${config.build.file} at ${layout.version}`);
    const evaluation = await builder.build({
      dir: pkgDir,
      files: await git.trackedFiles(config.package.dir),
      expr: buildExpression(config),
      args: config.build.args,
      timeoutSeconds: config.build.timeout_seconds,
      heartbeatSeconds: config.build.heartbeat_seconds,
      logFile: log!,
      label: "evaluation",
      evaluateOnly: true,
    });
    if (evaluation.exitCode !== 0 || evaluation.timedOut) {
      throw new InputError(
        `${config.package.dir}/${config.build.file} does not evaluate at the current version ` +
          `${layout.version}, before any change (a repository or config problem, not the new ` +
          `release's):\n${evaluationError(evaluation.output)}`,
      );
    }
  }
  return { builder, system, log };
}

/** Runs the chain in `top` on the checked-out branch and folds its result into the report. */
async function chainInto(
  report: Report,
  o: CommonOptions,
  git: Git,
  top: string,
  env: { builder: Builder | null; system: string; log: string | null },
): Promise<void> {
  const chain = await runChain({
    git,
    top,
    config: o.config,
    from: report.version.from,
    to: report.version.to,
    builder: env.builder,
    system: env.system,
    date: today(),
    logFile: env.log,
  });
  absorb(report, chain, env.log);
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

/** Folds what a chain did into the report. */
function absorb(report: Report, chain: ChainResult, logFile: string | null): void {
  Object.assign(report, {
    hashes: chain.facts.hashes,
    builds: chain.builds,
    rounds: chain.rounds,
    verified: chain.verified,
    failure: chain.failure,
    buildSeconds: chain.buildSeconds,
    commits: chain.commits,
    prerequisite: chain.prerequisite,
    logFile,
  });
}

/** The unified diff (made with the diff package) of what `base..HEAD` changed in `top`. */
async function diffSince(git: Git, top: string, base: string): Promise<string> {
  const files = (await git.run(["diff", "--name-only", base, "HEAD"])).split("\n").filter(Boolean);
  const patches: string[] = [];
  for (const file of files) {
    const before = await git.run(["show", `${base}:${file}`]).catch(() => "");
    const after = await Deno.readTextFile(join(top, file)).catch(() => "");
    patches.push(
      createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, "", "", { context: 3 }),
    );
  }
  return patches.join("");
}

/** A forced version against the current one: true when they are the same; older is refused. */
function alreadyAt(version: string, current: string, whose: string): boolean {
  if (compareVersions(version, current) < 0) {
    throw new InputError(
      `--version ${version} is older than ${whose} ${current}: refusing to downgrade`,
    );
  }
  return version === current;
}

export interface UpgradeOptions extends CommonOptions {
  repo: string;
  version: string;
}

/** `upgrade`: the chain on a local checkout (or, dry, on a throwaway clone of it). */
export async function upgrade(o: UpgradeOptions): Promise<Report> {
  const began = performance.now();
  const { config } = o;
  const identity = { name: config.git.author_name, email: config.git.author_email };
  const checkout = new Git(o.repo, identity);
  const top = await checkout.topLevel();
  const pkgDir = join(top, config.package.dir);
  const layout = await loadLayout(config, pkgDir);
  o = { ...o, config: layout.config };
  const from = layout.version;
  const to = parseVersion(o.version, "--version");
  const report = emptyReport(o, from, to);
  if (alreadyAt(to, from, "the current")) {
    report.upToDate = true;
    report.message = `${config.package.name} is already at ${to}: nothing to do`;
    return report;
  }
  const env = await prepare(o, layout, checkout, pkgDir, to);
  const branch = `mikado/${config.chain}`;
  if (o.dryRun) {
    const scratch = await Deno.makeTempDir({ prefix: "upgrade-bot-dry-run-" });
    try {
      await checkout.run(["clone", "--quiet", top, scratch]);
      const git = new Git(scratch, identity);
      const base = (await git.run(["rev-parse", "HEAD"])).trim();
      await git.run(["checkout", "--quiet", "-b", branch]);
      await chainInto(report, o, git, scratch, env);
      report.diff = await diffSince(git, scratch, base);
      report.commits = report.commits.map((c) => ({ sha: null, subject: c.subject }));
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  } else {
    if (!(await checkout.isClean())) {
      throw new InputError(`${top} has uncommitted changes: commit or stash them first`);
    }
    if (await checkout.sha(`refs/heads/${branch}`)) {
      throw new InputError(
        `branch ${branch} already exists in ${top}: delete it or finish it first`,
      );
    }
    const original = await checkout.currentBranch();
    await checkout.run(["checkout", "--quiet", "-b", branch]);
    try {
      await chainInto(report, o, checkout, top, env);
    } catch (e) {
      // An unreachable builder or Ctrl-C: leave the checkout as it was found.
      await checkout.run(["checkout", "--quiet", "--force", original]);
      await checkout.run(["branch", "--quiet", "-D", branch]);
      throw e;
    }
    report.branch = branch;
  }
  report.seconds = (performance.now() - began) / 1000;
  return report;
}

export interface RunOptions extends CommonOptions {
  /** --version: force this version (its tags must exist on every mirror). */
  version?: string;
}

/** The pull request a run targets: which version, and what to do with an existing one. */
interface Target {
  version: string;
  open: Pull | null;
}

/** The forge and the token for it, from the environment variable config names. octokit is
 * loaded here, not at start: `upgrade` never needs it. */
export async function connect(config: Config): Promise<{ forge: Forge; token: string }> {
  const token = Deno.env.get(config.forge.token_env) ?? "";
  if (!token) {
    throw new InputError(
      `set ${config.forge.token_env} to a Forgejo access token (forge.token_env)`,
    );
  }
  addSecret(token);
  const { ForgejoForge } = await import("./platform/forgejo/client.ts");
  const { url, timeout_seconds, retries, retry_seconds } = config.forge;
  const forge = new ForgejoForge(url, token, {
    timeoutSeconds: timeout_seconds,
    retries,
    retryBaseSeconds: retry_seconds,
  });
  return { forge, token };
}

/** Runs `fn` holding the target repository's lock; null when another run kept it. */
export async function withLock<T>(
  config: Config,
  command: string,
  fn: () => Promise<T>,
): Promise<T | null> {
  const lock = await acquireLock({
    dir: config.lock.dir ??
      join(Deno.env.get("XDG_RUNTIME_DIR") ?? Deno.env.get("TMPDIR") ?? "/tmp"),
    repo: config.forge.repo,
    command,
    waitSeconds: config.lock.wait_seconds,
    staleSeconds: config.lock.stale_seconds,
  });
  if (!lock) return null;
  const release = () => lock.release();
  // Ctrl-C or a stop from systemd must not leave the lock behind.
  const onSignal = () => release().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await sweepClones();
    return await fn();
  } finally {
    Deno.removeSignalListener("SIGTERM", onSignal);
    await release();
  }
}

/** A throwaway clone of the target. The token travels in git's environment only: never in argv,
 * never in .git/config. */
async function cloneTarget(config: Config, token: string, work: string): Promise<Git> {
  const git = new Git(work, { name: config.git.author_name, email: config.git.author_email }, {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: token ${token}`,
    GIT_TERMINAL_PROMPT: "0",
  });
  const url = `${config.forge.url}/${config.forge.repo}.git`;
  progress(`cloning ${url}`);
  await git.run(["clone", "--quiet", "--branch", config.forge.base, "--", url, work]);
  return git;
}

const CLONE_PREFIX = "upgrade-bot-clone-";

/** Removes the clones of runs that were killed (their pid is in the name and is gone). */
async function sweepClones(): Promise<void> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const entry of Deno.readDir(tmp)) {
    const pid = new RegExp(`^${CLONE_PREFIX}(\\d+)-`).exec(entry.name)?.[1];
    if (!pid || !entry.isDirectory || Number(pid) === Deno.pid) continue;
    if (await Deno.stat(`/proc/${pid}`).then(() => true, () => false)) continue;
    progress(`removing ${join(tmp, entry.name)}, left by a run that was killed`);
    await Deno.remove(join(tmp, entry.name), { recursive: true }).catch(() => {});
  }
}

async function withClone<T>(
  config: Config,
  token: string,
  fn: (git: Git, work: string) => Promise<T>,
): Promise<T> {
  const work = await Deno.makeTempDir({ prefix: `${CLONE_PREFIX}${Deno.pid}-` });
  try {
    return await fn(await cloneTarget(config, token, work), work);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Everything `/rebuild` needs, for the cron scan, `event` and `serve` alike. */
export function commandContext(o: CommonOptions, forge: Forge, token: string): CommandContext {
  return { config: o.config, forge, rebuild: (pull) => rebuildPull(o, forge, token, pull) };
}

/** `run` (cron): answer /rebuild comments, then find a ready release on the mirrors and open or
 * move the pull request for it. */
export async function run(o: RunOptions, forge: Forge, token: string): Promise<Report> {
  const began = performance.now();
  const { config } = o;
  const { repo, base } = config.forge;
  const open = await forge.pulls(repo, "open");
  if (!o.dryRun) {
    for (const line of await scanComments(commandContext(o, forge, token), open)) progress(line);
  }
  if (config.forge.sync_mirrors) {
    for (const m of config.mirrors) await forge.syncMirror(m.repo);
  }
  const current = await versionOnForge(forge, config);
  const branch = `mikado/${config.chain}`;
  const found = await discover(forge, o, current, open.find((p) => p.head === branch) ?? null);
  const report = emptyReport(o, current, found.target?.version ?? current);
  report.waiting = found.waiting;
  if (!found.target) {
    report.upToDate = true;
    report.message = found.message;
    report.seconds = (performance.now() - began) / 1000;
    return report;
  }
  const target = found.target;
  report.branch = branch;
  await withClone(config, token, async (git, work) => {
    const remoteTip = await git.sha(`refs/remotes/origin/${branch}`);
    const foreign = remoteTip ? await foreignCommits(git, base, branch, config) : [];
    if (foreign.length) {
      // Someone else committed on the branch: build on top, never rewrite their work.
      progress(`${branch} has ${foreign.length} commits the bot did not make: adding on top`);
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
    const env = await prepare(resolved, layout, git, pkgDir, target.version);
    await chainInto(report, resolved, git, work, env);
    report.diff = await diffSince(git, work, `origin/${base}`);
    await publish(report, resolved, forge, git, work, target.open, remoteTip);
  });
  report.seconds = (performance.now() - began) / 1000;
  return report;
}

/** Pushes the branch (or, dry, only says what it would) and opens or updates the pull request. */
async function publish(
  report: Report,
  o: CommonOptions,
  forge: Forge,
  git: Git,
  work: string,
  open: Pull | null,
  remoteTip: string | null,
): Promise<void> {
  const { repo, base } = o.config.forge;
  const branch = `mikado/${o.config.chain}`;
  const facts = await pullFacts(report, o, work, forge.url);
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

/** `/rebuild` on a pull request: the harvest and the verifying build again on its head. */
export async function rebuildPull(
  o: CommonOptions,
  forge: Forge,
  token: string,
  pull: Pull,
): Promise<RebuildSummary> {
  const { config } = o;
  const report = await withClone(config, token, async (git, work) => {
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

/** The current version on the base branch, read with one request: the configured version file,
 * else the service's entry in service-versions.yaml (the repository's checks keep it equal to the
 * Nix files; the clone's files are read again before anything changes). */
async function versionOnForge(forge: Forge, config: Config): Promise<string> {
  const { repo, base } = config.forge;
  if (config.version.length > 0) {
    const location = config.version[0];
    const path = join(config.package.dir, location.file);
    return findVersion(await forge.readFile(repo, path, base), {
      ...location,
      file: `${repo}:${path}`,
    }).value;
  }
  if (!config.service_versions) {
    throw new InputError(
      `with service_versions off, set "version" in the config: the cron run reads the current ` +
        `version from its first file`,
    );
  }
  const { file, name } = config.service_versions;
  return serviceVersion(await forge.readFile(repo, file, base), `${repo}:${file}`, name);
}

/** The newest ready release above `current`, or why there is none. */
async function discover(
  forge: Forge,
  o: RunOptions,
  current: string,
  open: Pull | null,
): Promise<{ target: Target | null; waiting: string[]; message: string }> {
  const { config } = o;
  const [own, ...others] = config.mirrors;
  const { repo, base } = config.forge;
  const pkg = config.package.name;
  if (o.version) {
    const version = parseVersion(o.version, "--version");
    for (const m of config.mirrors) {
      const tag = tagFor(m.tag, version);
      if (!(await forge.tagExists(m.repo, tag))) {
        throw new InputError(`--version ${version}: mirror ${m.repo} has no tag ${tag}`);
      }
    }
    if (alreadyAt(version, current, `${base}'s`)) {
      return {
        target: null,
        waiting: [],
        message: `${pkg} is already at ${version} on ${base}: nothing to do`,
      };
    }
    return { target: { version, open }, waiting: [], message: "" };
  }
  const tags = await forge.tags(own.repo);
  const waiting: string[] = [];
  let closed: Pull[] | null = null;
  for (const version of newerVersions(tags, own.tag, current, config.prereleases)) {
    if (open && parsePullTitle(open.title)?.to === version) {
      return {
        target: null,
        waiting,
        message: `${pkg} ${version}: its pull request is open already: nothing to do`,
      };
    }
    const missing: string[] = [];
    for (const m of others) {
      const tag = tagFor(m.tag, version);
      if (!(await forge.tagExists(m.repo, tag))) missing.push(tag);
    }
    if (missing.length) {
      progress(`${pkg} ${version}: waiting for ${missing.join(", ")}`);
      waiting.push(version);
      continue;
    }
    // By title, not head: Forgejo reports a deleted branch's head as refs/pull/N/head.
    closed ??= (await forge.pulls(repo, "closed")).filter((p) =>
      !p.merged && parsePullTitle(p.title)?.chain === config.chain
    );
    const rejected = closed.find((p) => parsePullTitle(p.title)?.to === version);
    if (rejected) {
      progress(
        `${pkg} ${version}: skipped, pull request #${rejected.number} was closed without merge (--version ${version} retries it)`,
      );
      continue;
    }
    return { target: { version, open }, waiting, message: "" };
  }
  const why = waiting.length
    ? ` (waiting for the other mirrors' tags of ${waiting.join(", ")})`
    : "";
  return {
    target: null,
    waiting,
    message: `${pkg} ${current} is the newest ready release: nothing to do${why}`,
  };
}

async function pullFacts(
  report: Report,
  o: CommonOptions,
  top: string,
  forgeUrl: string,
): Promise<PullFacts> {
  const { config } = o;
  return {
    package: config.package.name,
    chain: config.chain,
    from: report.version.from,
    to: report.version.to,
    date: today(),
    pkgDir: config.package.dir,
    hashes: report.hashes,
    mirrors: config.mirrors.map((m) => {
      const tag = tagFor(m.tag, report.version.to);
      return {
        repo: m.repo,
        tag,
        url: `${forgeUrl}/${m.repo}/src/tag/${tag.split("/").map(encodeURIComponent).join("/")}`,
      };
    }),
    builds: report.builds,
    seconds: report.buildSeconds,
    builder: report.builder,
    verified: report.verified,
    failure: report.failure,
    graph: await chainGraph(top, config),
    mentions: await staleMentions(top, config, report.version.from),
    prerequisite: report.prerequisite,
  };
}

/** An event payload file, read with a size limit: its content is untrusted. */
async function readPayload(file: string): Promise<unknown> {
  const info = await Deno.stat(file).catch(() => null);
  if (!info?.isFile) throw new InputError(`${file}: no such event payload file`);
  if (info.size > 4 * 1024 * 1024) throw new InputError(`${file}: event payload larger than 4 MiB`);
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new InputError(`${file}: not a JSON event payload: ${(e as Error).message}`);
  }
}

/** `event FILE`: one Forgejo Actions issue_comment payload; says what came of it. */
export async function eventCommand(
  common: CommonOptions,
  forge: Forge,
  token: string,
  file: string,
): Promise<string> {
  const ev = eventFromPayload(await readPayload(file));
  if (ev === null) return "ignored: not a pull request comment";
  const ctx = commandContext(common, forge, token);
  return (await withLock(common.config, "event", () => handleComment(ctx, ev))) ??
    "skipped: another run holds the lock";
}

/** `serve`: webhooks until stopped, each handled under the lock. */
export async function serveCommand(
  common: CommonOptions,
  forge: Forge,
  token: string,
  port: number,
  hostname: string,
): Promise<number> {
  const { config } = common;
  const secret = Deno.env.get(config.webhook.secret_env) ?? "";
  if (!secret) {
    throw new InputError(
      `set ${config.webhook.secret_env} to the webhook secret (webhook.secret_env)`,
    );
  }
  addSecret(secret);
  const ctx = commandContext(common, forge, token);
  const server = serveWebhooks({
    hostname,
    port,
    secret,
    maxBodyBytes: config.webhook.max_body_bytes,
    handle: async (ev) =>
      (await withLock(config, "serve", () => handleComment(ctx, ev))) ?? "skipped: lock held",
  });
  console.error(
    `upgrade-bot: receiving webhooks on http://${server.addr.hostname}:${server.addr.port}/`,
  );
  await server.finished;
  return 0;
}

/** The report as people read it on stdout (--json adds the machine-readable line). */
export function formatReport(r: Report): string {
  if (r.upToDate) return r.message;
  const title = `${r.package} ${r.version.from} -> ${r.version.to}${r.dryRun ? " (dry run)" : ""}`;
  const lines = [...(r.diff ? [r.diff] : []), title, "hashes:"];
  const width = Math.max(...r.hashes.map((h) => h.name.length));
  for (const h of r.hashes) {
    const state = h.new === null
      ? "not harvested"
      : h.unchanged
      ? `unchanged ${h.new}`
      : `${h.old} -> ${h.new}`;
    lines.push(`  ${h.name.padEnd(width)}  ${h.file}: ${state}`);
    for (const o of h.otherSystems) {
      lines.push(
        `  ${"".padEnd(width)}  left as it was for ${o.system}: ${o.value} (check it by hand)`,
      );
    }
  }
  lines.push(
    `builds: ${r.builds} nix-build runs on ${r.builder}, ${seconds(r.buildSeconds)} building, ` +
      `${seconds(r.seconds)} in all`,
  );
  lines.push(`verified: ${r.verified ? "yes, the whole build passes" : "no"}`);
  if (r.logFile) lines.push(`log: ${r.logFile}`);
  if (r.branch) lines.push(`branch: ${r.branch}`);
  for (const c of r.commits) {
    lines.push(`  ${c.sha ? c.sha.slice(0, 10) : "(would commit)"} ${c.subject}`);
  }
  if (r.failure) {
    lines.push(`FAILED (${r.failure.kind}): ${r.failure.message}`);
    if (r.failure.logTail.length) {
      lines.push("last lines of its log:", ...r.failure.logTail.map((l) => `  > ${l}`));
    }
    if (r.prerequisite) lines.push(`planned prerequisite card: ${r.prerequisite}`);
  }
  if (r.pull) {
    lines.push(`pull request: ${r.pull.action} ${r.pull.url || ""}`.trimEnd());
    if (r.dryRun) lines.push(`title: ${r.pull.title}`, "body:", r.pull.body);
  }
  return lines.join("\n");
}

/** `inspect`: what the bot finds in the package, and the config that would say the same. */
export async function inspect(
  config: Config,
  repo: string,
): Promise<{ text: string; json: unknown }> {
  const top = await new Git(repo, { name: "", email: "" }).topLevel();
  const layout = await loadLayout(config, join(top, config.package.dir));
  const { discovery, pinned } = layout;
  const resolved = layout.config;
  const harvested = new Set(resolved.hashes.map((h) => `${h.file}\0${h.key}\0${h.index ?? ""}`));
  const rows = discovery.hashes.map((h) => ({
    ...h,
    harvested: harvested.has(`${h.file}\0${h.key}\0${h.index}`),
  }));
  const width = Math.max(...rows.map((h) => h.name.length));
  const where = (file: string, line: number) => `${file}:${line}`;
  const whereWidth = Math.max(...rows.map((h) => where(h.file, h.line).length));
  const lines = [
    `${config.package.name} in ${config.package.dir}: version ${layout.version}`,
    "version literals:",
    ...discovery.versions.map((v) => `  ${v.file}:${v.line}  ${v.key} = "${v.value}"`),
    `hash literals (${rows.length}):`,
    ...rows.map((h) =>
      `  ${h.name.padEnd(width)}  ${
        where(h.file, h.line).padEnd(whereWidth)
      }  ${h.key} (${h.kind})` +
      (h.systems.length ? ` per system: ${h.systems.join(", ")}` : "") +
      (h.pinned
        ? "  pinned to a literal rev or URL: left alone"
        : h.harvested
        ? "  reset and harvested on each upgrade"
        : "  not harvested (the config's hashes list leaves it out)")
    ),
    `build: nix-build ${resolved.build.file} (${targetsOf(resolved).join(", ")})`,
    "",
    "# upgrade-bot.yaml that says the same (every key is optional: this is what discovery found)",
    YAML.stringify(reproducingConfig(resolved, discovery.hashes.filter((h) => !h.pinned)))
      .trimEnd(),
  ];
  return {
    text: lines.join("\n"),
    json: {
      package: config.package,
      version: layout.version,
      versions: discovery.versions,
      hashes: rows,
      pinned: pinned.map((h) => h.name),
      build: { file: resolved.build.file, targets: targetsOf(resolved) },
    },
  };
}

/** The config keys discovery filled in, with `within` anchors where a key repeats in a file. */
function reproducingConfig(config: Config, hashes: FoundHash[]) {
  return {
    package: config.package,
    version: config.version.map((v) => v.file),
    hashes: hashes.map((h) => ({
      name: h.name,
      file: h.file,
      key: h.key,
      ...(h.within ? { within: h.within } : {}),
    })),
    build: {
      file: config.build.file,
      ...(config.build.verify.length ? { verify: config.build.verify } : {}),
    },
  };
}
