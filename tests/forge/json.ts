// API JSON of the Forgejo stand-in, shaped after Forgejo's services/convert (and so the
// swagger definitions): User, Repository, Tag, Branch, ContentsResponse, Commit, PullRequest,
// Issue, Comment, Reaction.

import {
  access,
  atLeast,
  type Core,
  findRepo,
  type ForgeUser,
  type RepoRef,
  stableId,
} from "./core.ts";
import * as git from "./git.ts";
import {
  type ActionRunRecord,
  type CommentRecord,
  isoSeconds,
  type IssueRecord,
  type PullRecord,
  type ReactionRecord,
  type ReleaseRecord,
} from "./state.ts";

/** Go's zero time.Time, which Forgejo prints for never-set times such as last_login. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

export function userJson(core: Core, login: string) {
  return {
    id: stableId(`user:${login}`),
    login,
    login_name: "",
    source_id: 0,
    full_name: "",
    email: `${login.toLowerCase()}@noreply.localhost`,
    avatar_url: `${core.url}/avatars/${stableId(login)}`,
    html_url: `${core.url}/${login}`,
    language: "",
    is_admin: false, // "admin" users are repository admins, not site admins
    last_login: ZERO_TIME,
    created: "2024-01-01T00:00:00Z",
    restricted: false,
    active: true,
    prohibit_login: false,
    location: "",
    pronouns: "",
    website: "",
    description: "",
    visibility: "public",
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
  };
}

export async function repoJson(core: Core, repo: RepoRef, viewer: ForgeUser | null) {
  const level = access(viewer, repo);
  const [branch, mirror, stat] = await Promise.all([
    git.defaultBranch(repo.gitDir),
    git.isMirror(repo.gitDir),
    Deno.stat(repo.gitDir),
  ]);
  const empty = (await git.branches(repo.gitDir)).length === 0;
  const created = isoSeconds(stat.birthtime ?? stat.mtime ?? new Date(0));
  const lastSync = core.state.mirrorSyncs.findLast((s) => s.repo === repo.full)?.at;
  const html = `${core.url}/${repo.full}`;
  return {
    id: stableId(`repo:${repo.full}`),
    owner: userJson(core, repo.owner),
    name: repo.name,
    full_name: repo.full,
    description: "",
    empty,
    private: true,
    fork: false,
    template: false,
    parent: null,
    mirror,
    size: 0,
    language: "",
    languages_url: `${core.url}/api/v1/repos/${repo.full}/languages`,
    html_url: html,
    url: `${core.url}/api/v1/repos/${repo.full}`,
    link: "",
    ssh_url: `ssh://git@127.0.0.1/${repo.full}.git`,
    clone_url: `${html}.git`,
    original_url: mirror ? await git.originUrl(repo.gitDir) : "",
    website: "",
    stars_count: 0,
    forks_count: 0,
    watchers_count: 0,
    open_issues_count: 0,
    open_pr_counter: core.state.pulls.filter((p) => p.repo === repo.full && !p.closed).length,
    release_counter: 0,
    default_branch: branch,
    archived: false,
    created_at: created,
    updated_at: created,
    archived_at: "1970-01-01T00:00:00Z",
    permissions: {
      admin: atLeast(level, "admin"),
      push: atLeast(level, "write"),
      pull: atLeast(level, "read"),
    },
    has_issues: true,
    internal_tracker: {
      enable_time_tracker: false,
      allow_only_contributors_to_track_time: true,
      enable_issue_dependencies: true,
    },
    has_wiki: false,
    has_pull_requests: true,
    has_projects: false,
    has_releases: true,
    has_packages: false,
    has_actions: true,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    // The stand-in merges with merge commits, squash or fast-forward only.
    allow_rebase: false,
    allow_rebase_explicit: false,
    allow_squash_merge: true,
    allow_fast_forward_only_merge: true,
    allow_rebase_update: true,
    default_delete_branch_after_merge: false,
    default_merge_style: "merge",
    default_allow_maintainer_edit: false,
    avatar_url: "",
    internal: false,
    mirror_interval: mirror ? "8h0m0s" : "",
    mirror_updated: lastSync ?? created,
    repo_transfer: null,
    topics: [],
    object_format_name: "sha1",
  };
}

export function tagJson(core: Core, repo: RepoRef, tag: git.TagInfo) {
  const html = `${core.url}/${repo.full}`;
  return {
    name: tag.name,
    message: tag.message,
    id: tag.id,
    commit: {
      url: `${core.url}/api/v1/repos/${repo.full}/git/commits/${tag.sha}`,
      sha: tag.sha,
      created: tag.date,
    },
    zipball_url: `${html}/archive/${tag.name}.zip`,
    tarball_url: `${html}/archive/${tag.name}.tar.gz`,
    archive_download_count: { zip: 0, tar_gz: 0 },
  };
}

function payloadCommit(core: Core, repo: RepoRef, c: git.CommitInfo) {
  const person = (p: { name: string; email: string }) => ({
    name: p.name,
    email: p.email,
    username: "",
  });
  return {
    id: c.sha,
    message: c.message,
    url: `${core.url}/${repo.full}/commit/${c.sha}`,
    author: person(c.author),
    committer: person(c.committer),
    verification: {
      verified: false,
      reason: "gpg.error.not_signed_commit",
      signature: "",
      signer: null,
      payload: "",
    },
    timestamp: c.committer.date,
    added: null,
    removed: null,
    modified: null,
  };
}

export function branchJson(
  core: Core,
  repo: RepoRef,
  name: string,
  c: git.CommitInfo,
  viewer: ForgeUser | null,
) {
  const level = access(viewer, repo);
  return {
    name,
    commit: payloadCommit(core, repo, c),
    protected: false,
    required_approvals: 0,
    enable_status_check: false,
    status_check_contexts: [],
    user_can_push: atLeast(level, "write"),
    user_can_merge: atLeast(level, "write"),
    effective_branch_protection_name: "",
  };
}

export function commitJson(core: Core, repo: RepoRef, c: git.CommitInfo) {
  const api = `${core.url}/api/v1/repos/${repo.full}/git`;
  return {
    url: `${api}/commits/${c.sha}`,
    sha: c.sha,
    created: c.committer.date,
    html_url: `${core.url}/${repo.full}/commit/${c.sha}`,
    commit: {
      url: `${api}/commits/${c.sha}`,
      author: { ...c.author },
      committer: { ...c.committer },
      message: c.message,
      tree: { url: `${api}/trees/${c.tree}`, sha: c.tree, created: c.committer.date },
    },
    author: null,
    committer: null,
    parents: c.parents.map((sha) => ({ url: `${api}/commits/${sha}`, sha })),
  };
}

/** A file (with its content) or a directory entry (content null), as Forgejo's GetContents. */
export function contentsJson(
  core: Core,
  repo: RepoRef,
  ref: string,
  entry: git.Entry,
  last: git.CommitInfo,
  content: Uint8Array | null,
) {
  const api = `${core.url}/api/v1/repos/${repo.full}`;
  const self = `${api}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = `${api}/git/${entry.kind}s/${entry.sha}`;
  const html = `${core.url}/${repo.full}/src/${ref}/${entry.path}`;
  const type = { blob: "file", tree: "dir", commit: "submodule" }[entry.kind];
  return {
    name: entry.path.split("/").pop(),
    path: entry.path,
    sha: entry.sha,
    last_commit_sha: last.sha,
    last_commit_when: last.committer.date,
    type,
    size: entry.size,
    encoding: content ? "base64" : null,
    content: content ? encodeBase64(content) : null,
    target: null,
    url: self,
    html_url: html,
    git_url: gitUrl,
    download_url: type === "file" ? `${core.url}/${repo.full}/raw/${ref}/${entry.path}` : null,
    submodule_git_url: null,
    _links: { self, git: gitUrl, html },
  };
}

function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** Forgejo's IsWorkInProgress: the default WORK_IN_PROGRESS_PREFIXES, compared case-blind. */
export function isDraft(title: string): boolean {
  const upper = title.toUpperCase();
  return ["WIP:", "[WIP]"].some((prefix) => upper.startsWith(prefix));
}

/** Head/base shas, diff figures and mergeability are read from the repo on every call. */
export async function pullJson(
  core: Core,
  repo: RepoRef,
  pr: PullRecord,
  viewer: ForgeUser | null,
) {
  const repoInfo = await repoJson(core, repo, viewer);
  // A fork's pull request: the head branch lives in the fork, its tip is copied to refs/pull/N/head.
  const [forkOwner, forkName] = pr.headRepo?.split("/") ?? [];
  const headRepo = pr.headRepo ? await findRepo(core.root, forkOwner, forkName) ?? repo : repo;
  const headInfo = headRepo === repo ? repoInfo : await repoJson(core, headRepo, viewer);
  // Forgejo reports the head branch tip while the branch exists, then refs/pull/N/head.
  const liveHead = await git.branchSha(headRepo.gitDir, pr.head);
  const headSha = liveHead ?? await git.resolve(repo.gitDir, git.pullRef(pr.number)) ?? "";
  const baseSha = await git.branchSha(repo.gitDir, pr.base);
  const mergeBase = pr.merged?.base ??
    (baseSha && headSha ? await git.mergeBase(repo.gitDir, baseSha, headSha) : null) ?? "";
  const stat = mergeBase && headSha
    ? await git.diffStat(repo.gitDir, mergeBase, headSha)
    : { files: 0, additions: 0, deletions: 0 };
  const mergeable = !pr.merged && !!baseSha && !!headSha &&
    !!(await git.mergeTree(repo.gitDir, baseSha, headSha));
  const html = `${core.url}/${repo.full}/pulls/${pr.number}`;
  const comments = core.state.comments.filter((c) => c.repo === repo.full && c.issue === pr.number);
  return {
    id: pr.id,
    url: html,
    number: pr.number,
    user: userJson(core, pr.poster),
    title: pr.title,
    body: pr.body,
    labels: [],
    milestone: null,
    assignee: null,
    assignees: null,
    requested_reviewers: [],
    requested_reviewers_teams: [],
    state: pr.closed ? "closed" : "open",
    draft: isDraft(pr.title),
    is_locked: false,
    comments: comments.length,
    review_comments: 0,
    additions: stat.additions,
    deletions: stat.deletions,
    changed_files: stat.files,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    mergeable,
    merged: !!pr.merged,
    merged_at: pr.merged?.at ?? null,
    merge_commit_sha: pr.merged?.commit ?? null,
    merged_by: pr.merged ? userJson(core, pr.merged.by) : null,
    allow_maintainer_edit: false,
    base: {
      label: pr.base,
      ref: pr.base,
      sha: baseSha ?? "",
      repo_id: repoInfo.id,
      repo: repoInfo,
    },
    head: {
      label: headRepo === repo ? pr.head : `${headRepo.owner}:${pr.head}`,
      ref: liveHead ? pr.head : git.pullRef(pr.number),
      sha: headSha,
      repo_id: headInfo.id,
      repo: headInfo,
    },
    merge_base: mergeBase,
    due_date: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt ?? null,
    pin_order: 0,
    flow: 0,
  };
}

export function actionRunJson(core: Core, repo: RepoRef, r: ActionRunRecord) {
  return {
    id: r.id,
    name: r.title,
    run_number: r.runNumber,
    event: r.event,
    status: r.status,
    head_branch: r.headBranch,
    head_sha: r.headSha,
    workflow_id: r.workflowId,
    triggering_actor: userJson(core, r.actor),
    url: `${core.url}/${repo.full}/actions/runs/${r.runNumber}`,
  };
}

/** An issue as Forgejo's ToAPIIssue gives it; a pull request listed among issues carries its
 * `pull_request` meta. */
export function issueJson(core: Core, repo: RepoRef, issue: IssueRecord | PullRecord) {
  const isPull = "head" in issue;
  const html = `${core.url}/${repo.full}/${isPull ? "pulls" : "issues"}/${issue.number}`;
  return {
    id: issue.id,
    url: `${core.url}/api/v1/repos/${repo.full}/issues/${issue.number}`,
    html_url: html,
    number: issue.number,
    user: userJson(core, issue.poster),
    original_author: "",
    original_author_id: 0,
    title: issue.title,
    body: issue.body,
    ref: "",
    assets: [],
    labels: [],
    milestone: null,
    assignee: null,
    assignees: null,
    state: issue.closed ? "closed" : "open",
    is_locked: false,
    comments: core.state.comments.filter((c) => c.repo === repo.full && c.issue === issue.number)
      .length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt ?? null,
    due_date: null,
    pull_request: isPull
      ? {
        merged: !!issue.merged,
        merged_at: issue.merged?.at ?? null,
        draft: isDraft(issue.title),
        html_url: html,
      }
      : null,
    repository: {
      id: stableId(`repo:${repo.full}`),
      name: repo.name,
      owner: repo.owner,
      full_name: repo.full,
    },
    pin_order: 0,
  };
}

export function commentJson(core: Core, repo: RepoRef, c: CommentRecord) {
  // Forgejo fills issue_url for an issue's comments and pull_request_url for a pull's.
  const isIssue = (core.state.issues ?? []).some((i) =>
    i.repo === repo.full && i.number === c.issue
  );
  const html = `${core.url}/${repo.full}/${isIssue ? "issues" : "pulls"}/${c.issue}`;
  return {
    id: c.id,
    html_url: `${html}#issuecomment-${c.id}`,
    pull_request_url: isIssue ? "" : html,
    issue_url: isIssue ? html : "",
    user: userJson(core, c.poster),
    original_author: "",
    original_author_id: 0,
    body: c.body,
    assets: [],
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function reactionJson(core: Core, r: ReactionRecord) {
  return { user: userJson(core, r.user), content: r.content, created_at: r.createdAt };
}

export function releaseJson(core: Core, repo: RepoRef, r: ReleaseRecord, tag: git.TagInfo) {
  const html = `${core.url}/${repo.full}`;
  const tagPath = r.tag.split("/").map(encodeURIComponent).join("/");
  return {
    id: r.id,
    tag_name: r.tag,
    target_commitish: tag.sha,
    name: r.name,
    body: r.body,
    url: `${core.url}/api/v1/repos/${repo.full}/releases/${r.id}`,
    html_url: `${html}/releases/tag/${tagPath}`,
    tarball_url: `${html}/archive/${tagPath}.tar.gz`,
    zipball_url: `${html}/archive/${tagPath}.zip`,
    upload_url: `${core.url}/api/v1/repos/${repo.full}/releases/${r.id}/assets`,
    hide_archive_links: false,
    draft: false,
    prerelease: r.prerelease,
    created_at: r.createdAt,
    published_at: r.createdAt,
    author: userJson(core, r.author),
    assets: [],
    archive_download_count: { zip: 0, tar_gz: 0 },
  };
}
