// The ssh builder: the package's files in one tar, built in a temp dir on the build host, then removed.
import { $, quote } from "zx";
import { join } from "node:path";
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { InputError, UpgradeFailed } from "../../runtime/errors.ts";
import { buildEnv, FOD_LIST_SCRIPT, nixCommand, streamBuild } from "./stream.ts";
import {
  HOST_PLATFORMS_SCRIPT,
  type HostPlatforms,
  parseHostPlatforms,
} from "../../nix/machines.ts";

/** The one command the remote login shell parses, whatever shell it is (bash, zsh, fish, sh): the
 * script comes on standard input. */
const REMOTE_COMMAND = ["sh", "-s"];

/** The script `sh -s` reads from standard input. It is one function called on its last line, so
 * the shell has read all of it before anything runs; it then prints its start marker, and only
 * after the local side saw that marker does the bundle follow on the same stdin (exactly `size`
 * bytes; sh may read ahead, so nothing is sent before it asks). stdin then stays open while the
 * build runs (fd 3 keeps it, as sh gives background jobs /dev/null): when the connection ends (a
 * timeout, Ctrl-C, a dropped link) stdin closes and the watchdog stops the build. The temp dir is
 * removed on every exit. The exit marker carries nix's status: a round counts only with both. */
function remoteScript(nonce: string, size: number): string {
  return `upgrade_bot_main() {
  exec 3<&0
  dir=$(mktemp -d "\${TMPDIR:-/tmp}/upgrade-bot.XXXXXX") || return 90
  trap 'rm -rf "$dir"' EXIT
  trap 'exit 143' TERM HUP INT
  echo "upgrade-bot-start ${nonce}"
  head -c ${size} <&3 | tar -x -C "$dir" || return 91
  cd "$dir" || return 91
  echo "upgrade-bot: building in $dir on $(uname -n)"
  sh ./upgrade-bot-run.sh & build=$!
  { cat >/dev/null; kill -TERM "$build"; } <&3 >/dev/null 2>&1 & watch=$!
  wait "$build"; status=$?
  kill "$watch" 2>/dev/null
  trap '' PIPE # the connection may be gone: the temp dir is still removed
  echo "upgrade-bot-exit ${nonce} $status"
  return "$status"
}
upgrade_bot_main; exit $?
`;
}

/** The host's Nix system and CPU count, asked in one session: also through `sh -s` (the script on
 * stdin), so the login shell parses nothing but that. */
const FACTS_SCRIPT = `nix-instantiate --eval --json -E builtins.currentSystem 2>&1 || exit $?
echo
echo "upgrade-bot-cores $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
`;

export class SshBuilder implements Builder {
  constructor(
    readonly description: string,
    private target: string,
    private sshArgs: string[],
    private envNames: string[] = [],
  ) {}

  /** ssh's environment: the clean one (ssh-agent's socket included), never the bot's secrets. */
  private env(): Record<string, string> {
    return buildEnv(this.envNames);
  }

  /** Runs a short script on the host through `sh -s` (the script on stdin) in one session; its
   * output (stdout and stderr) once it exits 0, else the failure naming the host. */
  private async runScript(script: string): Promise<{ stdout: string }> {
    const p = await $({
      nothrow: true,
      quiet: true,
      env: this.env(),
      input: script,
    })`ssh ${this.sshArgs} -- ${this.target} ${REMOTE_COMMAND} 2>&1`;
    if (p.exitCode !== 0) throw this.failure(p.exitCode ?? -1, p.stdout);
    return p;
  }

  private facts: { system: string; cores: number } | null = null;

