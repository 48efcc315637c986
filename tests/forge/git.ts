// Git plumbing for the Forgejo stand-in: every answer about refs, tags, files and merges is read
// from (or written to) the bare repository at request time, as Forgejo itself does.

export interface RunResult {
  ok: boolean;
  code: number;
  stdout: Uint8Array<ArrayBuffer>;
  text: string;
  stderr: string;
}

/** Commands act on a bare repo owned by whoever made the fixture, hence safe.directory. */
export async function run(
  gitDir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const out = await new Deno.Command("git", {
    args: ["-c", "safe.directory=*", "--git-dir", gitDir, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ok: out.success,
    code: out.code,
    stdout: out.stdout,
    text: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function must(gitDir: string, args: string[], env?: Record<string, string>) {
  const r = await run(gitDir, args, env);
  if (!r.ok) throw new Error(`git ${args.join(" ")} in ${gitDir}: ${r.stderr.trim()}`);
  return r.text.trim();
}

/** Commit sha a ref (branch, tag, sha, refs/...) points at, or null. */
export async function resolve(gitDir: string, ref: string): Promise<string | null> {
  if (ref === "" || ref.startsWith("-")) return null;
  const r = await run(gitDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return r.ok ? r.text.trim() : null;
}

export function branchSha(gitDir: string, branch: string): Promise<string | null> {
  return resolve(gitDir, `refs/heads/${branch}`);
}

export async function defaultBranch(gitDir: string): Promise<string> {
  const r = await run(gitDir, ["symbolic-ref", "--short", "HEAD"]);
  return r.ok ? r.text.trim() : "main";
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

const COMMIT_FORMAT = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"]
  .join("%x00") + "%x00";

function parseCommits(text: string): CommitInfo[] {
  const fields = text.split("\0");
  const commits: CommitInfo[] = [];
  for (let i = 0; i + 10 <= fields.length; i += 10) {
    const [sha, tree, parents, an, ae, ad, cn, ce, cd, message] = fields.slice(i, i + 10);
    commits.push({
      sha: sha.trim(),
      tree,
      parents: parents ? parents.split(" ") : [],
      author: { name: an, email: ae, date: ad },
      committer: { name: cn, email: ce, date: cd },
      message,
    });
  }
  return commits;
}

export async function commit(gitDir: string, sha: string): Promise<CommitInfo> {
  return parseCommits(await must(gitDir, ["show", "-s", `--format=${COMMIT_FORMAT}`, sha]))[0];
}

/** One page of `git log` from `sha`, newest first, and the total count. */
export async function log(
  gitDir: string,
  sha: string,
  skip: number,
  limit: number,
): Promise<{ commits: CommitInfo[]; total: number }> {
  const total = Number(await must(gitDir, ["rev-list", "--count", sha]));
  const text = await must(gitDir, [
    "log",
    `--format=${COMMIT_FORMAT}`,
    `--skip=${skip}`,
    `--max-count=${limit}`,
    sha,
  ]);
  return { commits: parseCommits(text), total };
}

export interface TagInfo {
  name: string;
  /** Tag object id for annotated tags, commit id for lightweight ones (as Forgejo reports). */
  id: string;
  sha: string;
  message: string;
  date: string;
}

/**
 * Tags in Forgejo's order: `for-each-ref --sort=-*creatordate`. That key is the tagged commit's
 * date for annotated tags only; lightweight tags have none, so they come after all annotated
 * ones, in ascending name order (git's tie-break). Only annotated tags are newest first.
 */
export async function tags(gitDir: string): Promise<TagInfo[]> {
  const fields = [
    "refname:lstrip=2",
    "objectname",
    "*objectname",
    "contents",
    "committerdate:iso-strict",
    "*committerdate:iso-strict",
  ];
  const text = await must(gitDir, [
    "for-each-ref",
    "--sort=-*creatordate",
    `--format=${fields.map((f) => `%(${f})`).join("%00")}%00`,
    "refs/tags",
  ]);
  const parts = text.split("\0");
  const result: TagInfo[] = [];
  for (let i = 0; i + fields.length <= parts.length; i += fields.length) {
    const [name, id, peeled, contents, date, peeledDate] = parts.slice(i, i + fields.length);
    result.push({
      name: name.replace(/^\n/, ""),
      id,
      sha: peeled || id,
      message: contents.trim(),
      date: peeledDate || date,
    });
  }
  return result;
}

export async function branches(gitDir: string): Promise<string[]> {
  const text = await must(gitDir, [
    "for-each-ref",
    "--sort=refname",
    "--format=%(refname:lstrip=2)",
    "refs/heads",
  ]);
  return text ? text.split("\n") : [];
}

export interface Entry {
  path: string;
  kind: "blob" | "tree" | "commit";
  sha: string;
  size: number;
}

async function lsTree(gitDir: string, args: string[]): Promise<Entry[]> {
  const r = await run(gitDir, ["ls-tree", "-l", "-z", "--full-tree", ...args]);
  if (!r.ok) return [];
  return r.text.split("\0").flatMap((line) => {
    const m = line.match(/^\d+ (blob|tree|commit) ([0-9a-f]+) +(\S+)\t(.*)$/s);
    if (!m) return [];
    const size = m[3] === "-" ? 0 : Number(m[3]);
    return [{ kind: m[1] as Entry["kind"], sha: m[2], size, path: m[4] }];
  });
}

/** The object at `path` in commit `sha`, or null when there is none. */
export async function entry(gitDir: string, sha: string, path: string): Promise<Entry | null> {
  return (await lsTree(gitDir, [sha, "--", path]))[0] ?? null;
}

/** The entries of the directory `path` in commit `sha`. */
export function list(gitDir: string, sha: string, path: string): Promise<Entry[]> {
  return lsTree(gitDir, [sha, "--", `${path}/`]);
}

export async function blob(gitDir: string, sha: string): Promise<Uint8Array<ArrayBuffer>> {
  const r = await run(gitDir, ["cat-file", "blob", sha]);
  if (!r.ok) throw new Error(`git cat-file blob ${sha}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Last commit at or before `sha` that touched `path`. */
export async function lastCommit(gitDir: string, sha: string, path: string): Promise<CommitInfo> {
  const text = await must(gitDir, ["log", "-1", `--format=${COMMIT_FORMAT}`, sha, "--", path]);
  return parseCommits(text)[0];
}

export async function mergeBase(gitDir: string, a: string, b: string): Promise<string | null> {
  const r = await run(gitDir, ["merge-base", a, b]);
  return r.ok ? r.text.trim() : null;
}

export async function isAncestor(gitDir: string, a: string, b: string): Promise<boolean> {
  return (await run(gitDir, ["merge-base", "--is-ancestor", a, b])).ok;
}

/** Tree of merging `b` into `a`, or null on conflicts (git merge-tree, no worktree needed). */
export async function mergeTree(gitDir: string, a: string, b: string): Promise<string | null> {
  const r = await run(gitDir, ["merge-tree", "--write-tree", "--no-messages", a, b]);
  return r.ok ? r.text.split("\n")[0].trim() : null;
}

export async function diffStat(
  gitDir: string,
  from: string,
  to: string,
): Promise<{ files: number; additions: number; deletions: number }> {
  const text = await must(gitDir, ["diff", "--shortstat", from, to]);
  const num = (re: RegExp) => Number(text.match(re)?.[1] ?? 0);
  return {
    files: num(/(\d+) files? changed/),
    additions: num(/(\d+) insertions?/),
    deletions: num(/(\d+) deletions?/),
  };
}

export interface Identity {
  name: string;
  email: string;
}

export function commitTree(
  gitDir: string,
  tree: string,
  parents: string[],
  message: string,
  who: Identity,
): Promise<string> {
  return must(gitDir, ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-m", message], {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
  });
}

/** Moves a branch only if it still points at `old`, like a non-forced push. */
export async function updateBranch(gitDir: string, branch: string, sha: string, old: string) {
  await must(gitDir, ["update-ref", `refs/heads/${branch}`, sha, old]);
}

export async function deleteBranch(gitDir: string, branch: string) {
  await must(gitDir, ["update-ref", "-d", `refs/heads/${branch}`]);
}

export function pullRef(index: number): string {
  return `refs/pull/${index}/head`;
}

/** Copies a fork's branch tip into the base repository's refs/pull/N/head, objects and all. */
export async function fetchPullRef(gitDir: string, index: number, forkDir: string, branch: string) {
  await must(gitDir, ["fetch", "--quiet", forkDir, `+refs/heads/${branch}:${pullRef(index)}`]);
}

/** Points refs/pull/N/head at `sha`, as Forgejo does on PR creation and on every push. */
export async function setPullRef(gitDir: string, index: number, sha: string) {
  await must(gitDir, ["update-ref", pullRef(index), sha]);
}

export async function isMirror(gitDir: string): Promise<boolean> {
  const r = await run(gitDir, ["config", "--bool", "remote.origin.mirror"]);
  return r.text.trim() === "true";
}

export async function originUrl(gitDir: string): Promise<string> {
  return (await run(gitDir, ["config", "remote.origin.url"])).text.trim();
}

/** What Forgejo's mirror sync runs; the remote is usually a local path in tests and demos. */
export function fetchMirror(gitDir: string): Promise<RunResult> {
  return run(gitDir, ["remote", "update", "--prune"]);
}
