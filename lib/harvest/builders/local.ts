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

  async system(): Promise<string> {
    const p = await new Deno.Command("nix-instantiate", {
      args: ["--eval", "--json", "-E", "builtins.currentSystem"],
      env: buildEnv(this.envNames),
      clearEnv: true,
      stdin: "null",
    }).output().catch((e: Error) => ({ code: -1, stdout: new Uint8Array(), stderr: e.message }));
    const decode = (b: Uint8Array | string) =>
      typeof b === "string" ? b : new TextDecoder().decode(b);
    if (p.code !== 0) {
      throw new UpgradeFailed(
        `cannot run nix-instantiate locally: ${decode(p.stderr).trim() || decode(p.stdout).trim()}`,
      );
    }
    return JSON.parse(decode(p.stdout));
  }

  private asked: Promise<HostPlatforms> | null = null;

  /** Asked once; `prepare` may ask early, beside the git work, and the harvest gets the answer. */
  platforms(): Promise<HostPlatforms> {
    return this.asked ??= this.askPlatforms();
  }

  private async askPlatforms(): Promise<HostPlatforms> {
    const p = await new Deno.Command("sh", {
      args: ["-c", HOST_PLATFORMS_SCRIPT],
      env: buildEnv(this.envNames),
      clearEnv: true,
      stdin: "null",
    }).output();
    const out = new TextDecoder().decode(p.stdout);
    if (p.code !== 0) {
      throw new UpgradeFailed(
        `cannot ask the local Nix for its platforms (nix show-config): ${
          new TextDecoder().decode(p.stderr).trim() || out.trim()
        }`,
      );
    }
    return parseHostPlatforms(out);
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
