// The local builder: nix-build in the package directory on this machine, in a clean environment.
import type { Builder, BuildRequest, BuildResult } from "./builder.ts";
import { UpgradeFailed } from "../../runtime/errors.ts";
import { ProcessFailed, run } from "../../runtime/process.ts";
import { type HostPlatforms, parseHostPlatforms } from "../../nix/machines.ts";
import { buildArgv, buildEnv, streamBuild } from "./stream.ts";

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

  /** Asked once; `prepare` may ask early, beside the git work, and the harvest gets the answer.
   * What host-platforms.sh does on a build host, done here without a shell: the settings, then
   * each machines file `builders` names between marker lines. */
  platforms(): Promise<HostPlatforms> {
    return this.asked ??= this.ask(
      ["nix", "--extra-experimental-features", "nix-command", "show-config"],
      "cannot ask the local Nix for its platforms (nix show-config)",
    ).then(async (conf) => {
      const builders = /^builders = (.*)$/m.exec(conf)?.[1] ?? "";
      const files = builders.split(";").map((e) => e.trim()).filter((e) => e.startsWith("@"));
      const blocks = await Promise.all(files.map(async (entry) => {
        const path = entry.slice(1);
        const text = await Deno.readTextFile(path).catch(() => "");
        return `upgrade-bot-machines ${path}\n${text}\nupgrade-bot-machines-end\n`;
      }));
      return parseHostPlatforms(conf + blocks.join(""));
    });
  }

  cores(): Promise<number> {
    return Promise.resolve(navigator.hardwareConcurrency || 1);
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    // Evaluation runs code anyone with write access to the branch can change: it sees only the
    // clean environment, never the bot's secrets.
    const options = { cwd: request.dir, env: buildEnv(this.envNames) };
    if (request.listFixedOutputs) return await this.listFixedOutputs(request, options);
    return await streamBuild(request, await buildArgv(request, ["-E", request.expr]), options);
  }

  /** What fod-list.sh does on a build host, here without a shell between the bot and Nix: the
   * expression instantiated (streamed and logged as a build is), its closure asked of nix-store,
   * and each fixed-output .drv file's hash listed (`upgrade-bot-fod DRV ALGO HASH`). */
  private async listFixedOutputs(
    request: BuildRequest,
    options: { cwd: string; env: Record<string, string> },
  ): Promise<BuildResult> {
    const argv = [
      "nix-instantiate",
      "-E",
      request.expr,
      ...request.exprArgs ?? [],
      ...request.args,
    ];
    const instantiated = await streamBuild(request, argv, options);
    if (instantiated.exitCode !== 0 || instantiated.timedOut) return instantiated;
    // stdout and stderr come merged: the derivations are the lines that are a .drv store path.
    const drvs = instantiated.output.split("\n").filter((l) => STORE_DRV.test(l));
    const closure = await run(["nix-store", "-qR", ...drvs], { ...options, check: false });
    if (closure.code !== 0) {
      return {
        ...instantiated,
        output: `${instantiated.output}${closure.stderr}`,
        exitCode: closure.code ?? -1,
      };
    }
    const listed: string[] = [];
    for (const drv of closure.stdout.split("\n").filter((l) => STORE_DRV.test(l))) {
      const m = FIXED_OUTPUT.exec(await Deno.readTextFile(drv));
      if (m) listed.push(`upgrade-bot-fod ${drv} ${m[1]} ${m[2]}\n`);
    }
    return { ...instantiated, output: instantiated.output + listed.join("") };
  }
}

/** A derivation's store path, alone on its line. */
const STORE_DRV = /^\/\S+\.drv$/;

/** A fixed-output derivation's one output in its .drv (ATerm): `Derive([("out","PATH","ALGO","HASH")`
 * (fod-list.sh's awk match). */
const FIXED_OUTPUT = /^Derive\(\[\("out","[^"]*","([^"]+)","([0-9a-f]+)"\)/;
