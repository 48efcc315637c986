// Pull request commands: `/rebuild` comments, who may give them, and handling each exactly once.
import { ownComments } from "../upstream/inert.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { type Comment, type Forge, isBotPull, type Pull } from "../platform/forge.ts";
import {
  deniedReply,
  rebuildReply,
  type RebuildSummary,
  replyMarker,
  uncheckedReply,
} from "../mikado/pull_text.ts";
import { progress } from "../runtime/log.ts";
import type { CommentEvent } from "../platform/forgejo/comment_event.ts";
import { branchOf } from "./context.ts";

/** The whole comment must be the command: text around it is conversation, and nothing of a
 * comment body ever reaches a shell or a file. */
export function parseCommand(body: string): "rebuild" | null {
  return body.trim() === "/rebuild" ? "rebuild" : null;
}

export interface CommandContext {
  settings: Settings;
  /** The package whose chain the bot's pull request is. */
  package: PackageSpec;
  forge: Forge;
  /** Does the rebuild on the pull request's head; errors become a failed reply. */
  rebuild: (pull: Pull) => Promise<RebuildSummary>;
}

/** Handles one comment; says in one line what it did. */
export async function handleComment(
  ctx: CommandContext,
  ev: CommentEvent,
  known?: { pulls?: Pull[]; comments?: Comment[] },
): Promise<string> {
  const { settings, forge } = ctx;
  const repo = settings.forge.repo;
  if (ev.repo.toLowerCase() !== repo.toLowerCase()) return `ignored: comment on another repository`;
  if (ev.edited) return "ignored: an edited comment";
  if (parseCommand(ev.body) === null) return "ignored: not a command";
  const pulls = known?.pulls ?? await forge.pulls(repo, "open");
  const me = await forge.whoami();
  const pull = pulls.find((p) =>
    p.number === ev.pull && isBotPull(p, repo, branchOf(ctx.package), me)
  );
  if (!pull) return `ignored: #${ev.pull} is not the bot's open pull request`;
  // The bot opened the pull request: its author is the bot's login.
  if (ev.user === pull.user) return "ignored: the bot's own comment";
  const comments = known?.comments ?? await forge.comments(repo, pull.number);
  if (answered(comments, pull.user, ev.commentId)) {
    return `ignored: comment ${ev.commentId} was answered already`;
  }
  // Every caller holds the target's lock (withLock), so no other run on this host is working on
  // this comment: the eyes reaction says "seen", and a claim without a reply (the bot's own
  // reaction: a run killed after claiming, or a reaction whose answer was lost and whose retry
  // found it made) is picked up again rather than dropped. The reply's marker makes it once.
  if (!(await forge.react(repo, ev.commentId, "eyes"))) {
    progress(
      `comment ${ev.commentId} was claimed but never answered (a run that died, or a lost ` +
        `answer): picking it up`,
    );
  }
  const may = await mayCommand(settings, forge, ev.user);
  if (may === "gone") return `skipped: ${ev.user} no longer exists`;
  const reply = (text: string) =>
    replyOnce(forge, repo, pull.number, pull.user, ev.commentId, text);
  if (may === "unknown") {
    await reply(uncheckedReply(ev.user, ev.commentId));
    return `refused: the bot may not read ${ev.user}'s permission (it is not a repository admin)`;
  }
  if (may === "no") {
    await reply(deniedReply(ev.user, ev.commentId));
    return `denied: ${ev.user} may not /rebuild`;
  }
  progress(`/rebuild from ${ev.user} on #${pull.number}`);
  let summary: RebuildSummary;
  try {
    summary = await ctx.rebuild(pull);
  } catch (e) {
    summary = {
      passed: false,
      builds: 0,
      seconds: 0,
      message: (e as Error).message,
      logTail: [],
      commits: [],
    };
  }
  await reply(rebuildReply(summary, ev.commentId));
  return `rebuilt #${pull.number}: ${summary.passed ? "passed" : "failed"}`;
}

/** Who may give the bot a command (`/rebuild`, `/upgrade`): write, admin or owner on the
 * repository, or named in config; "unknown" when the forge will not tell the bot (it is not a
 * repository admin); "gone" when the forge has no such user any more (the comment is skipped,
 * never answered: nobody is there to read it). */
export async function mayCommand(
  settings: Pick<Settings, "rebuild" | "forge">,
  forge: Forge,
  user: string,
): Promise<"yes" | "no" | "unknown" | "gone"> {
  if (settings.rebuild.allow.includes(user)) return "yes";
  const permission = await forge.permission(settings.forge.repo, user);
  if (permission === undefined) {
    progress(`${user} no longer exists on the forge (404): their command is skipped`);
    return "gone";
  }
  if (permission === null) {
    progress(`cannot read ${user}'s permission (403: the bot is not a repository admin)`);
    return "unknown";
  }
  return ["write", "admin", "owner"].includes(permission) ? "yes" : "no";
}

/** Whether the bot (`bot`, its login) has answered comment `commentId` among `comments`. */
export function answered(comments: Comment[], bot: string, commentId: number): boolean {
  return comments.some((c) =>
    c.user === bot && ownComments(c.body).includes(replyMarker(commentId))
  );
}

/** Posts the bot's reply to comment `commentId` on issue or pull request `index` once: a reply
 * whose response was lost is found by its marker, not posted twice. */
export async function replyOnce(
  forge: Forge,
  repo: string,
  index: number,
  bot: string,
  commentId: number,
  text: string,
): Promise<void> {
  try {
    await forge.comment(repo, index, text);
  } catch (e) {
    if (!answered(await forge.comments(repo, index), bot, commentId)) throw e;
  }
}

/** Cron's way in: every comment on the bot's open pull requests. */
export async function scanComments(ctx: CommandContext, pulls: Pull[]): Promise<string[]> {
  const done: string[] = [];
  // `pulls` are the bot's own (cron_package.ts filtered them with isBotPull).
  for (const pull of pulls) {
    // The pull request says how many comments it has: none, no request to read them.
    if (pull.comments === 0) continue;
    const comments = await ctx.forge.comments(ctx.settings.forge.repo, pull.number);
    for (const c of comments) {
      if (parseCommand(c.body) === null) continue;
      const ev: CommentEvent = {
        repo: ctx.settings.forge.repo,
        pull: pull.number,
        commentId: c.id,
        body: c.body,
        user: c.user,
        edited: c.updatedAt !== c.createdAt,
      };
      done.push(await handleComment(ctx, ev, { pulls, comments }));
    }
  }
  return done;
}
