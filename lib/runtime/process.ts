// Processes: the one place the bot starts a program (an argument array, no shell), with its cwd,
// environment, stdin, timeout and abort signal, its output collected or streamed as it comes.
import { UpgradeFailed } from "./errors.ts";
import { redact } from "./log.ts";

export interface ProcessOptions {
  cwd?: string;
  /** The process's whole environment: nothing of the bot's own is passed on unless `inheritEnv`
   * (a build or ssh sees only what its caller chose). */
  env?: Record<string, string>;
  /** Start from the bot's own environment and add `env` (git and tar: the user's HOME, settings). */
  inheritEnv?: boolean;
  /** Text or bytes written to standard input, which is then closed; or a stream the caller goes
   * on writing to, open until the process ends. None: /dev/null. */
  stdin?: string | Uint8Array | ReadableStream<Uint8Array>;
  /** Stops the process (SIGTERM) after this many seconds; the output says `timedOut`. */
  timeoutSeconds?: number;
  /** Aborting stops the process (SIGTERM); `run` rejects with the signal's reason once it ended. */
  signal?: AbortSignal;
  /** stderr into stdout, in the order written (`2>&1`): a log read as one stream. */
  mergeStderr?: boolean;
  /** Each piece of stdout as it arrives (a build's log, streamed). */
  onOutput?: (text: string) => void;
  /** stdout kept as bytes (`stdoutBytes`; `stdout` empty): an answer framed by byte counts. */
  bytes?: boolean;
  /** false: any exit resolves and the caller reads `code`. Else an exit other than 0, a signal or
   * a timeout is a ProcessFailed. */
  check?: boolean;
}

export interface ProcessOutput {
  /** The exit code; null when a signal ended the process. */
  code: number | null;
  signal: Deno.Signal | null;
  stdout: string;
  /** stdout as bytes, when `bytes` asked for them. */
  stdoutBytes?: Uint8Array;
  stderr: string;
  timedOut: boolean;
}

/** How much of stderr (and stdout) a ProcessFailed keeps: the end, where programs say why. */
const TAIL_CHARS = 4000;

/** A program that could not start, ended other than with exit 0, or timed out: its argv, exit code
 * and the tail of what it printed, secrets redacted. A failed run of the bot's (exit 1) unless
 * the caller says better. */
export class ProcessFailed extends UpgradeFailed {
  override name = "ProcessFailed";
  readonly argv: string[];
  readonly stderrTail: string;
  readonly stdoutTail: string;

  constructor(
    argv: string[],
    readonly code: number | null,
    why: string,
    stderr: string,
    stdout = "",
  ) {
    const stderrTail = redact(stderr.slice(-TAIL_CHARS));
    super(redact(`${shown(argv)} ${why}${stderrTail.trim() ? `: ${stderrTail.trim()}` : ""}`));
    this.argv = argv.map(redact);
    this.stderrTail = stderrTail;
    this.stdoutTail = redact(stdout.slice(-TAIL_CHARS));
  }
}

/** argv as a person would type it, for messages only (it is never run through a shell). */
function shown(argv: string[]): string {
  return argv.map((a) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)
    .join(" ");
}

/** Runs `argv` to its end and returns what it printed. */
export async function run(argv: string[], options: ProcessOptions = {}): Promise<ProcessOutput> {
  const { signal } = options;
  signal?.throwIfAborted();
  const [program, ...args] = argv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      cwd: options.cwd,
      env: options.env ?? {},
      clearEnv: !options.inheritEnv,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new ProcessFailed(argv, null, "could not start", (e as Error).message);
  }
  const ended = new AbortController();
  feed(child, options.stdin, ended.signal);
  let timedOut = false;
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  };
  const timer = options.timeoutSeconds === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutSeconds * 1000);
  signal?.addEventListener("abort", stop);
  try {
    // Merged: both pipes read here into one text, each piece in the order it arrives (no shell
    // between the bot and the program to do the `2>&1`).
    let merged = "";
    const into = (onText?: (text: string) => void) =>
      options.mergeStderr
        ? (text: string) => {
          merged += text;
          onText?.(text);
        }
        : onText;
    const [status, ownStdout, ownStderr] = await Promise.all([
      child.status,
      options.bytes
        ? new Response(child.stdout).bytes()
        : collect(child.stdout, into(options.onOutput)),
      collect(child.stderr, into(options.onOutput)),
    ]);
    const stdoutBytes = typeof ownStdout === "string" ? undefined : ownStdout;
    const stdout = options.mergeStderr ? merged : stdoutBytes ? "" : ownStdout as string;
    const stderr = options.mergeStderr ? "" : ownStderr;
    signal?.throwIfAborted();
    const out: ProcessOutput = {
      code: status.signal ? null : status.code,
      signal: status.signal,
      stdout,
      ...stdoutBytes ? { stdoutBytes } : {},
      stderr,
      timedOut,
    };
    if (options.check === false || (out.code === 0 && !timedOut)) return out;
    const why = timedOut
      ? `timed out after ${options.timeoutSeconds}s`
      : status.signal
      ? `was stopped by ${status.signal}`
      : `exited ${status.code}`;
    throw new ProcessFailed(argv, out.code, why, options.mergeStderr ? stdout : stderr, stdout);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
    ended.abort();
  }
}

/** Writes `input` to the child's stdin: all of it then closed, or piped until the child ends. */
function feed(
  child: Deno.ChildProcess,
  input: ProcessOptions["stdin"],
  ended: AbortSignal,
): void {
  if (input === undefined) return;
  // A program that exits without reading all of its input is not an error of the writing.
  const ignore = () => {};
  if (input instanceof ReadableStream) {
    input.pipeTo(child.stdin, { signal: ended }).catch(ignore);
    return;
  }
  const writer = child.stdin.getWriter();
  writer.write(typeof input === "string" ? new TextEncoder().encode(input) : input)
    .then(() => writer.close()).catch(ignore);
}

/** Everything a pipe carries, decoded, handing each piece to `onText` as it comes. */
async function collect(
  stream: ReadableStream<Uint8Array>,
  onText?: (text: string) => void,
): Promise<string> {
  const decoder = new TextDecoder();
  let all = "";
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    all += text;
    if (text) onText?.(text);
  }
  const rest = decoder.decode();
  if (rest) onText?.(rest);
  return all + rest;
}
