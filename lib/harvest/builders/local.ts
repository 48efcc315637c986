// The local builder: nix-build in the package directory on this machine, in a clean environment.
import { $ } from "zx";
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { UpgradeFailed } from "../../runtime/errors.ts";
import { buildEnv, FOD_LIST_SCRIPT, nixCommand, streamBuild } from "./stream.ts";

export class LocalBuilder implements Builder {
  readonly description = "local";

  constructor(private envNames: string[] = []) {}

  async system(): Promise<string> {
    const p = await $({
      nothrow: true,
      quiet: true,
      env: buildEnv(this.envNames),
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
    // Evaluation runs code anyone with write access to the branch can change: it sees only the
    // clean environment, never the bot's secrets.
    const options = { cwd: request.dir, nothrow: true, quiet: true, env: buildEnv(this.envNames) };
    return streamBuild(
      request,
      () =>
        request.listFixedOutputs
          ? $(options)`sh -c ${FOD_LIST_SCRIPT} upgrade-bot -E ${request.expr} ${args} 2>&1`
          : $(options)`${program} -E ${request.expr} ${args} 2>&1`,
    );
  }
}
