// Nix log formats: what each line of nix-build output says (message headers of every Nix and Lix
// version, their continuation lines, the fields of a mismatch and the log lines a failure quotes).

/** What a column-0 line says, once classified. */
export type Header =
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
export const ALARM_RE =
  /hash mismatch|instead of the expected hash|expected hash '|\b(?:build|builder|building)\b.*\bfail(?:ed|ure)\b|failed to build|dependenc(?:y|ies) failed/i;
const DEPENDENCIES_FAILED_RE = /^\d+ dependencies of derivation '([^']+)' failed to build/;
const DEPENDENCIES_OLD_RE =
  /^cannot build derivation '([^']+)': \d+ dependencies couldn't be built/;
const CANNOT_BUILD_RE = /^Cannot build '([^']+)'\.(.*)$/;
/** The closing list of everything that failed; each item was already reported on its own. */
const SUMMARY_RE =
  /^(?:build of '[^']+'(?:, '[^']+')* failed|Build failed due to failed dependency)$/;
/** Remote builds and Nix 2.29+ `nix build` wrap the real message in this prefix. */
export const BUILD_OF_PREFIX_RE = /^build of '([^']+)'(?: on '[^']+')? failed: (?:error: )?(.*)$/;
const BUILDER_FAILED_RE = /^builder for '([^']+)' /;
const TIMED_OUT_RE = /^building of '([^']+)' .*timed out/;
const ANY_DRV_RE = /'(\/[^']+\.drv)(?:[!^][^']*)?'/;

/** `/nix/store/x.drv` for the `x.drv!out` / `x.drv^out` goal names of timeouts. */
function drvOfGoal(goal: string): string {
  return goal.replace(/(\.drv)[!^].*$/, "$1");
}

export function classifyMismatch(text: string): Header | null {
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
export function headerOf(line: string): Header | null {
  return isContinuation(line) ? null : classifyHeader(line.replace(/^\s/, ""));
}

/** The indented lines after `lines[start]`, without trailing blank lines. */
export function continuation(lines: string[], start: number): string[] {
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
export function mismatchFields(body: string[]): Map<string, string> {
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
export function splitFailureText(text: string[]): { message: string; quotedTail: string[] } {
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
