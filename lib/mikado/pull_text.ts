// Pull request text: the upgrade pull request's title and body, and the replies to /rebuild (pure).
import { seconds as formatSeconds } from "../runtime/log.ts";
import type { BuildFailureFacts, UpgradeFacts } from "./cards.ts";
import { linkTarget, mdCode, mdFence, oneLine } from "./markdown.ts";
import type { Mention } from "./review.ts";
import type { PinOutcome } from "../docker/commit_pins.ts";
import { draftTitle, splitDraft } from "../platform/forge.ts";
import { recordLines } from "./tag_record.ts";
import { afterMerge } from "../site/defaults.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import { withUpstream } from "../upstream/render.ts";
import { inertText, ownComments } from "../upstream/inert.ts";

export interface PullFacts extends UpgradeFacts {
  /** The release tags on both mirrors, and the commit each named when harvested. */
  mirrors: { repo: string; tag: string; url: string; commit?: string }[];
  /** The newest release of each later series: the steps still ahead on the upgrade path. */
  ahead?: string[];
  /** Series a forced --version skips on a stepwise path, each as its newest release. */
  skipped?: string[];
  /** The bot follows the merge to the deployment (config `deploy`): the image tag is not manual. */
  followThrough?: boolean;
  /** nix-build runs, their total time and where they ran. */
  builds: number;
  seconds: number;
  builder: string;
  verified: boolean;
  failure: BuildFailureFacts | null;
  /** mikadoGraph(...) output. */
  graph: string;
  mentions: Mention[];
  /** The Dockerfile's commit pins: moved with the version, or left for a person to check. */
  pins?: PinOutcome[];
  /** Stem of the card a human must work on. */
  prerequisite: string | null;
  /** What changed upstream between the two tags of each mirror (lib/upstream). */
  upstream?: MirrorChanges[];
}

const TITLE = /^C2\(([^()\s]+)\): (\S+) (\S+) -> (\S+)$/i;

/** `C2(<chain>): <package> <from> -> <to>`, marked as a draft while a build fails. */
export function pullTitle(f: PullFacts): string {
  const word = (s: string) => oneLine(s).replace(/\s+/g, "_");
  const title = `C2(${word(f.chain)}): ${word(f.package)} ${word(f.from)} -> ${word(f.to)}`;
  return f.failure === null ? title : draftTitle(title);
}

/** The inverse of pullTitle, so the bot recognises its own pull requests and their target. */
export function parsePullTitle(
  title: string,
): { chain: string; package: string; from: string; to: string; draft: boolean } | null {
  const { title: bare, draft } = splitDraft(title.trim());
  const m = TITLE.exec(bare);
  if (!m) return null;
  return { chain: m[1], package: m[2], from: m[3], to: m[4], draft };
}

/** The body, within BODY_LIMIT: the upstream section gets what the rest leaves. */
export function pullBody(f: PullFacts): string {
  return withUpstream(f.upstream ?? [], (upstream) => bodyLines(f, upstream));
}

function bodyLines(f: PullFacts, upstream: string[]): string[] {
  return [
    `## Mikado Chain: ${oneLine(f.chain)}`,
    "",
    `Upgrade ${oneLine(f.package)} from ${mdCode(f.from)} to ${
      mdCode(f.to)
    }, built from source in ${mdCode(`${f.pkgDir}/`)}.`,
    "",
    ...pathSection(f),
    "Mirror tags:",
    ...f.mirrors.map((m) =>
      `- [${mdCode(m.repo)} at ${mdCode(m.tag)}](${linkTarget(m.url)})${
        m.commit ? `, commit ${mdCode(m.commit)}` : ""
      }`
    ),
    ...recordLines(
      f.mirrors.flatMap((m) => m.commit ? [{ repo: m.repo, tag: m.tag, commit: m.commit }] : []),
    ),
    "",
    ...pinSection(f.pins ?? []),
    ...hashSection(f),
    "",
    "### Builds",
    "",
    `${f.builds} nix-build run${f.builds === 1 ? "" : "s"} on ${mdCode(f.builder)}, ${
      formatSeconds(f.seconds)
    } in total. ${
      f.verified ? "The whole build was verified." : "The whole build is not verified yet."
    }`,
    "",
    ...upstream,
    "### Dependency Graph",
    "",
    mdFence(f.graph.split("\n")),
    "",
    `### Cards that still mention ${mdCode(f.from)}`,
    "",
    ...(f.mentions.length === 0
      ? ["none"]
      : f.mentions.map((m) => `- ${mdCode(`${m.path}:${m.line}`)}: ${mdCode(m.text.trim())}`)),
    "",
    ...(f.failure === null ? [] : [...failureSection(f, f.failure), ""]),
    ...afterMergeSection(f),
    "*Opened by upgrade-bot.*",
    "",
  ];
}

