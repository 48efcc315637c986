// Nix log parsing: hash mismatches, build failures and skipped dependants in nix-build output of every Nix and Lix version.
//
// A log is read as a sequence of Nix messages: a header line at column 0 (an
// `error:` line, or one of the un-prefixed messages of Nix 2.0-2.3) followed by
// its continuation lines, which Nix always indents. Hash values are only ever
// read from the continuation lines of a mismatch header, never from a bare
// `got:` line, because build output can print anything.
//
// With `--log-format internal-json` the split between Nix's messages (`msg`
// events) and build output (type-101 results of a build activity) is exact.
// A plain log interleaves both without markers, so two heuristics apply there:
// - the lines after `building '<drv>'...` are that build's output until the
//   next `building '` line or a Nix message about that drv; an unrecognised
//   `error:` line inside such a section is taken as build output (compilers and
//   package managers print those), outside one as a failure (evaluation errors);
// - a build's log tail is Nix's own `last N log lines:` block when present,
//   else those section lines. With parallel builds (`-j`) unprefixed output of
//   concurrent builds cannot be told apart; `nix build -L` style `<name>> `
//   prefixes are honoured. A complete fake mismatch block printed by a builder
//   is indistinguishable from Nix's in a plain log: use internal-json.

import { toSri } from "./hash.ts";
import { drvName, pushTail, readLog, TAIL_LINES, type TextChunk } from "./logread.ts";

export interface HashMismatch {
  /** The .drv path; the output path for Nix 2.0-2.3; null for builtin fetchers (then `url` is set). */
  drv: string | null;
  /** Canonical SRI. */
  specified: string;
  /** Canonical SRI. */
  got: string;
  url?: string;
}

export interface BuildFailure {
  /** null for failures that name no derivation, such as evaluation errors. */
  drv: string | null;
  /** Nix's message without its `error: ` prefix and without the log lines it quotes. */
  message: string;
  /** The last (up to 25) log lines of that derivation's build, when known. */
  logTail: string[];
}

export interface ParsedLog {
  mismatches: HashMismatch[];
  failures: BuildFailure[];
  /** Derivations not built because a dependency failed. */
  skipped: string[];
}

/** What a column-0 line says, once classified. */
type Header =
  | { kind: "building"; drv: string }
  | { kind: "fodMismatch"; drv: string }
  | { kind: "downloadMismatch"; url: string }
  | { kind: "oneLineMismatch"; drv: string | null; url?: string; specified: string; got: string }
  | { kind: "skip"; drv: string }
  | { kind: "cannotBuild"; drv: string; rest: string }
  | { kind: "summary" }
  /** `known`: a form only Nix prints, as opposed to any `error:` line, which a builder may print too. */
  | { kind: "failure"; drv: string | null; known: boolean };

const BUILDING_RE = /^building '(\/[^']+\.drv)'(?: on '[^']*')?(?:\.\.\.)?$/;
const FOD_MISMATCH_RE = /^hash mismatch in fixed-output derivation '([^']+)':$/;
const DOWNLOAD_MISMATCH_RE = /^hash mismatch in file downloaded from '([^']+)':$/;
/** Nix 2.0-2.1; the hashes are bare base32 (base16 for md5) of the named type. */
const PRODUCED_PATH_RE =
  /^fixed-output derivation produced path '([^']+)' with (\w+) hash '([^']+)' instead of the expected hash '([^']+)'/;
/** Nix 2.0-2.1 builtin fetchers; the hashes carry a `type:` prefix. */
const DOWNLOAD_ONE_LINE_RE =
  /^hash mismatch in file downloaded from '([^']+)': got hash '([^']+)' instead of the expected hash '([^']+)'/;
/** Nix 2.0's fetchers in their other wording: expected first, then got. */
const DOWNLOAD_EXPECTED_GOT_RE =
  /^hash mismatch in file downloaded from '([^']+)':? expected hash '([^']+)', got '([^']+)'/;
