// A version bump as a C1 pull request in the cron run (Dockerfile ARGs, Applications' tags): the newest ready release found, the kind's edit committed on its own branch, the checks on it read back.
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { InputError } from "../runtime/errors.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { listServices, updateServiceVersions } from "../mikado/service_versions.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import { compareReleases } from "../nix/versions.ts";
import {
  checksFailedNote,
  checksMarker,
  parseDockerTitle,
  versionOfTitle,
} from "../docker/pull_text.ts";
import { dockerBranch } from "../site/defaults.ts";
import { progress } from "../runtime/log.ts";
import type { Git } from "../runtime/git.ts";
import { withClone } from "../runtime/workspace.ts";
import { botPullsFrom, type RunShared, type UpgradeResult } from "./context.ts";
import { ownComments } from "../upstream/inert.ts";
import { bumpUpstream } from "../upstream/collect.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import { makeReport, type Report, type RunFacts, today } from "./report.ts";
import { discover, type Found, ownTags } from "./releases.ts";
import { checkoutBotBranch, pushBranch } from "./publish.ts";
import { closeIfDone } from "./close.ts";

/** The mirrors what changed upstream is read from, between the versions `from` and `to` as
 * their tag templates take them; `tags`: the own mirror's, for the releases crossed (null:
 * listed when read). */
export interface UpstreamSource {
  mirrors: { repo: string; tag: string }[];
  from: string;
  to: string;
  tags: string[] | null;
}

/** What one kind of version bump does: where its version is read, and its edit. */
export interface BumpKind {
  /** The version on the base branch (at most one request). */
  current(): Promise<string>;
  /** Reads the version the clone's files hold (`from`) and writes the bump to `to` in the clone
   * (the files, service-versions.yaml, the changelog fragment): the files and texts. Nothing is
   * committed when `from` is not below `to`. */
  edit(
    work: string,
    to: string,
    branch: string,
  ): Promise<{
    from: string;
    files: string[];
    subject: string;
    /** The body, given what changed upstream on the package's mirrors (lib/upstream). */
    body: (upstream: MirrorChanges[]) => string;
    /** Where what changed upstream is read when not the package's mirrors at `from` and `to`
     * (an image's source label leads to a forge mirror): that mirror, the two versions as its
     * tags write them, and its tags; null: nowhere (the body says what it knows). */
    upstream?: UpstreamSource | null;
  }>;
  /** What the report says builds the result. */
  builder: string;
  /** Where new versions come from when not the mirrors' tags (an image's registry): the target
   * above `current`, or why there is none; `openTo`: the version the open pull request names. */
  releases?(current: string, open: Pull | null, openTo: string | null): Promise<Found>;
}

/** `run` for a version-bump package: say once when the checks on its open pull request fail,
 * then find the newest release whose tags every mirror has (`forced`: --version, this one) and
 * open or move the pull request for it: the kind's edit in one commit on its own branch. */