  /** The host's system and CPU count, in one ssh session. */
  private async ask(): Promise<{ system: string; cores: number }> {
    if (this.facts) return this.facts;
    const p = await this.runScript(FACTS_SCRIPT);
    // nix-instantiate ends without a newline: the script adds one (blank lines are dropped).
    const lines = p.stdout.trim().split("\n").filter((l) => l.trim() !== "");
    const at = lines.findLastIndex((l) => /^upgrade-bot-cores \d+$/.test(l));
    const system = at > 0 ? lines[at - 1] : "";
    if (!/^"[\w-]+"$/.test(system)) {
      throw new UpgradeFailed(
        `build host ${this.description}: asked for its Nix system, it printed: ${
          p.stdout.trim().slice(-300) || "nothing"
        }`,
      );
    }
    this.facts = {
      system: JSON.parse(system),
      cores: Math.max(1, Number(lines[at].split(" ")[1]) || 1),
    };
    return this.facts;
  }

  async system(): Promise<string> {
    return (await this.ask()).system;
  }

  async cores(): Promise<number> {
    return (await this.ask()).cores;
  }

  private asked: Promise<HostPlatforms> | null = null;

  /** Asked once, in a session of its own; `prepare` may ask early, beside the git work. */
  platforms(): Promise<HostPlatforms> {
    return this.asked ??= this.askPlatforms();
  }

  private async askPlatforms(): Promise<HostPlatforms> {
    const p = await this.runScript(HOST_PLATFORMS_SCRIPT);
    try {
      return parseHostPlatforms(p.stdout);
    } catch (e) {
      throw new UpgradeFailed(`build host ${this.description}: ${(e as Error).message}`);
    }
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const bundle = await this.bundle(request);
    const nonce = crypto.randomUUID();
    const start = `upgrade-bot-start ${nonce}`;
    const result = await streamBuild(request, () => {
      const p = $({
        nothrow: true,
        quiet: true,
        env: this.env(),
      })`ssh ${this.sshArgs} -- ${this.target} ${REMOTE_COMMAND} 2>&1`;
      p.stdin.write(remoteScript(nonce, bundle.length));
      let seen = "";
      let sent = false;
      p.stdout.on("data", (chunk: Uint8Array | string) => {
        if (sent) return;
        seen += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
        if (seen.includes(start)) {
          sent = true;
          p.stdin.write(bundle);
        }
      });
      return p;
    });
    // A timeout ends ssh too: that is the harvest's to report, not a connection failure.
    if (result.timedOut) return result;
    const exit = new RegExp(`^upgrade-bot-exit ${nonce} (\\d+)$`, "m").exec(result.output);
    if ([255, 90, 91].includes(result.exitCode) || !result.output.includes(start) || !exit) {
      throw this.failure(result.exitCode, result.output, !result.output.includes(start));
    }
    return { ...result, exitCode: Number(exit[1]) };
  }

  /** A tar of the package files plus the expression and a script that runs nix-build on it. */
  private async bundle(request: BuildRequest): Promise<Uint8Array> {
    const staging = await Deno.makeTempDir({ prefix: "upgrade-bot-bundle-" });
    try {
      const { program, args } = nixCommand(request);
      const quoted = ["upgrade-bot-build.nix", ...args].map((a) => quote(a)).join(" ");
      await Deno.writeTextFile(join(staging, "upgrade-bot-build.nix"), request.expr + "\n");
      await Deno.writeTextFile(
        join(staging, "upgrade-bot-run.sh"),
        request.listFixedOutputs
          ? `set -- ${quoted}\n${FOD_LIST_SCRIPT}`
          : `exec ${program} ${quoted}\n`,
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

  /** ssh's own failures (exit 255), the remote setup's, and a host that did not run the build
   * script at all, in words that say what to fix. */
  private failure(code: number, output: string, neverStarted = false): UpgradeFailed {
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
    if (code === 255) {
      return new UpgradeFailed(`cannot reach build host ${host}: ${last || `ssh exited ${code}`}`);
    }
    if (neverStarted) {
      return new UpgradeFailed(
        `build host ${host} did not run the build script (\`sh -s\` through its login shell; ` +
          `ssh exited ${code}); it printed: ${text.slice(-500) || "nothing"}`,
      );
    }
    return new UpgradeFailed(
      `build host ${host}: the build script did not report how nix ended (ssh exited ${code}); ` +
        `it printed: ${last || "nothing"}`,
    );
  }
}