/** Text that says a hash mismatched or a build failed: when no recognised message accounts for it,
 * the round fails instead of passing in silence. */
const ALARM_RE =
  /hash mismatch|instead of the expected hash|expected hash '|\b(?:build|builder|building)\b.*\bfail(?:ed|ure)\b|failed to build|dependenc(?:y|ies) failed/i;
const DEPENDENCIES_FAILED_RE = /^\d+ dependencies of derivation '([^']+)' failed to build/;
const DEPENDENCIES_OLD_RE =
  /^cannot build derivation '([^']+)': \d+ dependencies couldn't be built/;
const CANNOT_BUILD_RE = /^Cannot build '([^']+)'\.(.*)$/;
/** The closing list of everything that failed; each item was already reported on its own. */
const SUMMARY_RE =
  /^(?:build of '[^']+'(?:, '[^']+')* failed|Build failed due to failed dependency)$/;
/** Remote builds and Nix 2.29+ `nix build` wrap the real message in this prefix. */
const BUILD_OF_PREFIX_RE = /^build of '([^']+)'(?: on '[^']+')? failed: (?:error: )?(.*)$/;
const BUILDER_FAILED_RE = /^builder for '([^']+)' /;
const TIMED_OUT_RE = /^building of '([^']+)' .*timed out/;
const ANY_DRV_RE = /'(\/[^']+\.drv)(?:[!^][^']*)?'/;

/** `/nix/store/x.drv` for the `x.drv!out` / `x.drv^out` goal names of timeouts. */
function drvOfGoal(goal: string): string {
  return goal.replace(/(\.drv)[!^].*$/, "$1");
}

function classifyMismatch(text: string): Header | null {
  let m = FOD_MISMATCH_RE.exec(text);
  if (m) return { kind: "fodMismatch", drv: m[1] };
  m = DOWNLOAD_MISMATCH_RE.exec(text);
  if (m) return { kind: "downloadMismatch", url: m[1] };
  m = PRODUCED_PATH_RE.exec(text);
  if (m) {
    return {
      kind: "oneLineMismatch",
      drv: m[1],
      specified: `${m[2]}:${m[4]}`,
      got: `${m[2]}:${m[3]}`,
    };
  }
  m = DOWNLOAD_ONE_LINE_RE.exec(text);
  if (m) return { kind: "oneLineMismatch", drv: null, url: m[1], specified: m[3], got: m[2] };
  m = DOWNLOAD_EXPECTED_GOT_RE.exec(text);
  if (m) return { kind: "oneLineMismatch", drv: null, url: m[1], specified: m[2], got: m[3] };
  return null;
}

function classifyOutcome(text: string): Header | null {
  let m = DEPENDENCIES_FAILED_RE.exec(text) ?? DEPENDENCIES_OLD_RE.exec(text);
  if (m) return { kind: "skip", drv: m[1] };
  m = CANNOT_BUILD_RE.exec(text);
  if (m) return { kind: "cannotBuild", drv: m[1], rest: m[2] };
  if (SUMMARY_RE.test(text)) return { kind: "summary" };
  m = BUILDER_FAILED_RE.exec(text) ?? TIMED_OUT_RE.exec(text);
  if (m) return { kind: "failure", drv: drvOfGoal(m[1]), known: true };
  return null;
}

/** Classifies a column-0 line (trailing whitespace ignored); null when it is not the start of a
 * Nix message. */
function classifyHeader(raw: string): Header | null {
  const line = raw.trimEnd();
  const building = BUILDING_RE.exec(line);
  if (building) return { kind: "building", drv: building[1] };
  const isError = /^error:(?:\s|$)/.test(line);
  let text = isError ? line.slice("error:".length).trimStart() : line;
  const wrapped = BUILD_OF_PREFIX_RE.exec(text);
  if (wrapped) text = wrapped[2];
  const known = classifyMismatch(text) ?? classifyOutcome(text);
  if (known) return known;
  if (!isError && !wrapped) return null;
  const drv = wrapped ? wrapped[1] : ANY_DRV_RE.exec(text)?.[1] ?? null;
  // A bare `error:` opens Nix's own error chain (2.13+), which a builder does not print.
  return { kind: "failure", drv, known: wrapped !== null || text === "" };
}

/** Nix indents continuation lines by two spaces or more; a line indented by one space (some
 * terminals and pastes shift the whole message) is still a header when it reads as one. */
function isContinuation(line: string): boolean {
  if (line === "" || !/^\s/.test(line)) return line === "";
  return !/^\s\S/.test(line) || classifyHeader(line.slice(1)) === null;
}

/** The header a line starts, if it starts one. */
function headerOf(line: string): Header | null {
  return isContinuation(line) ? null : classifyHeader(line.replace(/^\s/, ""));
}

/** The indented lines after `lines[start]`, without trailing blank lines. */
function continuation(lines: string[], start: number): string[] {
  let end = start + 1;
  while (end < lines.length && isContinuation(lines[end])) end++;
  while (end > start + 1 && lines[end - 1].trim() === "") end--;
  return lines.slice(start + 1, end);
}

/** Removes the indentation every non-blank line shares, keeping relative indentation (code frames). */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^\s*/.exec(l)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(common).trimEnd());
}

