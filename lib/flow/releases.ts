// Release discovery: the newest version whose tags exist on every mirror, or why there is none.
import type { Forge, Pull } from "../platform/forge.ts";
import { alreadyAt, newerVersions, parseVersion, tagFor } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import { parsePullTitle } from "../mikado/pulltext.ts";
import { progress } from "../runtime/log.ts";
import type { RunOptions } from "./run.ts";

/** The pull request a run targets: which version, and what to do with an existing one. */
export interface Target {
  version: string;
  open: Pull | null;
}

/** The tags of the package's own mirror that can name a version (the template's text before
 * `{version}` is their prefix). */
export function ownTags(forge: Forge, config: RunOptions["config"]): Promise<string[]> {
  const own = config.mirrors[0];
  return forge.tags(own.repo, own.tag.split("{version}")[0]);
}

/** The newest ready release above `current`, or why there is none. */
export async function discover(
  forge: Forge,
  o: RunOptions,
  current: string,
  open: Pull | null,
  /** The package's own mirror's tags, when asked already. */
  tagsAsked?: Promise<string[]>,
  /** What a pull request's title says: its chain and target (the bot's C2 titles by default). */
  titleOf: (title: string) => { chain: string; to: string } | null = parsePullTitle,
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
  const tags = await (tagsAsked ?? ownTags(forge, config));
  const waiting: string[] = [];
  let closed: Pull[] | null = null;
  for (const version of newerVersions(tags, own.tag, current, config.prereleases)) {
    if (open && titleOf(open.title)?.to === version) {
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
    // Only the bot's own: a closed pull request someone else titled so rejects nothing.
    const me = await forge.whoami();
    closed ??= (await forge.pulls(repo, "closed")).filter((p) =>
      !p.merged && titleOf(p.title)?.chain === config.chain &&
      p.user.toLowerCase() === me.toLowerCase()
    );
    const rejected = closed.find((p) => titleOf(p.title)?.to === version);
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
