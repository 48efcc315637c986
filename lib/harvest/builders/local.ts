// The local builder: nix-build in the package directory on this machine.
import { $ } from "zx";
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { UpgradeFailed } from "../../runtime/errors.ts";
import { nixCommand, streamBuild } from "./stream.ts";

export class LocalBuilder implements Builder {
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

  cores(): Promise<number> {
    return Promise.resolve(navigator.hardwareConcurrency || 1);
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