export async function runBumpPull(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
  kind: BumpKind,
): Promise<Report> {
  const began = performance.now();
  const date = today();
  const { repo, base } = settings.forge;
  const name = spec.name;
  const branch = dockerBranch(name);
  const listedMine = (await botPullsFrom(forge, repo, shared, branch))[0] ?? null;
  const current = await kind.current();
  const title = (t: string) => {
    const parsed = parseDockerTitle(t);
    if (parsed?.package !== name) return null;
    return { chain: spec.chain, to: versionOfTitle(parsed.to, spec.kind === "image") ?? parsed.to };
  };
  // Someone upgraded by hand: the bot's pull request is done (not with --version: that forces).
  const closed = listedMine && !forced
    ? await closeIfDone(settings, spec, forge, listedMine, current, title)
    : null;
  const mine = closed ? null : listedMine;
  if (mine && !settings.dryRun) await sayFailedChecks(forge, repo, mine);
  // An image's releases are its registry's tags (kind.releases): its mirrors have none to list.
  const tags = kind.releases ? new Map() : await ownTags(forge, spec);
  const found = kind.releases
    ? await kind.releases(current, mine, mine ? title(mine.title)?.to ?? null : null)
    : await discover(forge, settings, spec, forced, current, mine, tags, title);
  const facts: RunFacts = {
    package: name,
    from: current,
    to: found.target?.version ?? current,
    date,
    baseVersion: current,
    closed,
    // The dashboard's row of a run that finds the pull request open already: its number and
    // version, and the newest release seen.
    open: mine ? { number: mine.number, url: mine.url, title: mine.title } : null,
    waiting: found.waiting,
    newest: found.newest,
    young: found.young,
    began,
  };
  const report = (facts: RunFacts, result: UpgradeResult | null): Report => ({
    ...makeReport(settings, facts, result),
    builder: kind.builder,
  });
  if (!found.target) return report({ ...facts, upToDate: found.message }, null);
  const to = found.target.version;
  return await withClone(settings, forge.gitRemote(repo), async (git, work) => {
    const { remoteTip, ours } = await checkoutBotBranch(git, base, branch);
    if (!ours) progress(`${branch} was changed since the bot last pushed it: adding on top`);
    const edited = await kind.edit(work, to, branch);
    const from = edited.from;
    if (compareReleases(from, to) >= 0) {
      return report({ ...facts, from, branch, upToDate: `${branch} already holds ${from}` }, null);
    }
    const { subject } = edited;
    const sha = await git.commit(edited.files, subject);
    const result = await bumpResult(git, base, sha, subject);
    // Read only for a bump committed: a run with nothing new asks none of it.
    const source = edited.upstream === undefined
      ? { mirrors: spec.mirrors, from, to, tags: [...tags.keys()] }
      : edited.upstream;
    result.upstream = source === null ? [] : await bumpUpstream(
      forge,
      settings,
      source.mirrors,
      source.from,
      source.to,
      source.tags,
    );
    const body = edited.body(result.upstream);
    if (settings.dryRun) {
      result.pull = {
        number: mine?.number ?? 0,
        url: "",
        title: subject,
        body,
        action: "would open or update",
      };
      return report({ ...facts, from, branch }, result);
    }
    await pushBranch(git, branch, remoteTip, ours);
    const pull = mine
      ? await forge.updatePull(repo, mine.number, { title: subject, body })
      : await forge.createPull(repo, { head: branch, base, title: subject, body });
    const action = mine ? "updated" : "opened";
    result.pull = { number: pull.number, url: pull.url, title: subject, body, action };
    progress(`${name}: pull request #${pull.number} ${action}: ${pull.url}`);
    return report({ ...facts, from, branch }, result);
  });
}

/** The result of a bump: one commit, nothing built by the bot (a flake update adds its builds). */
export async function bumpResult(
  git: Git,
  base: string,
  sha: string,
  subject: string,
): Promise<UpgradeResult> {
  return {
    hashes: [],
    builds: 0,
    rounds: [],
    verified: false,
    failure: null,
    buildSeconds: 0,
    commits: [{ sha, subject }],
    prerequisite: null,
    graph: "",
    mentions: [],
    pins: [],
    upstream: [],
    diff: await git.diff(`origin/${base}`),
    logFile: null,
    pull: null,
  };
}

/** A failure of the checks reported on the pull request's head is said once on it (the note
 * carries the head's sha; a fix pushed makes a new head, checked afresh). */
async function sayFailedChecks(forge: Forge, repo: string, pull: Pull): Promise<void> {
  const status = await forge.commitStatus(repo, pull.headSha);
  if (status.state !== "failure" && status.state !== "error") return;
  const marker = checksMarker(pull.headSha);
  // Asked already to tell the bot's pull request (botPullsFrom); the client keeps the answer.
  const me = await forge.whoami();
  const said = (await forge.comments(repo, pull.number)).some((c) =>
    c.user.toLowerCase() === me.toLowerCase() && ownComments(c.body).includes(marker)
  );
  if (said) return;
  await forge.comment(repo, pull.number, checksFailedNote(pull.headSha, status.checks));
  progress(`pull request #${pull.number}: the checks on its head fail, said so on it`);
}

/** The package's service-versions.yaml entry in the clone `work`: what it records, and, when
 * `value` (given what it records) names one, the entry moved to it (reviewed today) and what it
 * then records; null: left as it was. `kind` names the package's kind in the error. */
export async function moveServiceRecord(
  spec: PackageSpec,
  work: string,
  kind: string,
  value: (recorded: string | null) => string | null,
): Promise<{ file: string; service: string; recorded: string | null; written: string | null }> {
  if (!spec.service_versions) {
    throw new InputError(
      `${spec.name}: ${kind} package needs its service-versions.yaml entry ` +
        `(service_versions is off)`,
    );
  }
  const { file, name: service } = spec.service_versions;
  const text = await Deno.readTextFile(join(work, file));
  const recordOf = (t: string) =>
    listServices(t, file).find((e) => e.name === service)?.currentVersion ?? null;
  const recorded = recordOf(text);
  const next = value(recorded);
  if (next === null) return { file, service, recorded, written: null };
  const updated = updateServiceVersions(text, file, service, next, today());
  await writeFileAtomic(join(work, file), updated);
  return { file, service, recorded, written: recordOf(updated) ?? next };
}
