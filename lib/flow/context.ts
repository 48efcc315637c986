// The context an upgrade runs in: the run's settings, the package as resolved, the checkout, the forge.
import type { ImageRegistries } from "../images/registries.ts";
import type { VersionSources } from "../sources/client.ts";
import { join } from "node:path";
import type { Settings } from "../runtime/config.ts";
import type { ResolvedPackage } from "../nix/layout.ts";
import type { Git } from "../runtime/git.ts";
import { type Forge, isBotPull, type Pull } from "../platform/forge.ts";
import type { Builder } from "../harvest/builders/builder.ts";
import type { HarvestResult } from "../harvest/rounds.ts";
import type { Mention } from "../mikado/review.ts";
import type { TagRecord } from "../mikado/tag_record.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import type { PinOutcome } from "../docker/commit_pins.ts";

/** Where the upgraded branch goes: the forge's pull request, opened or moved. */
export interface PublishTarget {
  /** The bot's open pull request for the branch; null: open one. */
  open: Pull | null;
  /** The branch's tip on the forge when the work began (the push's lease); null: none yet. */
  remoteTip: string | null;
  /** The branch pushed holds only the bot's work (built from the base, or on a tip the bot may
   * rewrite): a later run may rebuild it from the base. */
  rewritable: boolean;
}

/** Where the target stands on the package's upgrade path, and the tags it is harvested from (for
 * the pull request's text; empty for `upgrade`, which asks no forge). */
export interface PathFacts {
  /** The newest release of each later series: the steps still ahead on the upgrade path. */
  ahead: string[];
  /** Series a forced --version skips on a stepwise path, each as its newest release. */
  skipped: string[];
  /** Each mirror's tag of the target and the commit it names. */
  tags: TagRecord[];
}

/** One package's upgrade as its caller (the cron run, `upgrade`, `/rebuild`) sets it up: the
 * branch is checked out in `top`, and the package read from it. */
export interface Context {
  settings: Settings;
  package: ResolvedPackage;
  git: Git;
  /** The checkout's top level. */
  top: string;
  /** The package directory in the checkout. */
  dir: string;
  /** null: `upgrade`, which publishes nothing. */
  forge: Forge | null;
  from: string;
  to: string;
  /** Each mirror's tag of `from` and the commit it names, as far as the run listed them (the own
   * mirror's): the Dockerfile's commit pins are moved from these (empty: `upgrade`, `/rebuild`). */
  fromTags: TagRecord[];
  /** Today, YYYY-MM-DD: the date the cards and the history entry carry. */
  date: string;
  path: PathFacts;
  /** What changed upstream, read while the build runs (the cron run, `/rebuild`). */
  upstream?: Promise<MirrorChanges[]>;
  /** false for `/rebuild`: the branch holds the plan and the bump already; harvest and verify
   * again, and close what a passing build settles. */
  bump: boolean;
  /** The ref the report's diff is taken against; null: no diff. */
  diffBase: string | null;
  publish: PublishTarget | null;
  /** The builder made and its system asked before the package was read (`upgrade`). */
  started?: StartedBuilder;
  /** The package directory's tracked files, asked with the checkout's state (`upgrade`). */
  tracked?: Promise<string[]>;
}

/** What the pipeline did: the harvest, the commits, the cards, and the pull request. */
export interface UpgradeResult extends HarvestResult {
  commits: { sha: string | null; subject: string }[];
  /** The prerequisite card a failure added (its stem), for a human to work on. */
  prerequisite: string | null;
  /** mikadoGraph(...) of the chain's cards. */
  graph: string;
  /** Lines of the cards that still name the old version. */
  mentions: Mention[];
  /** The Dockerfile's commit pins: moved with the version, or left for a person to check. */
  pins: PinOutcome[];
  /** What changed upstream, per mirror (only when an upgrade is made on the forge). */
  upstream: MirrorChanges[];
  diff: string;
  logFile: string | null;
  pull: { number: number; url: string; title: string; body: string; action: string } | null;
}

