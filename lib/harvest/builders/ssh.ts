// The ssh builder: the package's files in one tar, built in a temp dir on the build host, then removed.
import { join } from "node:path";
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { InputError, UpgradeFailed } from "../../runtime/errors.ts";
import { shippedText } from "../../runtime/files.ts";
import { ProcessFailed, run } from "../../runtime/process.ts";
import { buildArgv, buildEnv, HOST_PLATFORMS, streamBuild } from "./stream.ts";
import { type HostPlatforms, parseHostPlatforms } from "../../nix/machines.ts";

/** The build, sent on stdin to `sh -s NONCE SIZE`: its markers, the bundle, the watchdog. */
const REMOTE_BUILD = new URL("./remote-build.sh", import.meta.url);

/** The host's Nix system and CPU count. */
const REMOTE_FACTS = new URL("./remote-facts.sh", import.meta.url);

/** How the command line of a build travels in the bundle (`upgrade-bot-argv`, read back by
 * remote-build.sh with printf %b): one argument a line, backslashes doubled, line breaks `\n`. */
function argvFile(argv: string[]): string {
  return argv.map((a) => a.replaceAll("\\", "\\\\").replaceAll("\n", "\\n") + "\n").join("");
}

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

  /** ssh to the host running `command` there, which its login shell parses (no quoting needed:
   * words of letters, digits and dashes only). */
  private sshArgv(command: string[]): string[] {
    return ["ssh", ...this.sshArgs, "--", this.target, ...command];
  }

  /** Runs a short script on the host through `sh -s` (the script on stdin) in one session; its
   * output (stdout and stderr) once it exits 0, else the failure naming the host. */
  private async runScript(script: URL): Promise<{ stdout: string }> {
    const p = await run(this.sshArgv(["sh", "-s"]), {
      env: this.env(),
      stdin: await shippedText(script),
      mergeStderr: true,
      check: false,
    });
    if (p.code !== 0) throw this.failure(p.code ?? -1, p.stdout);
    return p;
  }

  private facts: { system: string; cores: number } | null = null;

  /** The host's system and CPU count, in one ssh session. */
  private async ask(): Promise<{ system: string; cores: number }> {
    if (this.facts) return this.facts;
    const p = await this.runScript(REMOTE_FACTS);
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
    const p = await this.runScript(HOST_PLATFORMS);
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
    // stdin: the script, then (once it asks) the bundle, then open until ssh ends.
    const stdin = new TransformStream<Uint8Array, Uint8Array>();
    const writer = stdin.writable.getWriter();
    // A write the ended session no longer reads is no error: ssh's exit says what happened.
    const send = (bytes: Uint8Array) => writer.write(bytes).catch(() => {});
    send(new TextEncoder().encode(await shippedText(REMOTE_BUILD)));
    let seen = "";
    let sent = false;
    const result = await streamBuild(
      request,
      this.sshArgv(["sh", "-s", nonce, String(bundle.length)]),
      {
        env: this.env(),
        stdin: stdin.readable,
        onOutput: (text) => {
          if (sent) return;
          seen += text;
          if (seen.includes(start)) {
            sent = true;
            send(bundle);
          }
        },
      },
    );
    // A timeout ends ssh too: that is the harvest's to report, not a connection failure.
    if (result.timedOut) return result;
    const exit = new RegExp(`^upgrade-bot-exit ${nonce} (\\d+)$`, "m").exec(result.output);
    if ([255, 90, 91].includes(result.exitCode) || !result.output.includes(start) || !exit) {
      throw this.failure(result.exitCode, result.output, !result.output.includes(start));
    }
    return { ...result, exitCode: Number(exit[1]) };
  }

  /** A tar of the package files, the expression and the command line that builds it. */
  private async bundle(request: BuildRequest): Promise<Uint8Array> {
    const staging = await Deno.makeTempDir({ prefix: "upgrade-bot-bundle-" });
    try {
      const argv = await buildArgv(request, ["upgrade-bot-build.nix"]);
      await Deno.writeTextFile(join(staging, "upgrade-bot-build.nix"), request.expr + "\n");
      await Deno.writeTextFile(join(staging, "upgrade-bot-argv"), argvFile(argv));
      const tar = join(staging, "bundle.tar");
      await run(
        ["tar", "-cf", tar, "-C", staging, "upgrade-bot-build.nix", "upgrade-bot-argv"]
          .concat(["-C", request.dir, "--", ...request.files]),
        { inheritEnv: true },
      ).catch((e) => {
        if (!(e instanceof ProcessFailed)) throw e;
        throw new InputError(`cannot pack the package files: ${e.stderrTail.trim()}`);
      });
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
