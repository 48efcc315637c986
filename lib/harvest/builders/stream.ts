// One nix-build run: its command line, output streamed to the log and progress, timeout and Ctrl-C.
import type { BuildRequest, BuildResult } from "./builder.ts";
import { Interrupted } from "../../runtime/errors.ts";
import { drvName, renderNixLog } from "../../nix/build_log_lines.ts";
import { progress, redact, seconds } from "../../runtime/log.ts";

/** The arguments every harvest build gets: build every independent FOD in one run (-k), leave no
 * result links, and log as JSON so build output cannot pass for Nix's own messages. */
const NIX_BUILD_ARGS = ["--keep-going", "--no-out-link", "--log-format", "internal-json"];

/** Variables every build and ssh keeps: what Nix, ssh and a locale need, and nothing else. */
const KEPT_ENV =
  /^(?:PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|TZ|TMPDIR|TERM|SSH_AUTH_SOCK|NIX_[A-Za-z0-9_]+|LC_[A-Z_]+)$/;

/** The environment of a build or an ssh session: the kept variables and the ones `names` (config
 * build.env) adds. The bot's secrets are never in it: evaluation runs code anyone who can push to
 * the branch can change (`builtins.getEnv`), and fixed-output builds have the network. */
export function buildEnv(names: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (KEPT_ENV.test(key) || names.includes(key)) env[key] = value;
  }
  return env;
}

/** Instantiates (its arguments are nix-instantiate's) and prints every fixed-output derivation
 * of the closure with its output hash as the .drv records it. POSIX sh and awk, one awk for the
 * whole closure (thousands of .drv files for nixpkgs): a .drv is one line (ATerm escapes newlines),
 * and Nix allows no other store path named *.drv. */
export const FOD_LIST_SCRIPT = `set -e
drvs=$(nix-instantiate "$@")
nix-store -qR $drvs | awk '/\\.drv$/ {
  if ((getline drv < $0) > 0 && match(drv, /^Derive\\(\\[\\("out","[^"]*","[^"]+","[0-9a-f]+"\\)/)) {
    split(substr(drv, 1, RLENGTH), field, "\\"")
    print "upgrade-bot-fod " $0 " " field[6] " " field[8]
  }
  close($0)
}'
`;

/** The command line of a request, after the expression (`-E expr` or the expression's file). */
export function nixCommand(request: BuildRequest): { program: string; args: string[] } {
  if (request.listFixedOutputs) return { program: "nix-instantiate", args: [...request.args] };
  return request.evaluateOnly
    ? { program: "nix-instantiate", args: ["--log-format", "internal-json", ...request.args] }
    : { program: "nix-build", args: [...NIX_BUILD_ARGS, ...request.args] };
}

/** A running build as streamBuild uses it: zx's ProcessPromise is one, spawnMerged another. */
export interface Running extends PromiseLike<{ exitCode: number | null }> {
  stdout: { on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown };
  kill(signal?: NodeJS.Signals): unknown;
}

/** Runs `argv` in `cwd` with stderr merged into stdout (through `sh -c 'exec "$@" 2>&1'`, no other
 * shell work), without loading zx. With `env`, the process gets that environment and nothing else
 * of the bot's. */
