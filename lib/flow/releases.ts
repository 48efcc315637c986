// Release discovery: the next ready version on the package's upgrade path, or why there is none.
import type { Forge, Pull } from "../platform/forge.ts";
import {
  alreadyAt,
  compareVersions,
  newerVersions,
  orderableVersion,
  parseVersion,
  pathCandidates,
  releaseSeries,
  seriesSkipped,
  stepsAhead,
  tagFor,
} from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import { parsePullTitle, skipNoted } from "../mikado/pull_text.ts";
import { progress } from "../runtime/log.ts";
import { formatDuration, parseDuration } from "../runtime/duration.ts";
import { upgradePath } from "../site/defaults.ts";
import type { TagRecord } from "../mikado/tag_record.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { PathFacts } from "./context.ts";
import { firstSeen } from "./first_seen.ts";

/** The pull request a run targets: which version, and what to do with an existing one. */
export interface Target {
  version: string;
  open: Pull | null;
  /** Each mirror's tag of the version and the commit it names now. */
  tags: TagRecord[];
}

/** What discovery found: the target, or why there is none, and what the path holds after it. */
export interface Found {
  target: Target | null;
  /** Releases seen whose other mirrors lack their tag yet, or that are younger than
   * min_release_age. */
  waiting: string[];
  /** Those younger than min_release_age, with their age. */
  young: { version: string; age: string }[];
  /** The newest release of each later series: the steps still ahead after the target. */
  ahead: string[];
  /** Series a forced --version leaves out on a stepwise path (each as its newest release). */
  skipped: string[];
  /** The newest release above the current version on the own mirror, ready or not (null: none,
   * or not looked for). */
  newest: string | null;
  message: string;
}

/** No target, for `message`'s reason. */
export function nothingFound(message: string): Found {
  return { target: null, waiting: [], young: [], ahead: [], skipped: [], newest: null, message };
}

/** The tags of the package's own mirror that can name a version (the template's text before
 * `{version}` is their prefix), each with its commit. */
export function ownTags(forge: Forge, spec: PackageSpec): Promise<Map<string, string>> {
  const own = spec.mirrors[0];
  return forge.tagCommits(own.repo, own.tag.split("{version}")[0]);
}

/** The own mirror's tag of `version` and its commit, from the run's listing (`tags`); none when
 * the listing lacks it. */
export function ownTagRecord(
  spec: PackageSpec,
  tags: Map<string, string>,
  version: string,
): TagRecord[] {
  const own = spec.mirrors[0];
  const tag = tagFor(own.tag, version);
  const commit = tags.get(tag);
  return commit === undefined ? [] : [{ repo: own.repo, tag, commit }];
}

/** The next ready release above `current` on the package's upgrade path, or why there is none.
 * `tags`: the package's own mirror's tags and their commits. */
