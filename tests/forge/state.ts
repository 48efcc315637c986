// Forgejo stand-in state that is not in git (pulls, issues, comments, reactions, mirror syncs), kept in
// root/.forge-state.json so a restarted stand-in over the same root still knows its pulls.

export interface PullRecord {
  id: number;
  repo: string; // "owner/name" as on disk
  number: number;
  title: string;
  body: string;
  poster: string;
  head: string;
  base: string;
  closed: boolean;
  /** The head branch's repository ("owner/name") when it is a fork, not the base repository. */
  headRepo?: string;
  merged?: { at: string; by: string; commit: string; base: string };
  /** A merge asked for with `merge_when_checks_succeed` while the head's checks had not passed:
   * done when a status makes them pass (api_statuses.ts). */
  autoMerge?: { by: string; form: Record<string, unknown> };
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
}

/** An issue that is not a pull request; it shares its repository's number sequence with pulls. */
export interface IssueRecord {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string;
  poster: string;
  closed: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt?: string;
}

export interface CommentRecord {
  id: number;
  repo: string;
  issue: number;
  poster: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReactionRecord {
  comment: number;
  user: string;
  content: string;
  createdAt: string;
}

/** A Forgejo Actions workflow run (what the stand-in's tests say ran, and how it ended). */
export interface ActionRunRecord {
  id: number;
  repo: string;
  runNumber: number;
  /** The workflow file, e.g. build-container-nix.yaml. */
  workflowId: string;
  title: string;
  event: string;
  headBranch: string;
  headSha: string;
  /** unknown, waiting, running, success, failure, cancelled, skipped, blocked. */
  status: string;
  actor: string;
  createdAt: string;
}

/** A release its author published for a tag (a mirror's sync records none with notes). */
export interface ReleaseRecord {
  id: number;
  repo: string;
  tag: string;
  name: string;
  body: string;
  prerelease: boolean;
  author: string;
  createdAt: string;
}

/** A commit status a CI reported (CreateStatus). */
export interface StatusRecord {
  id: number;
  repo: string;
  sha: string;
  /** pending, success, error, failure, warning. */
  state: string;
  context: string;
  description: string;
  targetUrl: string;
  creator: string;
  createdAt: string;
}

export interface State {
  lastPullId: number;
  lastCommentId: number;
  /** Last issue number per repo: pulls and issues share one sequence in Forgejo. */
  lastIndex: Record<string, number>;
  pulls: PullRecord[];
  comments: CommentRecord[];
  reactions: ReactionRecord[];
  mirrorSyncs: { repo: string; at: string; ok: boolean }[];
  actionRuns?: ActionRunRecord[];
  releases?: ReleaseRecord[];
  /** Absent in states saved before the stand-in had issues. */
  issues?: IssueRecord[];
  lastIssueId?: number;
  statuses?: StatusRecord[];
}

function stateFile(root: string): string {
  return `${root}/.forge-state.json`;
}

export async function loadState(root: string): Promise<State> {
  try {
    return JSON.parse(await Deno.readTextFile(stateFile(root)));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return {
      lastPullId: 0,
      lastCommentId: 0,
      lastIndex: {},
      pulls: [],
      comments: [],
      reactions: [],
      mirrorSyncs: [],
    };
  }
}

/** Write-then-rename, so a stand-in killed mid-write leaves the previous state readable. */
export async function saveState(root: string, state: State): Promise<void> {
  const tmp = `${stateFile(root)}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(state, null, 2));
  await Deno.rename(tmp, stateFile(root));
}

/** Forgejo stores unix seconds, so API times carry no fraction; `since` compares at that grain. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

export function now(): string {
  return isoSeconds(new Date());
}