/** The builder (null: --no-build) and the question of its system, already asked. */
export interface StartedBuilder {
  builder: Builder | null;
  system: Promise<string>;
}

/** The builder's part of the context, once prepared (flow/prepare.ts). */
export interface Prepared {
  /** null: --no-build. */
  builder: Builder | null;
  system: string;
  /** The build log file. */
  log: string | null;
  /** The package's tracked files (what a remote builder gets). */
  files: string[];
  /** The evaluation at the current version: it rejects (InputError) when the build does not
   * evaluate. Awaited before any package file changes. */
  evaluated: Promise<void>;
}

/** What a caller knows of one upgrade besides the run, the checkout and the package: the
 * versions, and the facts it asked the forge (left out: none, as `upgrade` asks no forge). */
export interface UpgradeFacts {
  from: string;
  to: string;
  date: string;
  /** Default: none (no tag's commit to move a Dockerfile's commit pin by: it is left, and said). */
  fromTags?: TagRecord[];
  /** Default: no upgrade path or tag record to show. */
  path?: PathFacts;
  upstream?: Promise<MirrorChanges[]>;
  /** Default: true (false for `/rebuild`). */
  bump?: boolean;
  /** Default: null, no diff. */
  diffBase?: string | null;
  /** Default: null, nothing published. */
  publish?: PublishTarget | null;
  started?: StartedBuilder;
  tracked?: Promise<string[]>;
}

/** The one way a Context is made (the cron run, `upgrade`, `/rebuild`): the run's settings and
 * forge, the checkout the package was read from, and the caller's facts. */
export function makeContext(
  run: { settings: Settings; forge: Forge | null },
  checkout: { git: Git; top: string },
  pkg: ResolvedPackage,
  facts: UpgradeFacts,
): Context {
  return {
    settings: run.settings,
    package: pkg,
    git: checkout.git,
    top: checkout.top,
    dir: join(checkout.top, pkg.dir),
    forge: run.forge,
    from: facts.from,
    to: facts.to,
    fromTags: facts.fromTags ?? [],
    date: facts.date,
    path: facts.path ?? { ahead: [], skipped: [], tags: [] },
    upstream: facts.upstream,
    bump: facts.bump ?? true,
    diffBase: facts.diffBase ?? null,
    publish: facts.publish ?? null,
    started: facts.started,
    tracked: facts.tracked,
  };
}

/** A file of the base branch by its path in the repository, read once a run. */
export type BaseFiles = (path: string) => Promise<string>;

/** The base branch's files a run reads (service-versions.yaml: each package's version and the
 * dashboard's table; each package's manifest), each asked once and shared: a failure too, which
 * every reader hears (the client has retried it already). */
export function baseFiles(forge: Forge, settings: Pick<Settings, "forge">): BaseFiles {
  const { repo, base } = settings.forge;
  const texts = new Map<string, Promise<string>>();
  return (path) => {
    let text = texts.get(path);
    if (!text) texts.set(path, text = forge.readFile(repo, path, base));
    return text;
  };
}

/** What the packages of one run share, each asked once: the open pull requests, the base
 * branch's files. */
export interface RunShared {
  open: () => Promise<Pull[]>;
  files: BaseFiles;
  /** The run's image registries (lib/flow/image.ts); absent: a package makes its own. */
  registries?: ImageRegistries;
  /** The run's ARG sources (lib/flow/dockerfile.ts); absent: they are off (`sources: null`). */
  sources?: VersionSources;
}

/** The bot's open pull requests from `branch`, out of the run's list. Only those the bot opened
 * from its own branch count (GET /user when any pull request comes from a branch so named: a
 * fork's or another user's is not the bot's). */
export async function botPullsFrom(
  forge: Forge,
  repo: string,
  shared: RunShared,
  branch: string,
): Promise<Pull[]> {
  const listed = await shared.open();
  const me = listed.some((p) => p.head === branch) ? await forge.whoami() : "";
  return listed.filter((p) => isBotPull(p, repo, branch, me));
}

/** The bot's branch for a package's chain. */
export function branchOf(pkg: { chain: string }): string {
  return `mikado/${pkg.chain}`;
}
