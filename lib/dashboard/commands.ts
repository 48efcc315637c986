// `/upgrade NAME [VERSION]` comments on the dashboard: parsed and checked, and the bot's replies (pure).
import { mdCode, oneLine } from "../mikado/markdown.ts";
import { replyMarker } from "../mikado/pull_text.ts";
import { inertText } from "../upstream/inert.ts";
import { looseVersion, parseVersion } from "../nix/versions.ts";
import type { PackageOutcome } from "../flow/cron.ts";

/** A package the next run upgrades: to `version`, or (null) to the newest release of its mirror. */
export interface UpgradeRequest {
  name: string;
  version: string | null;
}

const USAGE = "`/upgrade NAME` or `/upgrade NAME VERSION`";

/** A name as a package's: what the config's `packages[].name` allows. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Untrusted text quoted in a reply: one line, at most `max` characters, in a code span. */
function quote(text: string, max = 80): string {
  const flat = oneLine(text);
  return mdCode(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

/** A comment that is `/upgrade` and its words, nothing else; null when the comment is no
 * `/upgrade` at all (conversation); an error people can act on when it is one but not a valid
 * one. NAME must be one of `packages`; VERSION a release version (a leading `v` is dropped, as
 * tags write it). Nothing of the comment reaches a shell or a file: the name is matched against
 * the config's packages and the version parsed. */
export function parseUpgrade(
  body: string,
  packages: string[],
  /** Packages whose versions may leave out parts, as their tags write them (`18.4`: images). */
  tagged: string[] = [],
): { request: UpgradeRequest } | { error: string } | null {
  const text = body.trim();
  if (!/^\/upgrade(?=\s|$)/.test(text)) return null;
  if (/[\r\n]/.test(text)) return { error: `the command takes one line: ${USAGE}` };
  const words = text.split(/[ \t]+/).slice(1);
  const known = `the packages: ${packages.map((p) => mdCode(p)).join(", ")}`;
  if (words.length === 0) return { error: `name the package: ${USAGE} (${known})` };
  if (words.length > 2) return { error: `too many words: ${USAGE}` };
  const [name, asked] = words;
  if (!NAME.test(name) || !packages.includes(name)) {
    return { error: `no package ${quote(name)} (${known})` };
  }
  if (asked === undefined) return { request: { name, version: null } };
  const version = /^v\d/.test(asked) ? asked.slice(1) : asked;
  // Kept as written: the image's tags are matched by their own text too (lib/flow/image.ts).
  if (tagged.includes(name) && looseVersion(version) !== null) {
    return { request: { name, version } };
  }
  try {
    return { request: { name, version: parseVersion(version) } };
  } catch {
    return { error: `${quote(asked)} is not a release version like 2.18.0` };
  }
}

/** What the run did with the package, for the reply. */
export function outcomeText(
  out: Pick<PackageOutcome, "report" | "error" | "outcome"> | undefined,
  /** The package's versions as its files write them (an image's `18.4`: lib/images/tags.ts). */
  written: (version: string) => string = (v) => v,
): string {
  const r = out?.report;
  if (!out) return "the run did not reach the package";
  if (out.outcome === "not run") return `not run: ${quote(out.error?.message ?? "", 500)}`;
  if (!r || out.error && !r.failure) {
    return `failed: ${quote(out.error?.message ?? out.outcome, 500)}`;
  }
  if (r.failure) {
    return `failed: ${quote(r.failure.message, 500)}` +
      (r.pull?.number ? ` (pull request #${r.pull.number})` : "");
  }
  if (r.pull?.number) {
    return `${r.pull.action} pull request #${r.pull.number} (${written(r.version.from)} → ${
      written(r.version.to)
    })`;
  }
  // The report's message can name what upstream wrote (a tag): shown as text, nothing more.
  return inertText(r.message);
}

/** The reply to an `/upgrade` that ran: what the run did with the package. */
export function upgradeReply(request: UpgradeRequest, outcome: string, commentId: number): string {
  const what = request.version === null ? request.name : `${request.name} ${request.version}`;
  return `/upgrade ${what}: ${outcome}\n\n${replyMarker(commentId)}`;
}

/** The reply to an `/upgrade` that could not run as written. */
export function refusedReply(error: string, commentId: number): string {
  return `/upgrade: ${error}. Nothing ran.\n\n${replyMarker(commentId)}`;
}
