// Mirror tags as harvested: which commit each tag named, recorded in the pull request body, and moved tags (pure).
import { mdCode } from "./markdown.ts";
import { ownComments } from "../upstream/inert.ts";

/** One mirror's tag and the commit it named when the bot harvested it. */
export interface TagRecord {
  repo: string;
  tag: string;
  commit: string;
}

/** A tag that names another commit than the one harvested. */
export interface MovedTag extends TagRecord {
  /** The commit it names now. */
  now: string;
}

const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._/+-]{0,199}$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const LINE = /^<!-- upgrade-bot: harvested (\S+) (\S+) (\S+) -->$/;

/** The body's hidden lines recording each tag's commit (one a line, after the mirror list). */
export function recordLines(record: TagRecord[]): string[] {
  return record.map((r) => `<!-- upgrade-bot: harvested ${r.repo} ${r.tag} ${r.commit} -->`);
}

/** The record in a pull request body: only the bot's own top-level comments count (a copy in
 * the release notes shown below is inert text or code there), and of those only well-formed ones
 * (the body is anyone's to edit). */
export function parseRecord(body: string): TagRecord[] {
  return ownComments(body).flatMap((c) => {
    const m = LINE.exec(c);
    return m && REPO.test(m[1]) && TAG.test(m[2]) && SHA.test(m[3])
      ? [{ repo: m[1], tag: m[2], commit: m[3] }]
      : [];
  });
}

/** The recorded tags that name another commit now (`now`: repo -> tag -> commit; a tag that is
 * gone is not a move: discovery says the version is missing). */
export function movedTags(record: TagRecord[], now: (repo: string, tag: string) => string | null) {
  return record.flatMap((r): MovedTag[] => {
    const sha = now(r.repo, r.tag);
    return sha !== null && sha !== r.commit ? [{ ...r, now: sha }] : [];
  });
}

/** Hidden in the comment about a moved tag: said once per tag and new commit. */
export function movedMarker(m: MovedTag): string {
  return `<!-- upgrade-bot: moved ${m.repo} ${m.tag} ${m.now} -->`;
}

/** The comment on the pull request when a tag it was harvested from moved. */
export function movedComment(moved: MovedTag[]): string {
  return [
    "**A release tag moved since this pull request was harvested.** Nothing was pushed: the " +
    "hashes here are of the commit the tag named before.",
    "",
    ...moved.map((m) =>
      `- ${mdCode(m.repo)} ${mdCode(m.tag)}: was ${mdCode(m.commit)}, now ${mdCode(m.now)}`
    ),
    "",
    "Compare the two commits upstream. To accept the new commit, a person with write access " +
    "comments `/rebuild`: the bot harvests the hashes again from it.",
    "",
    ...moved.map(movedMarker),
  ].join("\n");
}

/** One line for the run's output. */
export function movedLine(m: MovedTag): string {
  return `tag ${m.tag} of ${m.repo} moved: ${m.commit} -> ${m.now}`;
}