/** What runs by itself after merge, and what is left to a person (numbered: to do in order). */
function afterMergeSection(f: PullFacts): string[] {
  const { automatic, manual } = afterMerge(f.package, f.to, mdCode, f.followThrough ?? false);
  return [
    "### After merge",
    "",
    "By itself:",
    "",
    ...automatic.map((step) => `- ${step}`),
    "",
    "Left to a person:",
    "",
    ...manual.map((step, i) => `${i + 1}. ${step}`),
    "",
  ];
}

/** Hidden in the body of a pull request forced past a release series. */
const SKIP_MARKER = "<!-- upgrade-bot: skips release series -->";

/** Whether a pull request body says its upgrade skips a release series (forced): the bot's own
 * top-level comment, never a copy in the release notes it shows. */
export function skipNoted(body: string): boolean {
  return ownComments(body).includes(SKIP_MARKER);
}

/** Where the upgrade stands on the package's path: a forced skip, and the releases still ahead. */
function pathSection(f: PullFacts): string[] {
  const skipped = f.skipped ?? [];
  const ahead = f.ahead ?? [];
  return [
    ...skipped.length
      ? [
        `**Skips ${skipped.length === 1 ? "a release series" : "release series"}: ${
          skipped.map(inertText).join(", ")
        }.** Forced with ${mdCode("--version")}: upstream says upgrades must happen in order, ` +
        "one release series at a time; check its release notes before merging.",
        SKIP_MARKER,
        "",
      ]
      : [],
    ...ahead.length
      ? [
        `Still ahead: next: ${inertText(ahead[0])}${
          ahead.length > 1 ? `, then ${ahead.slice(1).map(inertText).join(", ")}` : ""
        }.`,
        "",
      ]
      : [],
  ];
}

/** The Dockerfile's commit pins: where each tied to the release stands, and each left said for a
 * person to check. */
function pinSection(pins: PinOutcome[]): string[] {
  if (pins.length === 0) return [];
  return [
    "### Commit pins",
    "",
    ...pins.map((p) =>
      p.left === null
        ? `- ${mdCode(p.file)}: ${mdCode(`ARG ${p.arg}`)} ${
          p.new === p.old ? "pins" : "moved to"
        } ${mdCode(p.new!)}, the commit of ${mdCode(p.tag!)} on ${mdCode(p.repo!)}${
          p.new === p.old ? "" : ` (was ${mdCode(p.old)})`
        }.`
        : `- **Check by hand:** ${mdCode(`${p.file}:${p.line}`)}: ${
          mdCode(`ARG ${p.arg}=${p.old}`)
        } was left as it was (${oneLine(p.left)}): the bot could not tie it to the old release; ` +
          "a person should check it."
    ),
    "",
  ];
}

