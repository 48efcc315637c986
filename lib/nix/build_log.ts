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
import { drvName, pushTail, readLog, TAIL_LINES, type TextChunk } from "./build_log_lines.ts";
import {
  ALARM_RE,
  BUILD_OF_PREFIX_RE,
  classifyMismatch,
  continuation,
  type Header,
  headerOf,
  mismatchFields,
  splitFailureText,
} from "./build_log_formats.ts";

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
