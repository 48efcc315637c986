// A flake in the cron run: on its schedule (or /upgrade), its inputs updated on the build host, its systems built before and after, a C1 pull request saying what changes.
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge } from "../platform/forge.ts";
import type { Git } from "../runtime/git.ts";
import {
  type FlakeLock,
  gitRemoteOf,
  isReleaseBranch,
  lockDate,
  movedInputs,
  newerBranch,
  parseFlakeLock,
  updatableInputs,
  updateProblems,
} from "../flake/lock.ts";
import { movedVersion, parseDiffClosures } from "../flake/closures.ts";
import { type Built, type FlakeHost, makeFlakeHost } from "../flake/host.ts";
import {
  flakeBody,
  type FlakeBuildFailure,
  flakeChangelog,
  type FlakeFacts,
  flakeTitle,
  type OutputDiff,
} from "../flake/pull_text.ts";
import { listServices, updateServiceVersions } from "../mikado/service_versions.ts";
import { flakeBranch, flakeChangelogPath, SERVICE_VERSIONS_FILE } from "../site/defaults.ts";
import { parseDuration } from "../runtime/duration.ts";
import { InputError, UpgradeFailed } from "../runtime/errors.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import { progress } from "../runtime/log.ts";
import { run } from "../runtime/process.ts";
import { withClone } from "../runtime/workspace.ts";
import { bumpResult } from "./bump_pull.ts";
import { botPullsFrom, type RunShared, type UpgradeResult } from "./context.ts";
import { makeReport, type Report, type RunFacts, today } from "./report.ts";
import { checkoutBotBranch, pushBranch } from "./publish.ts";

/** `run` for a flake: when its update is due (`flakes.every` since the last one) or asked for
 * (`forced`: `/upgrade NAME`, `--version`), update its inputs, build its outputs before and after
 * and open or move the pull request. */
