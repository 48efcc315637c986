// Commit pins in a package's Dockerfile: `ARG <NAME>=<40 hex>` lines moved from the old release's commit to the new one's (pure).
import type { TagRecord } from "../mikado/tag_record.ts";

/** An `ARG <NAME>=<commit>` line: a build that fetches a mirror at a commit, not a tag. */
export interface CommitPin {
  arg: string;
  /** The commit as written. */
  value: string;
  line: number;
}

/** What became of one pin in an upgrade. */
export interface PinOutcome {
  /** The Dockerfile, relative to the repository's top level. */
  file: string;
  arg: string;
  line: number;
  /** The commit it pinned before. */
  old: string;
  /** The commit it pins now: moved, or the new release's already; null: left as it was. */
  new: string | null;
  /** The mirror and the new release's tag there that name the commit it pins now (null: left). */
  repo: string | null;
  tag: string | null;
  /** Why it was left as it was, for a person to check it (null: tied to the release). */
  left: string | null;
}

// Dockerfile keywords are case-insensitive: `arg` is an ARG too.
const PIN =
  /^([ \t]*[Aa][Rr][Gg][ \t]+)([A-Za-z_][A-Za-z0-9_]*)=("?)([0-9a-fA-F]{40})\3([ \t]*\r?)$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** Every `ARG <NAME>=<40 hex>` line of a Dockerfile (quoted or not). */
export function commitPins(text: string): CommitPin[] {
  return text.split("\n").flatMap((raw, i) => {
    const m = PIN.exec(raw);
    return m ? [{ arg: m[2], value: m[4], line: i + 1 }] : [];
  });
}

/** The pins of `text` whose commit is the one the old release's tag names on a mirror (`old`),
 * moved to the commit the new release's tag names on that same mirror (`next`); a pin at a
 * commit of `next` already is the new release's; any other is left as it was, `unknown` saying
 * why. Only a well-formed commit of `next` is ever written: every other byte stays. */
export function movePins(
  text: string,
  file: string,
  old: TagRecord[],
  next: TagRecord[],
  unknown: string,
): { text: string; pins: PinOutcome[] } {
  const pins: PinOutcome[] = [];
  const lines = text.split("\n").map((raw, i) => {
    const m = PIN.exec(raw);
    if (!m) return raw;
    const [, before, arg, quote, value, after] = m;
    const commit = value.toLowerCase();
    const pin = { file, arg, line: i + 1, old: value };
    const current = next.find((t) => t.commit === commit && COMMIT.test(t.commit));
    if (current) {
      pins.push({ ...pin, new: value, repo: current.repo, tag: current.tag, left: null });
      return raw;
    }
    // One commit the old tags name, and the new tag on the same mirror: anything else is a guess.
    const targets = old.filter((t) => t.commit === commit).flatMap((t) =>
      next.filter((n) => n.repo === t.repo && COMMIT.test(n.commit))
    );
    if (new Set(targets.map((t) => t.commit)).size !== 1) {
      pins.push({ ...pin, new: null, repo: null, tag: null, left: unknown });
      return raw;
    }
    const { repo, tag, commit: to } = targets[0];
    // The file keeps its style: an upper-case commit stays upper-case.
    const written = value === value.toUpperCase() && /[A-F]/.test(value) ? to.toUpperCase() : to;
    pins.push({ ...pin, new: written, repo, tag, left: null });
    return `${before}${arg}=${quote}${written}${quote}${after}`;
  });
  return { text: lines.join("\n"), pins };
}

/** The line that says a pin was left, for people: the file, the ARG and its value. */
export function pinLeftLine(p: PinOutcome): string {
  return `${p.file}:${p.line}: ARG ${p.arg}=${p.old} left as it was (${p.left}): the bot ` +
    `could not tie it to the old release; a person should check it`;
}

/** The line that says where a pin tied to the release stands, for people. */
export function pinTiedLine(p: PinOutcome): string {
  const how = p.new === p.old ? "pins" : `moved from ${p.old} to`;
  return `${p.file}:${p.line}: ARG ${p.arg} ${how} ${p.new}, the commit of ${p.tag} on ${p.repo}`;
}