/** The `key: value` fields of a mismatch block (`specified`, `got`, `likely URL`, ...). */
function mismatchFields(body: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of body) {
    const m = /^\s*(likely URL|specified|wanted|got|expected path|got path):\s*(\S.*?)\s*$/.exec(
      line,
    );
    if (m && !fields.has(m[1])) fields.set(m[1], m[2]);
  }
  return fields;
}

const TAIL_MARKER_RE = /^(.*?);?\s*last \d+ log lines:$/i;

const MESSAGE_END_RE = /^(?:Output paths:|For full logs)/;

/**
 * Splits a failure's text (header, then its continuation lines) into the
 * message and the log lines Nix quotes after `last N log lines:`. The message
 * stops before the quoted lines and the `Output paths:` / `For full logs` notes.
 */
function splitFailureText(text: string[]): { message: string; quotedTail: string[] } {
  const trimmed = text.map((l) => l.trim());
  const markerAt = trimmed.findIndex((l) => TAIL_MARKER_RE.test(l));
  const endAt = trimmed.findIndex((l, i) => i === markerAt || MESSAGE_END_RE.test(l));
  const lines = endAt < 0 ? [...text] : text.slice(0, endAt);
  // Nix 2.3 puts the marker on the header line: `...failed with exit code 1; last 5 log lines:`.
  const beforeMarker = endAt === markerAt && markerAt >= 0
    ? TAIL_MARKER_RE.exec(trimmed[markerAt])![1]
    : "";
  if (beforeMarker) lines.push(beforeMarker);
  const [header, ...body] = lines;
  return {
    message: [header, ...dedent(body)].join("\n").trim().replace(/;$/, ""),
    quotedTail: markerAt < 0 ? [] : quotedLogLines(text.slice(markerAt + 1)),
  };
}

/** Nix 2.4+ quotes log lines as `> line`; Nix 2.3 only indents them. */
function quotedLogLines(lines: string[]): string[] {
  const end = lines.findIndex((l) => MESSAGE_END_RE.test(l.trim()));
  const quoted = end < 0 ? lines : lines.slice(0, end);
  if (quoted.every((l) => /^\s*>/.test(l))) return quoted.map((l) => l.replace(/^\s*> ?/, ""));
  return dedent(quoted);
}

/** Accumulates results over the chunks of one log. */
class LogScanner {
  readonly mismatches = new Map<string, HashMismatch>();
  readonly failures = new Map<string, BuildFailure>();
  readonly skipped = new Set<string>();
  /** Output lines of plain `building '<drv>'` sections. */
  readonly sectionOutput = new Map<string, string[]>();
  /** The drv whose plain build section is open. */
  private section: string | null = null;

