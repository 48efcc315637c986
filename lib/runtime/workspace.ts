// Workspace: one run at a time under the target's lock, in throwaway clones of it (removed after,
// and swept after a run that was killed).
import { join } from "node:path";
import type { Config } from "./config.ts";
import { acquireLock } from "./lock.ts";
import { Git } from "./git.ts";
import { progress } from "./log.ts";

/** Runs `fn` holding the target repository's lock; null when another run kept it. */
export async function withLock<T>(
  config: Config,
  command: string,
  fn: () => Promise<T>,
): Promise<T | null> {
  const lock = await acquireLock({
    dir: config.lock.dir ??
      join(Deno.env.get("XDG_RUNTIME_DIR") ?? Deno.env.get("TMPDIR") ?? "/tmp"),
    repo: config.forge.repo,
    command,
    waitSeconds: config.lock.wait_seconds,
    staleSeconds: config.lock.stale_seconds,
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

/** A throwaway clone of the target. The token travels in git's environment only: never in argv,
 * never in .git/config. */
async function cloneTarget(config: Config, token: string, work: string): Promise<Git> {
  const git = new Git(work, { name: config.git.author_name, email: config.git.author_email }, {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: token ${token}`,
    GIT_TERMINAL_PROMPT: "0",
  });
  const url = `${config.forge.url}/${config.forge.repo}.git`;
  progress(`cloning ${url}`);
  await git.run(["clone", "--quiet", "--branch", config.forge.base, "--", url, work]);
  return git;
}

const CLONE_PREFIX = "upgrade-bot-clone-";

/** Removes the clones of runs that were killed (their pid is in the name and is gone). */
async function sweepClones(): Promise<void> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  for await (const entry of Deno.readDir(tmp)) {
    const pid = new RegExp(`^${CLONE_PREFIX}(\\d+)-`).exec(entry.name)?.[1];
    if (!pid || !entry.isDirectory || Number(pid) === Deno.pid) continue;
    if (await Deno.stat(`/proc/${pid}`).then(() => true, () => false)) continue;
    progress(`removing ${join(tmp, entry.name)}, left by a run that was killed`);
    await Deno.remove(join(tmp, entry.name), { recursive: true }).catch(() => {});
  }
}

export async function withClone<T>(
  config: Config,
  token: string,
  fn: (git: Git, work: string) => Promise<T>,
): Promise<T> {
  const work = await Deno.makeTempDir({ prefix: `${CLONE_PREFIX}${Deno.pid}-` });
  try {
    return await fn(await cloneTarget(config, token, work), work);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
