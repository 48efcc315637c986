// Nix log reading: internal-json events and plain lines as Nix's messages and build output (pure).

export const TAIL_LINES = 25;

/** ActivityType::actBuild and ResultType::resBuildLogLine of Nix's logger protocol. */
const ACT_BUILD = 105;

const RES_BUILD_LOG_LINE = 101;

/** Nix's default verbosity (lvlInfo): messages above it are not shown in a plain log. */
const LEVEL_INFO = 3;

// deno-lint-ignore no-control-regex -- matching escape sequences is the point
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, "");
}

interface NixEvent {
  action: string;
  id?: number;
  type?: number;
  level?: number;
  msg?: string;
  text?: string;
  fields?: unknown[];
}

/** The event of an `@nix {json}` line, or null for a plain line. */
function parseNixEvent(line: string): NixEvent | null {
  if (!line.startsWith("@nix ")) return null;
  try {
    const event = JSON.parse(line.slice(5));
    return typeof event?.action === "string" ? event : null;
  } catch {
    return null;
  }
}

/** A line as a terminal would show it: no colours, and only what follows the last carriage return. */
function cleanLine(line: string): string {
  const segments = stripAnsi(line).split("\r").filter((s) => s !== "");
  return segments.at(-1) ?? "";
}

export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function fieldString(event: NixEvent, index: number): string | null {
  const value = event.fields?.[index];
  return typeof value === "string" ? value : null;
}

/** `foo-1.0` for `/nix/store/<hash>-foo-1.0.drv`, as `nix build -L` prefixes build output. */
export function drvName(drv: string): string {
  return drv.replace(/^.*\/[0-9a-z]{32}-/, "").replace(/\.drv$/, "");
}

/** A run of message text: one internal-json `msg`, or consecutive plain lines. */
export interface TextChunk {
  lines: string[];
  /** An internal-json msg is Nix's own text, never build output. */
  fromJson: boolean;
}

interface LogContents {
  chunks: TextChunk[];
  /** The tail of each derivation's internal-json build output (its latest build). */
  buildOutput: Map<string, string[]>;
}

export function pushTail(tail: string[], line: string): void {
  tail.push(line);
  if (tail.length > TAIL_LINES) tail.shift();
}

/** Separates Nix's message text from internal-json build output. */
export function readLog(text: string): LogContents {
  const chunks: TextChunk[] = [];
  const buildOutput = new Map<string, string[]>();
  const buildOfActivity = new Map<number, string>();
  let plain: string[] | null = null;
  for (const line of splitLines(text)) {
    const event = parseNixEvent(line);
    if (!event) {
      if (!plain) chunks.push({ lines: plain = [], fromJson: false });
      plain.push(cleanLine(line));
      continue;
    }
    plain = null;
    if (event.action === "msg" && typeof event.msg === "string") {
      chunks.push({ lines: splitLines(event.msg).map(cleanLine), fromJson: true });
    } else if (event.action === "start" && event.type === ACT_BUILD) {
      const drv = fieldString(event, 0);
      if (drv && event.id !== undefined) {
        buildOfActivity.set(event.id, drv);
        buildOutput.set(drv, []);
      }
    } else if (event.action === "result" && event.type === RES_BUILD_LOG_LINE) {
      const drv = event.id === undefined ? undefined : buildOfActivity.get(event.id);
      const output = fieldString(event, 0);
      if (drv && output !== null) pushTail(buildOutput.get(drv)!, cleanLine(output));
    }
  }
  return { chunks, buildOutput };
}

/** The plain lines an internal-json event stands for, as Nix's plain logger would print them. */
function renderEvent(event: NixEvent, buildOfActivity: Map<number, string>): string[] {
  const shown = (event.level ?? 0) <= LEVEL_INFO;
  if (event.action === "msg" && typeof event.msg === "string" && shown) {
    return splitLines(event.msg).map(cleanLine);
  }
  if (event.action === "start") {
    const drv = event.type === ACT_BUILD ? fieldString(event, 0) : null;
    if (drv && event.id !== undefined) buildOfActivity.set(event.id, drv);
    return event.text && shown ? [`${cleanLine(event.text)}...`] : [];
  }
  if (event.action === "result" && event.type === RES_BUILD_LOG_LINE) {
    const drv = event.id === undefined ? undefined : buildOfActivity.get(event.id);
    const output = fieldString(event, 0) ?? "";
    return [`${drv ? drvName(drv) : ""}> ${cleanLine(output)}`];
  }
  return [];
}

/**
 * Turns a log (internal-json or plain) into human-readable plain text lines
 * (for a log file): msg lines as-is without ANSI, build output lines prefixed
 * `<drv name>> `.
 */
export function renderNixLog(text: string): string {
  const buildOfActivity = new Map<number, string>();
  const out: string[] = [];
  for (const line of splitLines(text)) {
    const event = parseNixEvent(line);
    if (event) out.push(...renderEvent(event, buildOfActivity));
    else out.push(cleanLine(line));
  }
  return out.length ? `${out.join("\n")}\n` : "";
}

/** The last `max` non-empty lines of a log as people read it (a failure's excerpt). */
export function renderedTail(output: string, max = 25): string[] {
  return renderNixLog(output).split("\n").filter((l) => l.trim() !== "").slice(-max);
}

/** The error of a failed evaluation, for people: the lines from the first `error:` on (or the
 * last lines, when there is none), at most `max`. */
export function evaluationError(output: string, max = 30): string {
  const lines = renderNixLog(output).split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
  const first = lines.findIndex((l) => /^error\b/.test(l.trimStart()));
  const picked = first >= 0 ? lines.slice(first, first + max) : lines.slice(-max);
  return picked.join("\n");
}
