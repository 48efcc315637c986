// The ssh builder: the package's files in one tar, built in a temp dir on the build host, then removed.
import { $, quote } from "zx";
import { join } from "node:path";
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { InputError, UpgradeFailed } from "../../runtime/errors.ts";
import { nixCommand, streamBuild } from "./stream.ts";

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

export class SshBuilder implements Builder {
  constructor(readonly description: string, private target: string, private sshArgs: string[]) {}

  private facts: { system: string; cores: number } | null = null;

  /** The host's system and CPU count, in one ssh session. */
  private async ask(): Promise<{ system: string; cores: number }> {
    if (this.facts) return this.facts;
    const p = await $({
      nothrow: true,
      quiet: true,
    })`ssh ${this.sshArgs} -- ${this.target} ${"nix-instantiate --eval --json -E builtins.currentSystem && echo && { nproc || echo 1; }"} 2>&1`;
    if (p.exitCode !== 0) throw this.failure(p.exitCode ?? -1, p.stdout);
    const lines = p.stdout.trim().split("\n");
    this.facts = {
      system: JSON.parse(lines.at(-2)!),
      cores: Math.max(1, Number(lines.at(-1)) || 1),
    };
    return this.facts;
  }

  async system(): Promise<string> {
    return (await this.ask()).system;
  }

  async cores(): Promise<number> {
    return (await this.ask()).cores;
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