  scan(chunk: TextChunk): void {
    const { lines, fromJson } = chunk;
    for (let i = 0; i < lines.length; i++) {
      const header = headerOf(lines[i]);
      if (!header || this.isBuildOutput(header, fromJson)) {
        const output = !fromJson && this.noteOutput(lines[i]);
        if (!output && !header && ALARM_RE.test(lines[i])) this.unattributed.push(lines[i].trim());
        continue;
      }
      const body = continuation(lines, i);
      this.handle(header, [lines[i].trim().replace(/^error:\s*/, ""), ...body]);
      i += body.length;
    }
  }

  /** Lines that say a hash mismatched or a build failed but belong to no recognised message and
   * to no build's output. */
  readonly unattributed: string[] = [];

  /** An unrecognised `error:` line inside a plain build section is the builder's, not Nix's. */
  private isBuildOutput(header: Header, fromJson: boolean): boolean {
    return !fromJson && this.section !== null && header.kind === "failure" && !header.known;
  }

  /** Files a plain line as a build's output; false when it belongs to no build. */
  private noteOutput(line: string): boolean {
    for (const [drv, output] of this.sectionOutput) {
      const prefix = `${drvName(drv)}> `;
      if (line.startsWith(prefix)) {
        pushTail(output, line.slice(prefix.length));
        return true;
      }
    }
    if (!this.section) return false;
    pushTail(this.sectionOutput.get(this.section)!, line);
    return true;
  }

  private handle(header: Header, text: string[]): void {
    switch (header.kind) {
      case "building":
        this.section = header.drv;
        this.sectionOutput.set(header.drv, []);
        return;
      case "summary":
        this.section = null;
        return;
      case "skip":
        return this.addSkipped(header.drv);
      case "cannotBuild":
        return this.handleCannotBuild(header.drv, header.rest, text);
      case "failure":
        return this.handleFailure(header.drv, text);
      case "fodMismatch":
      case "downloadMismatch":
      case "oneLineMismatch":
        return this.handleMismatch(header, text);
    }
  }

  /** Nix 2.29+: the first `Reason:` line tells a builder failure from a skipped dependant. */
  private handleCannotBuild(drv: string, rest: string, text: string[]): void {
    const reason = /Reason:\s*(.*)/.exec([rest, ...text.slice(1)].join("\n"))?.[1] ?? "";
    if (/^\d+ dependenc(?:y|ies) failed/.test(reason)) this.addSkipped(drv);
    else this.addFailure(drv, text);
  }

  /** A failure whose chain ends in a hash mismatch (import-from-derivation: the mismatch is raised
   * while evaluating, nested in `error:` ... `error: hash mismatch ...`) is that mismatch. */
  private handleFailure(drv: string | null, text: string[]): void {
    for (let j = 1; j < text.length; j++) {
      const nested = /^(\s*)error:\s*(.*?)\s*$/.exec(text[j]);
      const header = nested
        ? classifyMismatch(BUILD_OF_PREFIX_RE.exec(nested[2])?.[2] ?? nested[2])
        : null;
      if (!nested || !header) continue;
      const indent = nested[1].length;
      let end = j + 1;
      while (end < text.length && /^\s*/.exec(text[end])![0].length > indent) end++;
      return this.handleMismatch(header as MismatchHeader, [nested[2], ...text.slice(j + 1, end)]);
    }
    this.addFailure(drv, text);
  }

  private handleMismatch(header: MismatchHeader, text: string[]): void {
    const found = reportedMismatch(header, mismatchFields(text.slice(1)));
    const hashes = found.specified && found.got ? sriPair(found.specified, found.got) : null;
    // A block Nix cut short or with unreadable hashes still means the build failed.
    if (!hashes) return this.addFailure(found.drv, text);
    this.addMismatch({ drv: found.drv, ...hashes, ...(found.url ? { url: found.url } : {}) });
  }

