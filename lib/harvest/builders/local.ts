// The local builder: nix-build in the package directory on this machine, in a clean environment.
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { UpgradeFailed } from "../../runtime/errors.ts";
import { shippedText } from "../../runtime/files.ts";
import { ProcessFailed, run } from "../../runtime/process.ts";
import { type HostPlatforms, parseHostPlatforms } from "../../nix/machines.ts";
import { buildArgv, buildEnv, HOST_PLATFORMS, streamBuild } from "./stream.ts";

export class LocalBuilder implements Builder {
  readonly description = "local";

  constructor(private envNames: string[] = []) {}

  /** Runs a short command (no build) in the clean environment: its stdout once it exits 0, else
   * an error saying what was asked (`what`) and what it printed. */
  private async ask(argv: string[], what: string): Promise<string> {
    try {
      return (await run(argv, { env: buildEnv(this.envNames) })).stdout;
    } catch (e) {
      if (!(e instanceof ProcessFailed)) throw e;
      throw new UpgradeFailed(`${what}: ${e.stderrTail.trim() || e.stdoutTail.trim()}`);
    }
  }

  async system(): Promise<string> {
    return JSON.parse(
      await this.ask(
        ["nix-instantiate", "--eval", "--json", "-E", "builtins.currentSystem"],
        "cannot run nix-instantiate locally",
      ),
    );
  }

  private asked: Promise<HostPlatforms> | null = null;

  /** Asked once; `prepare` may ask early, beside the git work, and the harvest gets the answer. */
  platforms(): Promise<HostPlatforms> {
    return this.asked ??= shippedText(HOST_PLATFORMS).then((script) =>
      this.ask(
        ["sh", "-c", script],
        "cannot ask the local Nix for its platforms (nix show-config)",
      )
    ).then(parseHostPlatforms);
  }

  cores(): Promise<number> {
    return Promise.resolve(navigator.hardwareConcurrency || 1);
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    // Evaluation runs code anyone with write access to the branch can change: it sees only the
    // clean environment, never the bot's secrets.
    return await streamBuild(request, await buildArgv(request, ["-E", request.expr]), {
      cwd: request.dir,
      env: buildEnv(this.envNames),
    });
  }
}