function hashSection(f: PullFacts): string[] {
  const stale = f.hashes.flatMap((h) =>
    h.otherSystems.filter((o) => o.stale !== null).map((o) =>
      `- ${mdCode(h.name)} for ${mdCode(o.system)}: left at ${mdCode(o.old)}; ${o.stale}`
    )
  );
  const row = (
    name: string,
    file: string,
    h: { old: string; new: string | null; unchanged: boolean },
  ) => {
    const now = h.new === null ? "pending" : h.unchanged ? "unchanged" : mdCode(h.new);
    return `| ${[mdCode(name), mdCode(file), mdCode(h.old), now].map(cell).join(" | ")} |`;
  };
  return [
    "### Hashes",
    "",
    "| hash | file | old | new |",
    "| --- | --- | --- | --- |",
    ...f.hashes.flatMap((h) => [
      row(h.name, h.file, h),
      ...h.otherSystems.filter((o) => o.stale === null).map((o) =>
        row(`${h.name} (${o.system})`, h.file, o)
      ),
    ]),
    ...(stale.length === 0 ? [] : [
      "",
      "Per-system entries left stale (not built on any machine of that system: check them by hand):",
      ...stale,
    ]),
  ];
}

function failureSection(f: PullFacts, failure: BuildFailureFacts): string[] {
  return [
    "### Build failure",
    "",
    `A build failed for another reason than a hash mismatch (${mdCode(failure.kind)}), in ${
      failure.drv === null ? "evaluation" : mdCode(failure.drv)
    }:`,
    "",
    mdFence([failure.message]),
    "",
    "Log excerpt:",
    "",
    mdFence(failure.logTail),
    "",
    ...(f.prerequisite === null ? [] : [
      `Ready for a human: [[${oneLine(f.prerequisite)}]]. Fix the derivation on ${
        mdCode(`mikado/${f.chain}`)
      }, then comment \`/rebuild\` here to re-run the harvest.`,
    ]),
  ];
}

/** A table cell: `|` would end the cell even inside a code span (GFM splits rows before inline
 * parsing), so it is escaped, and backslashes before it are doubled so they cannot escape the
 * escape (`\\|` would otherwise read as an escaped backslash and a cell border). */
function cell(s: string): string {
  return s.replace(/(\\*)\|/g, (_, slashes: string) => slashes + slashes + "\\|");
}

/** What a /rebuild came to, for the reply. */
export interface RebuildSummary {
  passed: boolean;
  builds: number;
  seconds: number;
  message: string;
  logTail: string[];
  commits: { subject: string }[];
}

/** Hidden in every reply, so the bot can tell which comments it has answered. */
export function replyMarker(commentId: number): string {
  return `<!-- upgrade-bot: reply to comment ${commentId} -->`;
}

export function rebuildReply(s: RebuildSummary, commentId: number): string {
  const head = s.passed
    ? `/rebuild passed: the whole build passes (${s.builds} nix-build runs, ${
      formatSeconds(s.seconds)
    }).`
    : `/rebuild failed${
      s.builds ? ` after ${s.builds} nix-build runs (${formatSeconds(s.seconds)})` : ""
    }: ${inertText(s.message)}`;
  const commits = s.commits.length
    ? ["", "New commits:", ...s.commits.map((c) => `- ${mdCode(c.subject)}`)]
    : ["", "No new commits."];
  const log = s.logTail.length ? ["", "Last lines of the log:", "", mdFence(s.logTail)] : [];
  return [head, ...commits, ...log, "", replyMarker(commentId)].join("\n");
}

/** The reply when the bot may not read the commenter's permission (it is not a repository admin). */
export function uncheckedReply(user: string, commentId: number, command = "/rebuild"): string {
  const login = oneLine(user).replace(/[^A-Za-z0-9._-]/g, "");
  return `@${login}: I may not check who has write access here (Forgejo lets only repository ` +
    `admins read permissions), so nothing ran. To let ${command} through, make the bot's account ` +
    `an admin of this repository, or add \`${login}\` to \`rebuild.allow\` in the bot's ` +
    `config.\n\n${replyMarker(commentId)}`;
}

export function deniedReply(user: string, commentId: number, command = "/rebuild"): string {
  return `@${
    oneLine(user).replace(/[^A-Za-z0-9._-]/g, "")
  }: only people with write access to this ` +
    `repository may use ${command}.\n\n${replyMarker(commentId)}`;
}
