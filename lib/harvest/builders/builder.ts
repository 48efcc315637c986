// Builders: run nix-build locally or on a build host over ssh, streaming progress and the log.
import { $, type ProcessPromise, quote } from "zx";
import { join } from "node:path";
import { InputError, Interrupted, UpgradeFailed } from "../../runtime/errors.ts";
import { parseBuilder } from "../../runtime/config.ts";
import { drvName, renderNixLog } from "../../nix/log.ts";
import { progress, seconds } from "../../runtime/log.ts";

export interface BuildRequest {
  /** Local directory holding the package's files (the checkout's or a scratch copy). */
  dir: string;
  /** The files of `dir` a remote builder needs (relative paths). */
  files: string[];
  /** A Nix expression, evaluated in the package directory, whose derivations are built. */
  expr: string;
  /** Extra nix-build arguments. */
  args: string[];
  timeoutSeconds: number;
  heartbeatSeconds: number;
  /** Where the whole nix output is written. */
  logFile: string;
  /** Names this build in progress lines ("round 2"). */
  label: string;
  /** Only evaluate and instantiate (nix-instantiate), build nothing. */
  evaluateOnly?: boolean;
}

export interface BuildResult {
  output: string;
  exitCode: number;
  seconds: number;
  timedOut: boolean;
}

export interface Builder {
  readonly description: string;
  /** The builder's Nix system (x86_64-linux): the key of per-system hashes it can check. */
  system(): Promise<string>;
  build(request: BuildRequest): Promise<BuildResult>;
}

/** The arguments every harvest build gets: build every independent FOD in one run (-k), leave no
 * result links, and log as JSON so build output cannot pass for Nix's own messages. */
const NIX_BUILD_ARGS = ["--keep-going", "--no-out-link", "--log-format", "internal-json"];

/** The command line of a request, after the expression (`-E expr` or the expression's file). */
function nixCommand(request: BuildRequest): { program: string; args: string[] } {
  return request.evaluateOnly
    ? { program: "nix-instantiate", args: ["--log-format", "internal-json", ...request.args] }
    : { program: "nix-build", args: [...NIX_BUILD_ARGS, ...request.args] };
}

export function makeBuilder(
  spec: string,
  ssh: { config_file: string | null; options: string[] },
): Builder {
  const parsed = parseBuilder(spec);
  if (parsed.kind === "local") return new LocalBuilder();
  const args = [
    "-o",
    "BatchMode=yes",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=4",
    "-o",
    "ConnectTimeout=20",
    ...(ssh.config_file ? ["-F", ssh.config_file] : []),
    ...ssh.options,
    ...(parsed.port ? ["-p", String(parsed.port)] : []),
  ];
  const target = parsed.user ? `${parsed.user}@${parsed.host}` : parsed.host;
  return new SshBuilder(spec, target, args);
}

class LocalBuilder implements Builder {
  readonly description = "local";

  async system(): Promise<string> {
    const p = await $({
      nothrow: true,
      quiet: true,
    })`nix-instantiate --eval --json -E ${"builtins.currentSystem"}`;
    if (p.exitCode !== 0) {
      throw new UpgradeFailed(
        `cannot run nix-instantiate locally: ${p.stderr.trim() || p.stdout.trim()}`,
      );
    }
    return JSON.parse(p.stdout);
  }

  build(request: BuildRequest): Promise<BuildResult> {
    const { program, args } = nixCommand(request);
    return streamBuild(
      request,
      () =>
        $({
          cwd: request.dir,
          nothrow: true,
          quiet: true,
        })`${program} -E ${request.expr} ${args} 2>&1`,
    );
  }
}

/** Runs on the build host in a fresh temp dir that it removes on every exit. Its stdin brings the
 * bundle (exactly $1 bytes), then stays open while the local side waits (fd 3 keeps it, as bash
 * gives background jobs /dev/null): when the connection ends (a timeout, Ctrl-C, a dropped link) stdin
 * closes and the watchdog stops the build, so nothing is left running or lying around. */
const REMOTE_SCRIPT = `set -u
exec 3<&0
dir=$(mktemp -d "\${TMPDIR:-/tmp}/upgrade-bot.XXXXXX") || exit 90
trap 'rm -rf "$dir"' EXIT
trap 'exit 143' TERM HUP INT
head -c "$1" <&3 | tar -x -C "$dir" || exit 91
cd "$dir" || exit 91
echo "upgrade-bot: building in $dir on $(hostname)"
bash ./upgrade-bot-run.sh & build=$!
{ cat >/dev/null; kill -TERM "$build"; } <&3 >/dev/null 2>&1 & watch=$!
wait "$build"; status=$?
kill "$watch" 2>/dev/null
exit "$status"
`;