export function spawnMerged(argv: string[], cwd: string, env?: Record<string, string>): Running {
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$@" 2>&1', "sh", ...argv],
    cwd,
    ...(env ? { env, clearEnv: true } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const listeners: ((chunk: Uint8Array) => void)[] = [];
  const early: Uint8Array[] = [];
  const pumped = (async () => {
    for await (const chunk of child.stdout) {
      if (listeners.length === 0) early.push(chunk);
      for (const l of listeners) l(chunk);
    }
  })();
  const done = Promise.all([child.status, pumped]).then(([status]) => ({
    exitCode: status.signal ? null : status.code,
  }));
  return {
    stdout: {
      on(_event: "data", listener: (chunk: Uint8Array | string) => void) {
        listeners.push(listener);
        for (const chunk of early.splice(0)) listener(chunk);
      },
    },
    kill(signal: NodeJS.Signals = "SIGTERM") {
      try {
        child.kill(signal as Deno.Signal);
      } catch {
        // Already gone.
      }
    },
    then: (onFulfilled, onRejected) => done.then(onFulfilled, onRejected),
  };
}

/** Log files a build streams its raw output into now, each with the readable renderings of the
 * runs that ended beside it (the hash check's listing runs beside the verifying round). Those
 * stream nothing: the streaming build truncates its raw lines when it ends, and writes the
 * renderings queued here after its own. */
const streaming = new Map<string, Uint8Array[]>();

/** Starts a build, streams its output into the log file and progress lines (with a heartbeat while
 * it is silent), enforces the timeout and Ctrl-C, and returns everything it printed. */
export async function streamBuild(
  request: BuildRequest,
  start: () => Running,
): Promise<BuildResult> {
  const began = performance.now();
  const log = await Deno.open(request.logFile, { create: true, append: true });
  // Synchronous from here until the build is registered: no other build writes in between.
  const logStart = log.statSync().size;
  const beside = request.listFixedOutputs === true || streaming.has(request.logFile);
  const queue: Uint8Array[] = [];
  if (!beside) streaming.set(request.logFile, queue);
  const encoder = new TextEncoder();
  let output = "";
  let pending = "";
  let lastOutput = began;
  let timedOut = false;
  let interrupted = false;
  const p = start();
  p.stdout.on("data", (chunk: Uint8Array | string) => {
    const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    output += text;
    lastOutput = performance.now();
    if (!beside) log.writeSync(encoder.encode(redact(text)));
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const name = buildStarted(line);
      if (name) progress(`  ${request.label}: building ${name}`);
    }
  });
  const heartbeat = setInterval(() => {
    if ((performance.now() - lastOutput) / 1000 >= request.heartbeatSeconds) {
      progress(
        `  ${request.label}: still building (${seconds((performance.now() - began) / 1000)})`,
      );
      lastOutput = performance.now();
    }
  }, Math.min(request.heartbeatSeconds, 5) * 1000);
  const timer = setTimeout(() => {
    timedOut = true;
    progress(`  ${request.label}: timed out after ${request.timeoutSeconds}s, stopping the build`);
    p.kill("SIGTERM");
  }, request.timeoutSeconds * 1000);
  const onInterrupt = () => {
    interrupted = true;
    p.kill("SIGTERM");
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const done = await p;
    if (interrupted) throw new Interrupted("interrupted: the build was stopped");
    return {
      output,
      exitCode: done.exitCode ?? -1,
      seconds: (performance.now() - began) / 1000,
      timedOut,
    };
  } finally {
    clearInterval(heartbeat);
    clearTimeout(timer);
    Deno.removeSignalListener("SIGINT", onInterrupt);
    const rendering = encoder.encode(redact(`=== ${request.label}\n${renderNixLog(output)}\n`));
    if (beside) {
      // After the streaming build (whichever streams now), never inside its raw lines.
      const owner = streaming.get(request.logFile);
      if (owner) owner.push(rendering);
      else log.writeSync(rendering);
    } else {
      // The streamed raw JSON lines kept the log complete while the build ran; now that it is
      // over, replace them with the readable rendering.
      await log.truncate(logStart);
      await log.write(rendering);
      while (queue.length > 0) await log.write(queue.shift()!);
      streaming.delete(request.logFile);
    }
    log.close();
  }
}

/** The derivation name in an internal-json "build started" line, for progress output. */
function buildStarted(line: string): string | null {
  if (!line.startsWith("@nix {")) return null;
  try {
    const event = JSON.parse(line.slice(5));
    if (event.action === "start" && event.type === 105 && Array.isArray(event.fields)) {
      return drvName(String(event.fields[0]));
    }
  } catch {
    // Not a JSON event after all: nothing to report.
  }
  return null;
}
