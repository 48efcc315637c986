// The local builder: nix-build in the package directory on this machine, in a clean environment.
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { UpgradeFailed } from "../../runtime/errors.ts";
import {
  HOST_PLATFORMS_SCRIPT,
  type HostPlatforms,
  parseHostPlatforms,
} from "../../nix/machines.ts";
import { buildEnv, FOD_LIST_SCRIPT, nixCommand, spawnMerged, streamBuild } from "./stream.ts";

export class LocalBuilder implements Builder {
  readonly description = "local";

  constructor(private envNames: string[] = []) {}

  /** Runs a short command (no build) in the clean environment: its stdout once it exits 0, else
   * an error saying what was asked (`what`) and what it printed. */
  private async ask(argv: string[], what: string): Promise<string> {
    const p = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: buildEnv(this.envNames),
      clearEnv: true,
      stdin: "null",
    }).output().catch((e: Error) => ({ code: -1, stdout: new Uint8Array(), stderr: e.message }));
    const decode = (b: Uint8Array | string) =>
      typeof b === "string" ? b : new TextDecoder().decode(b);
    if (p.code !== 0) {
      throw new UpgradeFailed(`${what}: ${decode(p.stderr).trim() || decode(p.stdout).trim()}`);
    }
    return decode(p.stdout);
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
    return this.asked ??= this.ask(
      ["sh", "-c", HOST_PLATFORMS_SCRIPT],
      "cannot ask the local Nix for its platforms (nix show-config)",
    ).then(parseHostPlatforms);
  }

  cores(): Promise<number> {
    return Promise.resolve(navigator.hardwareConcurrency || 1);
  }

  build(request: BuildRequest): Promise<BuildResult> {
    const { program, args } = nixCommand(request);
    // Evaluation runs code anyone with write access to the branch can change: it sees only the
    // clean environment, never the bot's secrets.
    const env = buildEnv(this.envNames);
    return streamBuild(
      request,
      () =>
        request.listFixedOutputs
          ? spawnMerged(
            ["sh", "-c", FOD_LIST_SCRIPT, "upgrade-bot", "-E", request.expr, ...args],
            request.dir,
            env,
          )
          : spawnMerged([program, "-E", request.expr, ...args], request.dir, env),
    );
  }
}