class SshBuilder implements Builder {
  constructor(readonly description: string, private target: string, private sshArgs: string[]) {}

  async system(): Promise<string> {
    const p = await $({
      nothrow: true,
      quiet: true,
    })`ssh ${this.sshArgs} -- ${this.target} nix-instantiate --eval --json -E builtins.currentSystem 2>&1`;
    if (p.exitCode !== 0) throw this.failure(p.exitCode ?? -1, p.stdout);
    return JSON.parse(p.stdout.trim().split("\n").at(-1)!);
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const bundle = await this.bundle(request);
    const remote = quote(REMOTE_SCRIPT);
    const result = await streamBuild(request, () => {
      const p = $({
        nothrow: true,
        quiet: true,
      })`ssh ${this.sshArgs} -- ${this.target} bash -c ${remote} upgrade-bot ${bundle.length} 2>&1`;
      p.stdin.write(bundle);
      return p;
    });
    // A timeout ends ssh too: that is the harvest's to report, not a connection failure.
    if (!result.timedOut && [255, 90, 91].includes(result.exitCode)) {
      throw this.failure(result.exitCode, result.output);
    }
    return result;
  }

  /** A tar of the package files plus the expression and a script that runs nix-build on it. */
  private async bundle(request: BuildRequest): Promise<Uint8Array> {
    const staging = await Deno.makeTempDir({ prefix: "upgrade-bot-bundle-" });
    try {
      const { program, args } = nixCommand(request);
      await Deno.writeTextFile(join(staging, "upgrade-bot-build.nix"), request.expr + "\n");
      await Deno.writeTextFile(
        join(staging, "upgrade-bot-run.sh"),
        `exec ${program} ${["upgrade-bot-build.nix", ...args].map((a) => quote(a)).join(" ")}\n`,
      );
      const tar = join(staging, "bundle.tar");
      const p = await $({
        nothrow: true,
        quiet: true,
      })`tar -cf ${tar} -C ${staging} upgrade-bot-build.nix upgrade-bot-run.sh -C ${request.dir} -- ${request.files}`;
      if (p.exitCode !== 0) {
        throw new InputError(`cannot pack the package files: ${p.stderr.trim()}`);
      }
      return await Deno.readFile(tar);
    } finally {
      await Deno.remove(staging, { recursive: true });
    }
  }

  /** ssh's own failures (exit 255) and the remote setup's, in words that say what to fix. */
  private failure(code: number, output: string): UpgradeFailed {
    const text = output.trim();
    const last = text.split("\n").filter((l) => l && !l.startsWith("@nix")).slice(-3).join(" / ");
    const host = this.description;
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(text)) {
      return new UpgradeFailed(
        `ssh to build host ${host}: host key verification failed: its key is unknown or does not ` +
          `match your known_hosts. Check the host's key and add it (ssh-keyscan) before retrying.`,
      );
    }
    if (/Permission denied/.test(text)) {
      return new UpgradeFailed(`ssh to build host ${host}: authentication failed (${last})`);
    }
    if (code === 255 && text.includes("upgrade-bot: building in")) {
      return new UpgradeFailed(
        `lost the connection to build host ${host} during the build (${last}); the host stops ` +
          `the build and removes its temp dir when the connection ends`,
      );
    }
    if (code === 90 || code === 91) {
      return new UpgradeFailed(`build host ${host}: could not unpack the package files (${last})`);
    }
    return new UpgradeFailed(`cannot reach build host ${host}: ${last || `ssh exited ${code}`}`);
  }
}

type Running = ProcessPromise;

/** Starts a build, streams its output into the log file and progress lines (with a heartbeat while
 * it is silent), enforces the timeout and Ctrl-C, and returns everything it printed. */
async function streamBuild(request: BuildRequest, start: () => Running): Promise<BuildResult> {
  const began = performance.now();
  const log = await Deno.open(request.logFile, { create: true, append: true });
  const logStart = (await log.stat()).size;
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
    log.writeSync(encoder.encode(text));
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
    // The streamed raw JSON lines kept the log complete while the build ran; now that it is over,
    // replace them with the readable rendering.
    await log.truncate(logStart);
    await log.write(encoder.encode(`=== ${request.label}\n${renderNixLog(output)}\n`));
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