export async function discover(
  forge: Forge,
  settings: Settings,
  spec: PackageSpec,
  /** --version: this version, forced (its tags must exist on every mirror). */
  version: string | undefined,
  current: string,
  open: Pull | null,
  tags: Map<string, string>,
  /** What a pull request's title says: its chain and target (the bot's C2 titles by default). */
  titleOf: (title: string) => { chain: string; to: string } | null = parsePullTitle,
): Promise<Found> {
  const [own, ...others] = spec.mirrors;
  const { repo } = settings.forge;
  const pkg = spec.name;
  const path = upgradePath(spec);
  const newer = newerVersions([...tags.keys()], own.tag, current, settings.prereleases);
  if (version) return await forced(forge, settings, spec, version, current, open, newer);
  const found = nothingFound("");
  found.newest = newer[0] ?? null;
  const candidates = pathCandidates(newer, current, path);
  const openTo = open ? orderableVersion(titleOf(open.title)?.to ?? "") : null;
  if (open && openTo === null) {
    // A title people can edit: one naming no version the bot can order (`... -> 2026.5`) is
    // read as naming none, said here, never compared.
    progress(
      `${pkg}: the title of pull request #${open.number} (${
        JSON.stringify(open.title.slice(0, 120))
      }) names no version the bot can order: read as naming none`,
    );
  }
  // A pull request a person forced past the next series (its body says so) is theirs to merge
  // or close: the path does not pull it back.
  if (
    openTo && path === "stepwise" && candidates.length &&
    compareVersions(openTo, candidates[0]) > 0 && skipNoted(open!.body)
  ) {
    return {
      ...found,
      ahead: stepsAhead(newer, openTo),
      message: `${pkg} ${openTo}: its pull request (forced past the ${
        releaseSeries(candidates[0])
      } series) is open already: nothing to do`,
    };
  }
  const minAge = spec.min_release_age === null ? 0 : parseDuration(spec.min_release_age)!;
  let closed: Pull[] | null = null;
  const rejected: string[] = [];
  for (const version of candidates) {
    found.ahead = stepsAhead(newer, version);
    if (openTo === version) {
      return {
        ...found,
        message: `${pkg} ${version}: its pull request is open already: nothing to do`,
      };
    }
    const ownTag = tagFor(own.tag, version);
    const record: TagRecord[] = [{ repo: own.repo, tag: ownTag, commit: tags.get(ownTag)! }];
    const missing: string[] = [];
    for (const m of others) {
      const tag = tagFor(m.tag, version);
      const at = await forge.tag(m.repo, tag);
      if (at) record.push({ repo: m.repo, tag, commit: at.sha });
      else missing.push(tag);
    }
    if (missing.length) {
      progress(`${pkg} ${version}: waiting for ${missing.join(", ")}`);
      found.waiting.push(version);
      continue;
    }
    if (minAge > 0) {
      // The age counts from when the bot first saw the own mirror's tag at its commit (asked
      // only when it matters), never from a date upstream writes (a commit's, a tag's).
      const age = (Date.now() - await firstSeen(settings, forge, spec, record[0])) / 1000;
      if (age < minAge) {
        progress(
          `${pkg} ${version}: waiting, first seen ${formatDuration(age)} ago ` +
            `(min_release_age ${spec.min_release_age})`,
        );
        found.waiting.push(version);
        found.young.push({ version, age: formatDuration(age) });
        continue;
      }
    }
    // By title, not head: Forgejo reports a deleted branch's head as refs/pull/N/head.
    // Only the bot's own: a closed pull request someone else titled so rejects nothing.
    const me = await forge.whoami();
    closed ??= (await forge.pulls(repo, "closed")).filter((p) =>
      !p.merged && titleOf(p.title)?.chain === spec.chain &&
      p.user.toLowerCase() === me.toLowerCase()
    );
    const closedPull = closed.find((p) => titleOf(p.title)?.to === version);
    if (closedPull) {
      progress(
        `${pkg} ${version}: skipped, pull request #${closedPull.number} was closed without merge (--version ${version} retries it)`,
      );
      rejected.push(version);
      continue;
    }
    return { ...found, target: { version, open, tags: record } };
  }
  found.ahead = stepsAhead(newer, current);
  const why = found.waiting.length
    ? [`waiting for ${found.waiting.join(", ")}: ${waitReason(found)}`]
    : [];
  if (rejected.length) {
    why.push(`${rejected.join(", ")} closed without merge: --version retries`);
  }
  const later = candidates.length ? found.ahead.filter((v) => !candidates.includes(v)) : [];
  if (path === "stepwise" && later.length) {
    // Nothing of the next series is ready: the later ones wait for it, never skipped to.
    why.push(`${later.join(", ")} after the ${releaseSeries(candidates[0])} series, in order`);
  }
  return {
    ...found,
    message: `${pkg} ${current} is the newest ready release: nothing to do${
      why.length ? ` (${why.join("; ")})` : ""
    }`,
  };
}

/** `--version X`: any version whose tags exist on every mirror, and what it skips on a stepwise
 * path (said, never refused). */
async function forced(
  forge: Forge,
  settings: Settings,
  spec: PackageSpec,
  asked: string,
  current: string,
  open: Pull | null,
  newer: string[],
): Promise<Found> {
  const pkg = spec.name;
  const found = nothingFound("");
  found.newest = newer[0] ?? null;
  const version = parseVersion(asked, "--version");
  const record: TagRecord[] = [];
  for (const m of spec.mirrors) {
    const tag = tagFor(m.tag, version);
    const at = await forge.tag(m.repo, tag);
    if (!at) throw new InputError(`--version ${version}: mirror ${m.repo} has no tag ${tag}`);
    record.push({ repo: m.repo, tag, commit: at.sha });
  }
  const base = settings.forge.base;
  if (alreadyAt(version, current, `${base}'s`)) {
    return nothingFound(`${pkg} is already at ${version} on ${base}: nothing to do`);
  }
  found.ahead = stepsAhead(newer, version);
  if (upgradePath(spec) === "stepwise") found.skipped = seriesSkipped(newer, current, version);
  if (found.skipped.length) {
    progress(
      `${pkg} ${current} -> ${version} (forced): skips release series ` +
        `${found.skipped.map((v) => `${releaseSeries(v)} (${v})`).join(", ")}, which ` +
        `upgrade_path: stepwise would take first`,
    );
  }
  return { ...found, target: { version, open, tags: record } };
}

function waitReason(found: Found): string {
  const young = found.young.map((y) => `${y.version} is ${y.age} old`);
  const tags = found.waiting.length > found.young.length ? ["the other mirrors' tags"] : [];
  return [...tags, ...young.length ? [`${young.join(", ")} (min_release_age)`] : []].join(", ");
}

/** Where `from` -> `to` stands on the package's path, and what each mirror's tag of `to` names
 * now: for a pull request's text written again (/rebuild). */
export async function pathFacts(
  forge: Forge,
  settings: Settings,
  spec: PackageSpec,
  from: string,
  to: string,
): Promise<PathFacts> {
  const [own, ...others] = spec.mirrors;
  const commits = await ownTags(forge, spec);
  const newer = newerVersions([...commits.keys()], own.tag, from, settings.prereleases);
  const tags = ownTagRecord(spec, commits, to);
  for (const m of others) {
    const at = await forge.tag(m.repo, tagFor(m.tag, to));
    if (at) tags.push({ repo: m.repo, tag: tagFor(m.tag, to), commit: at.sha });
  }
  return {
    ahead: stepsAhead(newer, to),
    skipped: upgradePath(spec) === "stepwise" ? seriesSkipped(newer, from, to) : [],
    tags,
  };
}
