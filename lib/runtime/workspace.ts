// Workspace: one run at a time under the target's lock, in throwaway clones swept after a killed run.
import { join } from "node:path";
import type { Settings } from "./config.ts";
import { acquireLock, isHeld } from "./lock.ts";
import { Git, type Remote } from "./git.ts";
import { progress, timePhase } from "./log.ts";
import { commitFiles, type RepoFiles } from "./tree.ts";

/** Runs `fn` holding the target repository's lock; null when another run kept it. */
export async function withLock<T>(
  settings: Pick<Settings, "lock" | "forge">,
  command: string,
  fn: () => Promise<T>,
): Promise<T | null> {
  const lock = await acquireLock({
    dir: settings.lock.dir ??
      join(Deno.env.get("XDG_RUNTIME_DIR") ?? Deno.env.get("TMPDIR") ?? "/tmp"),
    repo: settings.forge.repo,
    command,
    waitSeconds: settings.lock.wait_seconds,
    staleSeconds: settings.lock.stale_seconds,
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

/** How much of the base branch's history a clone holds: all of it; the newest commit only (enough
 * to read the files); or every commit and tree but only the base's files (`--filter=blob:none`:
 * `git log` over paths and `merge-base` need no file contents). */
type History = "full" | "shallow" | "trees";

const HISTORY_ARGS: Record<History, string[]> = {
  full: [],
  shallow: ["--depth", "1", "--no-tags"],
  trees: ["--filter=blob:none", "--no-tags"],
};

/** A throwaway clone of the target, its base branch checked out (`checkout`), else its files only
 * in git's objects. */
async function cloneTarget(
  settings: Pick<Settings, "git" | "forge">,
  remote: Remote,
  work: string,
  history: History,
  checkout: boolean,
): Promise<Git> {
  const identity = { name: settings.git.author_name, email: settings.git.author_email };
  const git = new Git(work, identity, remote.env);
  progress(`cloning ${remote.url}${history === "full" ? "" : " (its base's files only)"}`);
  await git.run([
    "clone",
    "--quiet",
    ...HISTORY_ARGS[history],
    ...checkout ? [] : ["--no-checkout"],
    "--branch",
    settings.forge.base,
    "--",
    remote.url,
    work,
  ]);
  return git;
}

const CLONE_PREFIX = "upgrade-bot-clone-";

/** Removes the clones of runs that were killed: each clone's run holds a kernel lock on
 * `<clone>.lock` while it lives (released by the kernel when it dies), so liveness needs no
 * `/proc` and works on every OS; clones of other repositories' live runs are left alone. */
async function sweepClones(): Promise<void> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const entry of Deno.readDir(tmp)) {
    if (!entry.isDirectory || !entry.name.startsWith(CLONE_PREFIX)) continue;
    const dir = join(tmp, entry.name);
    if (await isHeld(`${dir}.lock`)) continue;
    progress(`removing ${dir}, left by a run that was killed`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(`${dir}.lock`).catch(() => {});
  }
}

/** A clone in the temp dir, and its removal. */
interface Clone {
  git: Git;
  work: string;
  remove(): Promise<void>;
}

async function openClone(
  settings: Pick<Settings, "git" | "forge">,
  remote: Remote,
  history: History,
  checkout = true,
): Promise<Clone> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const work = join(tmp, `${CLONE_PREFIX}${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
  // The lock first, then the directory: a sweeper never sees this clone without its lock held.
  const held = await Deno.open(`${work}.lock`, { write: true, createNew: true });
  await held.lock(true);
  const remove = async () => {
    await Deno.remove(work, { recursive: true }).catch(() => {});
    await Deno.remove(`${work}.lock`).catch(() => {});
    held.close();
  };
  try {
    await Deno.mkdir(work, { mode: 0o700 });
    return { git: await cloneTarget(settings, remote, work, history, checkout), work, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}

/** Runs `fn` in a throwaway clone of the target's base branch, with its history. */
export async function withClone<T>(
  settings: Pick<Settings, "git" | "forge">,
  remote: Remote,
  fn: (git: Git, work: string) => Promise<T>,
): Promise<T> {
  const clone = await openClone(settings, remote, "full");
  try {
    return await fn(clone.git, clone.work);
  } finally {
    await clone.remove();
  }
}

/** The one clone of the base branch that the steps of a cron run reading it share (the scan, then
 * the pins): cloned on first use, removed by `remove`. A clone per step cost a run with nothing
 * new most of its time. `history`: the pins read which commit last changed each image's directory
 * (every commit and tree, no file contents but those of the base's files the run reads); the scan
 * alone reads only the files. Nothing is checked out (writing the real repository's 627 files took
 * a second on this machine): the steps read the base's files from git's objects (`files`), and a
 * step that commits checks its branch out itself (`git checkout --force`). */
export class RunClone {
  #clone: Promise<Clone> | null = null;
  #files: Promise<RepoFiles> | null = null;

  constructor(
    private readonly settings: Pick<Settings, "git" | "forge">,
    private readonly remote: Remote,
    private readonly history: boolean,
    /** The base's files the steps read: the only ones fetched (a blobless clone) and read. */
    private readonly reads: (path: string) => boolean = () => true,
  ) {}

  /** Runs `fn` in the clone; the last step may change its checkout. */
  async use<T>(fn: (git: Git, work: string) => Promise<T>): Promise<T> {
    this.#clone ??= timePhase(
      "clone",
      () => openClone(this.settings, this.remote, this.history ? "trees" : "shallow", false),
    );
    const { git, work } = await this.#clone;
    return await fn(git, work);
  }

  /** The base's files the steps read, as cloned, read once for every step. */
  files(): Promise<RepoFiles> {
    this.#files ??= this.use((git) =>
      timePhase(
        "files",
        () => commitFiles(git, `origin/${this.settings.forge.base}`, this.history, this.reads),
      )
    );
    return this.#files;
  }

  async remove(): Promise<void> {
    const clone = await this.#clone?.catch(() => null);
    await clone?.remove();
  }
}