export async function runFlake(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
): Promise<Report> {
  const began = performance.now();
  const date = today();
  const { repo, base } = settings.forge;
  const branch = flakeBranch(spec.name);
  const flakes = settings.flakes;
  if (!flakes) throw new InputError(`${spec.name}: flakes is null in ${settings.source}`);
  const mine = (await botPullsFrom(forge, repo, shared, branch))[0] ?? null;
  return await withClone(settings, forge.gitRemote(repo), async (git, top) => {
    const host = makeFlakeHost(settings, () => trackedFiles(git, spec.dir));
    try {
      const lockPath = join(spec.dir, "flake.lock").replace(/^\.\//, "");
      const onBase = parseFlakeLock(await Deno.readTextFile(join(top, lockPath)), lockPath);
      const facts: RunFacts = {
        package: spec.name,
        from: lockDate(onBase),
        to: lockDate(onBase),
        date,
        baseVersion: lockDate(onBase),
        open: mine ? { number: mine.number, url: mine.url, title: mine.title } : null,
        began,
      };
      const report = (f: RunFacts, result: UpgradeResult | null): Report => ({
        ...makeReport(settings, f, result),
        builder: host.description,
      });
      const due = await nextUpdate(git, flakes.every, base, lockPath, mine ? branch : null);
      if (!forced && due > Date.now()) {
        const when = new Date(due).toISOString().slice(0, 16).replace("T", " ");
        return report({ ...facts, upToDate: `${spec.name}: next update due ${when} UTC` }, null);
      }
      const { remoteTip, ours } = await checkoutBotBranch(git, base, branch);
      if (!ours) progress(`${branch} was changed since the bot last pushed it: adding on top`);
      const dir = join(top, spec.dir);
      const before = parseFlakeLock(await Deno.readTextFile(join(top, lockPath)), lockPath);
      const movable = updatableInputs(before, flakes.inputs);
      const attrs = flakes.outputs.length
        ? flakes.outputs
        : (await host.nixosHosts(dir)).map((h) =>
          `nixosConfigurations.${h}.config.system.build.toplevel`
        );
      if (attrs.length === 0) {
        throw new InputError(
          `${spec.dir}/flake.nix: no nixosConfigurations to build: name the outputs in ` +
            `flakes.outputs`,
        );
      }
      const builtBefore = await buildAll(host, dir, attrs, "before");
      await host.update(dir, flakes.inputs.length ? movable : "all");
      const after = parseFlakeLock(await Deno.readTextFile(join(top, lockPath)), lockPath);
      const problems = updateProblems(before, after);
      if (problems.length) throw new UpgradeFailed(`${lockPath}: ${problems.join("; ")}`);
      const moved = movedInputs(before, after);
      const newerBranches = await newerBranchesOf(after);
      const newest = newerBranches.map((b) => `${b.name} ${b.newer}`).join(", ") || null;
      if (moved.length === 0) {
        await git.run(["checkout", "--", lockPath]);
        return report({ ...facts, newest, upToDate: `${spec.name}: no input moved` }, null);
      }
      for (const m of moved) {
        if (m.commits !== null) continue;
        const input = after.inputs.find((i) => i.name === m.name)!;
        const was = before.inputs.find((i) => i.name === m.name)!;
        m.commits = await countCommits(gitRemoteOf(input), m.from, m.to, was.lastModified);
      }
      const builtAfter = await buildAll(host, dir, attrs, "after");
      const outputs: OutputDiff[] = [];
      for (const [i, attr] of attrs.entries()) {
        const [b, a] = [builtBefore.built[i], builtAfter.built[i]];
        if (!("path" in b) || !("path" in a)) {
          outputs.push({ attr, changes: null, sizeBefore: null, sizeAfter: null });
          continue;
        }
        outputs.push({
          attr,
          changes: parseDiffClosures(await host.diffClosures(b.path, a.path)),
          sizeBefore: await host.closureSize(b.path),
          sizeAfter: await host.closureSize(a.path),
        });
      }
      const failure = builtBefore.failure ?? builtAfter.failure;
      const buildSeconds = builtBefore.seconds + builtAfter.seconds;
      const services = await moveServices(flakes.services, spec, top, outputs, date);
      const flake: FlakeFacts = {
        package: spec.name,
        dir: spec.dir,
        lockFile: lockPath,
        moved,
        kept: before.inputs.flatMap((i) =>
          i.follows
            ? [{ name: i.name, why: `follows ${i.follows.join("/")}` }]
            : i.pinned
            ? [{ name: i.name, why: "pinned to a revision in flake.nix" }]
            : !movable.includes(i.name)
            ? [{ name: i.name, why: "not in flakes.inputs" }]
            : []
        ),
        newerBranches,
        outputs,
        failure,
        services,
        builder: host.description,
        buildSeconds,
        maxLines: flakes.closure_lines,
      };
      const changelog = flakeChangelogPath(spec.name);
      const fragment = join(top, changelog);
      await writeFileAtomic(fragment, flakeChangelog(flake, await readOptional(fragment)));
      const subject = flakeTitle({ ...flake, failure: null });
      const files = [lockPath, changelog, ...services.length ? [servicesFile(spec)] : []];
      const sha = await git.commit(files, subject);
      const title = flakeTitle(flake);
      const body = flakeBody(flake);
      const result: UpgradeResult = {
        ...await bumpResult(git, base, sha, subject),
        builds: builtBefore.built.length + builtAfter.built.length,
        verified: failure === null,
        failure: failure
          ? { kind: "build", message: failure.message, drv: failure.drv, logTail: failure.logTail }
          : null,
        buildSeconds,
      };
      const done = { ...facts, to: lockDate(after), newest, branch };
      if (settings.dryRun) {
        result.pull = {
          number: mine?.number ?? 0,
          url: "",
          title,
          body,
          action: "would open or update",
        };
        return report(done, result);
      }
      await pushBranch(git, branch, remoteTip, ours);
      const pull = mine
        ? await forge.updatePull(repo, mine.number, { title, body })
        : await forge.createPull(repo, { head: branch, base, title, body });
      const action = mine ? "updated" : "opened";
      result.pull = { number: pull.number, url: pull.url, title, body, action };
      progress(`${spec.name}: pull request #${pull.number} ${action}: ${pull.url}`);
      return report(done, result);
    } finally {
      await host.close();
    }
  });
}

/** The flake directory's tracked files, relative to it: what an ssh build host gets. */
async function trackedFiles(git: Git, dir: string): Promise<string[]> {
  const prefix = dir === "." ? "" : `${dir}/`;
  return (await git.run(["ls-files", "-z", "--", dir])).split("\0").filter(Boolean)
    .map((f) => f.slice(prefix.length));
}

/** When the next update is due (ms since the epoch). The last update's time is read where upstream
 * cannot write: the committer time of the base branch's newest commit that changed the lock (the
 * bot's merged update or a person's), and of the bot's open branch's tip; never the lock's own
 * `lastModified`, which is the upstream commit's date. */
async function nextUpdate(
  git: Git,
  every: string,
  base: string,
  lockPath: string,
  branch: string | null,
): Promise<number> {
  const seconds = parseDuration(every);
  if (seconds === null) throw new InputError(`flakes.every: ${every} is no duration`);
  const time = async (ref: string, path?: string) => {
    const out = await git.run(["log", "-1", "--format=%ct", ref, ...path ? ["--", path] : []]);
    return Number(out.trim()) || 0;
  };
  const last = Math.max(
    await time(`origin/${base}`, lockPath),
    branch ? await time(`origin/${branch}`) : 0,
  );
  return last === 0 ? 0 : (last + seconds) * 1000;
}

/** Each output built, one after the other; the first failure kept. */
async function buildAll(
  host: FlakeHost,
  dir: string,
  attrs: string[],
  when: "before" | "after",
): Promise<{ built: Built[]; failure: FlakeBuildFailure | null; seconds: number }> {
  const built: Built[] = [];
  let failure: FlakeBuildFailure | null = null;
  for (const attr of attrs) {
    progress(`building ${attr} (${when} the update)`);
    const b = await host.build(dir, attr);
    built.push(b);
    if ("failure" in b) failure ??= { attr, when, ...b.failure };
  }
  return { built, failure, seconds: built.reduce((s, b) => s + b.seconds, 0) };
}

/** The inputs whose upstream has a newer release branch than flake.nix follows (asked with git
 * ls-remote; an upstream that cannot be asked is said in the progress and left out). */
async function newerBranchesOf(
  lock: FlakeLock,
): Promise<{ name: string; ref: string; newer: string }[]> {
  const out = [];
  for (const i of lock.inputs) {
    const remote = gitRemoteOf(i);
    if (!remote || !isReleaseBranch(i.ref)) continue;
    try {
      const listed = await run(["git", "ls-remote", "--heads", "--", remote], { inheritEnv: true });
      const heads = listed.stdout.split("\n").flatMap((l) => {
        const m = /\trefs\/heads\/(.+)$/.exec(l);
        return m ? [m[1]] : [];
      });
      const newer = newerBranch(i.ref, heads);
      if (newer) out.push({ name: i.name, ref: i.ref, newer });
    } catch (e) {
      progress(
        `${i.name}: its branches could not be listed: ${(e as Error).message.split("\n")[0]}`,
      );
    }
  }
  return out;
}

/** Commits between two revisions of a git upstream (a treeless fetch since the older commit's
 * day); null when it cannot be told. */
async function countCommits(
  remote: string | null,
  from: string,
  to: string,
  since: number | null,
): Promise<number | null> {
  if (!remote || !since) return null;
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-count-" });
  const git = (args: string[]) => run(["git", "-C", dir, ...args], { inheritEnv: true });
  try {
    await git(["init", "-q", "--bare"]);
    await git([
      "fetch",
      "-q",
      "--filter=tree:0",
      `--shallow-since=${since - 86400}`,
      "--",
      remote,
      to,
    ]);
    const n = Number((await git(["rev-list", "--count", `${from}..${to}`])).stdout.trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function servicesFile(spec: PackageSpec): string {
  return spec.service_versions?.file ?? SERVICE_VERSIONS_FILE;
}

/** The service entries (config `flakes.services`) whose package moved in a built closure, set to
 * its new version in service-versions.yaml (`last-reviewed` today). */
async function moveServices(
  follow: Record<string, string>,
  spec: PackageSpec,
  top: string,
  outputs: OutputDiff[],
  date: string,
): Promise<FlakeFacts["services"]> {
  if (spec.service_versions === null) return [];
  const file = servicesFile(spec);
  let text = await readOptional(join(top, file));
  if (text === null) return [];
  const entries = listServices(text, file);
  const moved: FlakeFacts["services"] = [];
  for (const [service, pkg] of Object.entries(follow)) {
    const entry = entries.find((e) => e.name === service);
    const to = outputs.map((o) => movedVersion(o.changes ?? [], pkg)).find((v) => v !== null);
    if (!entry || !to) continue;
    text = updateServiceVersions(text, file, service, to, date);
    moved.push({ service, pkg, from: entry.currentVersion, to });
  }
  if (moved.length) await writeFileAtomic(join(top, file), text);
  return moved;
}
