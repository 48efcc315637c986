// Pushing the bot's own branch: over a branch that holds only the bot's commits, never over anyone else's.
import type { Git } from "../runtime/git.ts";
import type { Settings } from "../runtime/config.ts";

/** The tip of `branch` in the clone's remote when every commit on it beyond `base` is the bot's
 * (null: no such branch); throws when someone else's commits are there. */
export async function ownBranchTip(
  git: Git,
  settings: Pick<Settings, "git">,
  branch: string,
  base: string,
): Promise<string | null> {
  const remoteTip = await git.sha(`refs/remotes/origin/${branch}`);
  if (remoteTip) {
    const foreign = (await git.run(["log", "--format=%ae", `origin/${base}..${remoteTip}`]))
      .split("\n").filter((e) => e && e !== settings.git.author_email);
    if (foreign.length) {
      throw new Error(
        `branch ${branch} has commits the bot did not make and no open pull request: ` +
          `delete or rename it, the bot will not push over them`,
      );
    }
  }
  return remoteTip;
}

/** Pushes HEAD to `branch`, over `remoteTip` only (null: the branch must not exist). */
export async function pushBranch(git: Git, branch: string, remoteTip: string | null) {
  await git.run([
    "push",
    "--quiet",
    `--force-with-lease=refs/heads/${branch}:${remoteTip ?? ""}`,
    "origin",
    `HEAD:refs/heads/${branch}`,
  ]);
}
