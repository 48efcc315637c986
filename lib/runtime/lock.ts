// Lock: one run at a time per target repository, shared by cron, event and serve; stale ones broken.
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
  /** A lock older than this is stale whatever its process, for a hung or foreign run. */
  staleSeconds: number;
}

export function lockPath(dir: string, repo: string): string {
  return join(dir, `upgrade-bot-${repo.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`);
}

/** A holder whose process is gone (on this host), or whose lock is too old, holds nothing. */
function isStale(holder: LockHolder | null, staleSeconds: number): boolean {
  if (holder === null) return true;
  const age = (Date.now() - Date.parse(holder.since)) / 1000;
  if (!(age < staleSeconds)) return true;
  if (holder.host !== hostname()) return false;
  try {
    Deno.statSync(`/proc/${holder.pid}`);
    return false;
  } catch {
    return true;
  }
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    // Unreadable or half-written (a crash between create and write): treated as stale.
    return null;
  }
}

/** Takes the lock, waiting up to `waitSeconds`; null (after saying who holds it) if it cannot. */
export async function acquireLock(o: LockOptions): Promise<Lock | null> {
  await Deno.mkdir(o.dir, { recursive: true });
  const path = lockPath(o.dir, o.repo);
  const deadline = Date.now() + o.waitSeconds * 1000;
  let said = false;
  for (;;) {
    try {
      // createNew is atomic: of two runs racing here, exactly one creates the file.
      const file = await Deno.open(path, { createNew: true, write: true });
      const holder: LockHolder = {
        pid: Deno.pid,
        host: hostname(),
        command: o.command,
        since: new Date().toISOString(),
      };
      await file.write(new TextEncoder().encode(JSON.stringify(holder)));
      file.close();
      return {
        path,
        release: async () => {
          const current = await readHolder(path);
          if (current?.pid === Deno.pid && current.host === holder.host) {
            await Deno.remove(path).catch(() => {});
          }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const holder = await readHolder(path);
    if (isStale(holder, o.staleSeconds)) {
      progress(
        `breaking a stale lock ${path}${
          holder ? ` (pid ${holder.pid}, ${holder.command}, since ${holder.since})` : ""
        }`,
      );
      await Deno.remove(path).catch(() => {});
      continue;
    }
    const who = `pid ${holder!.pid} on ${holder!.host} (${holder!.command}, since ${
      holder!.since
    })`;
    if (Date.now() >= deadline) {
      progress(`another run holds the lock for ${o.repo}: ${who}; giving up`);
      return null;
    }
    if (!said) progress(`waiting for the run holding the lock for ${o.repo}: ${who}`);
    said = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}