  private addMismatch(mismatch: HashMismatch): void {
    const key = `${mismatch.drv ?? mismatch.url}\n${mismatch.specified}`;
    if (!this.mismatches.has(key)) this.mismatches.set(key, mismatch);
    this.closeSection(mismatch.drv);
  }

  private addFailure(drv: string | null, text: string[]): void {
    const { message, quotedTail } = splitFailureText(text);
    const key = drv ?? message;
    const earlier = this.failures.get(key);
    if (!earlier) this.failures.set(key, { drv, message, logTail: quotedTail });
    else if (!earlier.logTail.length) earlier.logTail = quotedTail;
    this.closeSection(drv);
  }

  private addSkipped(drv: string): void {
    this.skipped.add(drv);
    this.closeSection(drv);
  }

  /** A message about the building drv means its build is over: later lines are not its output. */
  private closeSection(drv: string | null): void {
    if (drv !== null && drv === this.section) this.section = null;
  }
}

type MismatchHeader = Extract<
  Header,
  { kind: "fodMismatch" | "downloadMismatch" | "oneLineMismatch" }
>;

interface ReportedMismatch {
  drv: string | null;
  url?: string;
  specified?: string;
  got?: string;
}

/** The hashes as Nix printed them (base32, base16 or SRI), from the header or its fields. */
function reportedMismatch(header: MismatchHeader, fields: Map<string, string>): ReportedMismatch {
  const specified = fields.get("specified") ?? fields.get("wanted");
  const got = fields.get("got");
  switch (header.kind) {
    case "oneLineMismatch":
      return header;
    case "fodMismatch":
      return { drv: header.drv, url: likelyUrl(fields), specified, got };
    case "downloadMismatch":
      return { drv: null, url: header.url, specified, got };
  }
}

/** Lix's guess of the fetched URL, unless it had none. */
function likelyUrl(fields: Map<string, string>): string | undefined {
  const url = fields.get("likely URL");
  return url && url !== "(unknown)" ? url : undefined;
}

function sriPair(specified: string, got: string): { specified: string; got: string } | null {
  try {
    return { specified: toSri(specified), got: toSri(got) };
  } catch {
    return null;
  }
}

/** Picks each failure's log tail: internal-json output, else Nix's quoted lines, else the plain section. */
function attachTails(
  failures: BuildFailure[],
  buildOutput: Map<string, string[]>,
  sectionOutput: Map<string, string[]>,
): void {
  for (const failure of failures) {
    if (failure.drv === null) continue;
    const fromJson = buildOutput.get(failure.drv) ?? [];
    const fromSection = sectionOutput.get(failure.drv) ?? [];
    if (fromJson.length) failure.logTail = [...fromJson];
    else if (!failure.logTail.length) failure.logTail = [...fromSection];
    failure.logTail = failure.logTail.slice(-TAIL_LINES);
  }
}

export function parseNixLog(text: string): ParsedLog {
  const { chunks, buildOutput } = readLog(text);
  const scanner = new LogScanner();
  for (const chunk of chunks) scanner.scan(chunk);
  const mismatches = [...scanner.mismatches.values()];
  const mismatched = new Set(mismatches.map((m) => m.drv));
  // A mismatch is reported once, as a mismatch, even where Nix also reports the build as failed.
  const failures = [...scanner.failures.values()].filter((f) =>
    f.drv === null || !mismatched.has(f.drv)
  );
  attachTails(failures, buildOutput, scanner.sectionOutput);
  if (scanner.unattributed.length > 0) {
    failures.push({
      drv: null,
      message: `nix printed what reads as a hash mismatch or a build failure that the bot could ` +
        `not attribute to a derivation: ${scanner.unattributed.slice(0, 3).join(" / ")}`,
      logTail: scanner.unattributed.slice(-TAIL_LINES),
    });
  }
  return { mismatches, failures, skipped: [...scanner.skipped] };
}
