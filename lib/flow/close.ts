// Close what is done: the bot's open pull request whose version the base branch has reached by other means.
import type { Forge, Pull } from "../platform/forge.ts";
import { compareReleases, orderableVersion } from "../nix/versions.ts";
import { parsePullTitle } from "../mikado/pull_text.ts";
import { closedReply } from "../site/defaults.ts";
import { withClone } from "../runtime/workspace.ts";
import { progress } from "../runtime/log.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { mayRewrite } from "./publish.ts";

/** Closes `open` (the bot's pull request of the package's chain) when the base branch is at or past
 * its version, with a comment saying why, and deletes its branch when every commit on it is the
 * bot's (a person's commit keeps the branch). Says what it did, or null when the pull request is
 * still wanted. */
export async function closeIfDone(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  open: Pull,
  current: string,
  /** The version a pull request's title targets (the bot's C2 titles by default). */
  targetOf: (title: string) => { to: string } | null = parsePullTitle,
): Promise<string | null> {
  const { repo, base } = settings.forge;
  // A title people can edit: a version in it the bot cannot order names none (said by discover).
  const to = orderableVersion(targetOf(open.title)?.to ?? "");
  if (!to || compareReleases(current, to) < 0) return null;
  const name = spec.name;
  const what = `${name}: ${base} is at ${current}, pull request #${open.number} (${to}) is done`;
  if (settings.dryRun) return `${what}: would close it`;
  await forge.comment(repo, open.number, closedReply(name, base, current, to));
  await forge.updatePull(repo, open.number, { state: "closed" });
  const kept = await withClone(settings, forge.gitRemote(repo), async (git) => {
    const tip = await git.sha(`refs/remotes/origin/${open.head}`);
    if (!tip) return "its branch is gone already";
    // Whose work is on it is what the bot's note on the tip says, not the authors: an amended bot
    // commit keeps the bot as its author (see mayRewrite).
    if (!(await mayRewrite(git, tip, open.head))) {
      return `branch ${open.head} kept: it holds work that is not only the bot's`;
    }
    // The lease: a commit pushed since the clone keeps the branch.
    await git.run([
      "push",
      "--quiet",
      `--force-with-lease=refs/heads/${open.head}:${tip}`,
      "origin",
      `:refs/heads/${open.head}`,
    ]);
    return `branch ${open.head} deleted`;
  });
  const line = `${what}: closed it, ${kept}`;
  progress(line);
  return line;
}
