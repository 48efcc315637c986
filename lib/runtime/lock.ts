// Lock: one run at a time per target repository, shared by cron, event and serve (a kernel lock).
import { join } from "node:path";
import { hostname } from "node:os";
import { progress } from "./log.ts";

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  dir: string;
  /** The target repository (owner/name): the lock's name. */
  repo: string;
  command: string;
  /** How long to wait for another run before giving up. */
  waitSeconds: number;
  /** A holder older than this is said to look hung (the kernel lock cannot be broken: only
   * stopping its process frees it). */
  staleSeconds: number;
}

export function lockPath(dir: string, repo: string): string {
  return join(dir, `upgrade-bot-${repo.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
}

/** The holder's description, for the message only: liveness is the kernel's lock, never this. */
async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null; // a run that has just taken the lock and not yet written who it is
  }
}

function describe(holder: LockHolder | null, staleSeconds: number): string {
  if (!holder) return "a run that is just starting";
  const age = (Date.now() - Date.parse(holder.since)) / 1000;
  const hung = age >= staleSeconds
    ? `; held for over ${staleSeconds}s: if it hangs, stop pid ${holder.pid}`
    : "";
  return `pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since})${hung}`;
}

/** Takes the lock, waiting up to `waitSeconds`; null (after saying who holds it) if it cannot.
 *
 * The lock is the kernel's (flock on the lock file, `Deno.FsFile.tryLock`): exactly one process
 * holds it, and it is released when that process exits or is killed, so there is nothing stale to
 * break. The file is never removed (a waiter could be locking the removed file while a third run
 * creates a new one). The holder's description is written into it for the message. */
export async function acquireLock(o: LockOptions): Promise<Lock | null> {
  await Deno.mkdir(o.dir, { recursive: true });
  const path = lockPath(o.dir, o.repo);
  const deadline = Date.now() + o.waitSeconds * 1000;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let said = false;
  try {
    for (;;) {
      if (await file.tryLock(true)) break;
      const who = describe(await readHolder(path), o.staleSeconds);
      if (Date.now() >= deadline) {
        progress(`another run holds the lock for ${o.repo}: ${who}; giving up`);
        file.close();
        return null;
      }
      if (!said) progress(`waiting for the run holding the lock for ${o.repo}: ${who}`);
      said = true;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 150));
    }
  } catch (e) {
    file.close();
    throw e;
  }
  const holder: LockHolder = {
    pid: Deno.pid,
    host: hostname(),
    command: o.command,
    since: new Date().toISOString(),
  };
  await file.truncate(0);
  const bytes = new TextEncoder().encode(JSON.stringify(holder));
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      await file.truncate(0).catch(() => {});
      await file.unlock().catch(() => {});
      file.close();
    },
  };
}

/** Whether a process holds the kernel lock on `path` now (false when there is no such file). */
export async function isHeld(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true });
  } catch {
    return false;
  }
  try {
    if (!(await file.tryLock(true))) return true;
    await file.unlock();
    return false;
  } finally {
    file.close();
  }
}
