// One nix-build run: its command line, output streamed to the log and progress, timeout and Ctrl-C.
import type { BuildRequest, BuildResult } from "./builder.ts";
import { Interrupted } from "../../runtime/errors.ts";
import { shippedText } from "../../runtime/files.ts";
import { type ProcessOptions, run } from "../../runtime/process.ts";
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

/** Prints the host's system, extra platforms and builders, and the machines files those name
 * (read by parseHostPlatforms): run by sh on an ssh build host (the local builder does the same
 * without a shell). */
export const HOST_PLATFORMS = new URL("./host-platforms.sh", import.meta.url);

/** Instantiates (its arguments are nix-instantiate's) and lists the closure's fixed-output
 * derivations with their hashes: on an ssh build host (the local builder lists them without a
 * shell). */
const FOD_LIST = new URL("./fod-list.sh", import.meta.url);

/** The command line of a request; `where` names the expression (`-E expr` or its file). */
export async function buildArgv(request: BuildRequest, where: string[]): Promise<string[]> {
  const expression = [...where, ...request.exprArgs ?? []];
  if (request.listFixedOutputs) {
    return ["sh", "-c", await shippedText(FOD_LIST), "upgrade-bot", ...expression, ...request.args];
  }
  return request.evaluateOnly
    ? ["nix-instantiate", ...expression, "--log-format", "internal-json", ...request.args]
    : ["nix-build", ...expression, ...NIX_BUILD_ARGS, ...request.args];
}

/** Log files a build streams its raw output into now, each with the readable renderings of the
 * runs that ended beside it (the hash check's listing runs beside the verifying round). Those
 * stream nothing: the streaming build truncates its raw lines when it ends, and writes the
 * renderings queued here after its own. */
const streaming = new Map<string, Uint8Array[]>();

/** Runs a build (`argv` with `options`, stderr merged into stdout), streams its output into the
 * log file and progress lines (with a heartbeat while it is silent), enforces the timeout and
 * Ctrl-C, and returns everything it printed. */
export async function streamBuild(
  request: BuildRequest,
  argv: string[],
  options: ProcessOptions,
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
  const onOutput = (text: string) => {
    options.onOutput?.(text);
    output += text;
    lastOutput = performance.now();
    if (!beside) log.writeSync(encoder.encode(redact(text)));
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const name = buildStarted(line);
      if (name) progress(`  ${request.label}: building ${name}`);
    }
  };
  const heartbeat = setInterval(() => {
    if ((performance.now() - lastOutput) / 1000 >= request.heartbeatSeconds) {
      progress(
        `  ${request.label}: still building (${seconds((performance.now() - began) / 1000)})`,
      );
      lastOutput = performance.now();
    }
  }, Math.min(request.heartbeatSeconds, 5) * 1000);
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort(new Interrupted("interrupted: the build was stopped"));
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    const done = await run(argv, {
      ...options,
      mergeStderr: true,
      onOutput,
      timeoutSeconds: request.timeoutSeconds,
      signal: interrupt.signal,
      check: false,
    });
    if (done.timedOut) {
      progress(
        `  ${request.label}: timed out after ${request.timeoutSeconds}s, the build was stopped`,
      );
    }
    return {
      output,
      exitCode: done.code ?? -1,
      seconds: (performance.now() - began) / 1000,
      timedOut: done.timedOut,
    };
  } finally {
    clearInterval(heartbeat);
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
