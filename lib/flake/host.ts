// The build host's Nix for a flake: its inputs updated, its outputs built, two closures compared (this machine's Nix, in the clean environment).
import { buildEnv } from "../harvest/builders/stream.ts";
import { parseNixLog } from "../nix/build_log.ts";
import { renderedTail } from "../nix/build_log_lines.ts";
import { UpgradeFailed } from "../runtime/errors.ts";
import { ProcessFailed, run } from "../runtime/process.ts";

/** A built output: its store path, or why it failed. */
export type Built =
  | { path: string; seconds: number }
  | { failure: { drv: string | null; message: string; logTail: string[] }; seconds: number };

/** What the flake step asks of the build host. Only the local one exists yet: an ssh host would
 * ship the flake's files as the ssh builder ships a package's. */
export interface FlakeHost {
  readonly description: string;
  /** Updates the lock of the flake in `dir` (a directory of a git checkout): every input, or
   * only `inputs`. */
  update(dir: string, inputs: string[] | "all"): Promise<void>;
  /** The names of its `nixosConfigurations`. */
  nixosHosts(dir: string): Promise<string[]>;
  build(dir: string, attr: string): Promise<Built>;
  diffClosures(before: string, after: string): Promise<string>;
  /** The closure's size in bytes. */
  closureSize(path: string): Promise<number>;
}

/** Nix on this machine. `args`: Nix options every command gets (config build.args); `env`: the
 * variables builds may see (build.env). */
export class LocalFlakeHost implements FlakeHost {
  readonly description = "local";

  constructor(
    private args: string[],
    private envNames: string[],
    private timeoutSeconds: number,
  ) {}

  private async nix(argv: string[], what: string): Promise<string> {
    try {
      return (await run(["nix", ...argv.slice(0, 2), ...this.args, ...argv.slice(2)], {
        env: buildEnv(this.envNames),
        timeoutSeconds: this.timeoutSeconds,
      })).stdout;
    } catch (e) {
      if (!(e instanceof ProcessFailed)) throw e;
      throw new UpgradeFailed(`${what}: ${e.stderrTail.trim().split("\n").slice(-15).join("\n")}`);
    }
  }

  async update(dir: string, inputs: string[] | "all"): Promise<void> {
    const argv = inputs === "all"
      ? ["flake", "update", dir]
      : ["flake", "lock", ...inputs.flatMap((i) => ["--update-input", i]), dir];
    await this.nix(argv, `updating the inputs of ${dir}`);
  }

  async nixosHosts(dir: string): Promise<string[]> {
    const out = await this.nix(
      ["eval", "--json", `${dir}#nixosConfigurations`, "--apply", "builtins.attrNames"],
      `listing the nixosConfigurations of ${dir}`,
    );
    const names: unknown = JSON.parse(out);
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
      throw new UpgradeFailed(`${dir}: nixosConfigurations' names are not a list of strings`);
    }
    return names;
  }

  async build(dir: string, attr: string): Promise<Built> {
    const began = performance.now();
    const argv = ["nix", "build", ...this.args, "--no-link", "--json", "--keep-going", "-L"];
    const p = await run([...argv, `${dir}#${attr}`], {
      env: buildEnv(this.envNames),
      timeoutSeconds: this.timeoutSeconds,
      check: false,
    });
    const seconds = (performance.now() - began) / 1000;
    if (p.code === 0) {
      const built: unknown = JSON.parse(p.stdout);
      const path = Array.isArray(built) ? built[0]?.outputs?.out : undefined;
      if (typeof path !== "string" || !/^\/nix\/store\/[a-z0-9]{32}-[^/\s]+$/.test(path)) {
        throw new UpgradeFailed(`nix build ${attr}: no output path in its answer`);
      }
      return { path, seconds };
    }
    const log = parseNixLog(p.stderr);
    const first = log.failures.find((f) => f.drv) ?? log.failures[0];
    // An evaluation error's message spans lines (the code it points at): its first line is the
    // message, the rest its log.
    const [message, ...more] = first ? first.message.split("\n") : [];
    const logTail = first?.logTail.length ? first.logTail : more.filter((l) => l.trim() !== "");
    return {
      seconds,
      failure: first ? { drv: first.drv, message, logTail } : {
        drv: null,
        message: p.timedOut ? `timed out after ${this.timeoutSeconds}s` : `exit ${p.code}`,
        logTail: renderedTail(p.stderr),
      },
    };
  }

  diffClosures(before: string, after: string): Promise<string> {
    return this.nix(["store", "diff-closures", before, after], "nix store diff-closures");
  }

  async closureSize(path: string): Promise<number> {
    const info: unknown = JSON.parse(
      await this.nix(["path-info", "--json", "-S", path], "nix path-info"),
    );
    const size = Array.isArray(info) ? info[0]?.closureSize : undefined;
    if (typeof size !== "number") throw new UpgradeFailed(`nix path-info ${path}: no closureSize`);
    return size;
  }
}
