// The build host's Nix for a flake: its inputs updated, its outputs built, two closures compared; on this machine or, over ssh, on the build host (the flake's files shipped to a temp dir there).
import { join } from "node:path";
import { buildEnv } from "../harvest/builders/stream.ts";
import { sshTarget } from "../harvest/builders/make.ts";
import { parseNixLog } from "../nix/build_log.ts";
import { renderedTail } from "../nix/build_log_lines.ts";
import { UpgradeFailed } from "../runtime/errors.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { type ProcessOutput, run } from "../runtime/process.ts";
import type { Settings } from "../runtime/config.ts";

/** A built output: its store path (on the host's store), or why it failed. */
export type Built =
  | { path: string; seconds: number }
  | { failure: { drv: string | null; message: string; logTail: string[] }; seconds: number };

/** What the flake step asks of the build host. */
export interface FlakeHost {
  readonly description: string;
  /** Updates the lock of the flake in `dir` (a directory of the checkout) on the host, and
   * leaves the new lock in `dir`: every input, or only `inputs`. */
  update(dir: string, inputs: string[] | "all"): Promise<void>;
  /** The names of its `nixosConfigurations`. */
  nixosHosts(dir: string): Promise<string[]>;
  build(dir: string, attr: string): Promise<Built>;
  diffClosures(before: string, after: string): Promise<string>;
  /** The closure's size in bytes. */
  closureSize(path: string): Promise<number>;
  /** Removes what the host keeps of the flake (the ssh host's temp dir). */
  close(): Promise<void>;
}

/** The builder the run names (`builder`: local or ssh://), for flakes. */
export function makeFlakeHost(settings: Settings, files: (dir: string) => Promise<string[]>) {
  const { args, env, timeout_seconds } = settings.build;
  const remote = sshTarget(settings.builder, settings.ssh);
  return remote
    ? new SshFlakeHost(settings.builder, remote, files, args, env, timeout_seconds)
    : new LocalFlakeHost(args, env, timeout_seconds);
}

const STORE_PATH = /^\/nix\/store\/[a-z0-9]{32}-[^/\s]+$/;

/** The Nix commands, wherever they run. */
abstract class NixFlakeHost implements FlakeHost {
  abstract readonly description: string;

  constructor(protected args: string[], protected envNames: string[], protected timeout: number) {}

  /** Runs `argv` on the host; `check`: a failure throws. */
  protected abstract exec(argv: string[], check: boolean): Promise<ProcessOutput>;
  /** The flake's directory on the host. */
  protected abstract at(dir: string): Promise<string>;
  /** After an update: the host's new lock into `dir`. */
  protected abstract fetchLock(dir: string, at: string): Promise<void>;
  abstract close(): Promise<void>;

  private async nix(argv: string[], what: string): Promise<string> {
    const p = await this.exec(["nix", ...argv.slice(0, 2), ...this.args, ...argv.slice(2)], false);
    if (p.code === 0) return p.stdout;
    const said = p.timedOut ? `timed out after ${this.timeout}s` : p.stderr.trim();
    throw new UpgradeFailed(
      `${what} on ${this.description}: ${said.split("\n").slice(-15).join("\n")}`,
    );
  }

  async update(dir: string, inputs: string[] | "all"): Promise<void> {
    const at = await this.at(dir);
    const argv = inputs === "all"
      ? ["flake", "update", at]
      : ["flake", "lock", ...inputs.flatMap((i) => ["--update-input", i]), at];
    await this.nix(argv, `updating the inputs of ${dir}`);
    await this.fetchLock(dir, at);
  }

  async nixosHosts(dir: string): Promise<string[]> {
    const out = await this.nix(
      [
        "eval",
        "--json",
        `${await this.at(dir)}#nixosConfigurations`,
        "--apply",
        "builtins.attrNames",
      ],
      `listing the nixosConfigurations of ${dir}`,
    );
    const names: unknown = JSON.parse(out);
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string" && /^[\w-]+$/.test(n))) {
      throw new UpgradeFailed(`${dir}: nixosConfigurations' names are not a list of host names`);
    }
    return names;
  }

  async build(dir: string, attr: string): Promise<Built> {
    const began = performance.now();
    const flake = `${await this.at(dir)}#${attr}`;
    const p = await this.exec(
      ["nix", "build", ...this.args, "--no-link", "--json", "--keep-going", "-L", flake],
      false,
    );
    const seconds = (performance.now() - began) / 1000;
    if (p.code === 0) {
      const built: unknown = JSON.parse(p.stdout);
      const path = Array.isArray(built) ? built[0]?.outputs?.out : undefined;
      if (typeof path !== "string" || !STORE_PATH.test(path)) {
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
        message: p.timedOut ? `timed out after ${this.timeout}s` : `exit ${p.code}`,
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

/** Nix on this machine, in the clean environment, on the checkout's own directory. */
export class LocalFlakeHost extends NixFlakeHost {
  readonly description = "local";

  protected exec(argv: string[], check: boolean): Promise<ProcessOutput> {
    return run(argv, { env: buildEnv(this.envNames), timeoutSeconds: this.timeout, check });
  }

  protected at(dir: string): Promise<string> {
    return Promise.resolve(dir);
  }

  protected fetchLock(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A word for the host's shell, which parses what ssh sends: single-quoted. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Nix on the build host over ssh: the flake directory's tracked files are written into a temp
 * dir there (each file base64 in a quoted here-document of one script on stdin), every command
 * runs through `sh -s` with its words quoted, the new lock is read back, and the dir is removed. */
export class SshFlakeHost extends NixFlakeHost {
  private shipped = new Map<string, Promise<string>>();

  constructor(
    readonly description: string,
    private remote: { target: string; args: string[] },
    private files: (dir: string) => Promise<string[]>,
    args: string[],
    envNames: string[],
    timeout: number,
  ) {
    super(args, envNames, timeout);
  }

  private script(script: string, check: boolean): Promise<ProcessOutput> {
    return run(["ssh", ...this.remote.args, "--", this.remote.target, "sh", "-s"], {
      env: buildEnv(this.envNames),
      stdin: script,
      timeoutSeconds: this.timeout,
      check,
    });
  }

  protected exec(argv: string[], check: boolean): Promise<ProcessOutput> {
    return this.script(`exec ${argv.map(quote).join(" ")}\n`, check);
  }

  protected at(dir: string): Promise<string> {
    let shipped = this.shipped.get(dir);
    if (!shipped) this.shipped.set(dir, shipped = this.ship(dir));
    return shipped;
  }

  private async ship(dir: string): Promise<string> {
    const lines = [
      "set -e",
      `d=$(mktemp -d "\${TMPDIR:-/tmp}/upgrade-bot-flake.XXXXXX")`,
      `cd "$d"`,
    ];
    for (const file of await this.files(dir)) {
      if (!/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/.test(file) || file.split("/").includes("..")) {
        throw new UpgradeFailed(`${dir}/${file}: a file name the bot does not ship`);
      }
      const bytes = await Deno.readFile(join(dir, file));
      const parent = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : ".";
      lines.push(
        `mkdir -p ${quote(parent)}`,
        `base64 -d > ${quote(file)} <<'UPGRADE_BOT_EOF'`,
        ...(btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join("")).match(/.{1,76}/g) ??
          []),
        "UPGRADE_BOT_EOF",
      );
    }
    lines.push(`echo "upgrade-bot-dir $d"`);
    const p = await this.script(lines.join("\n") + "\n", false);
    const at = /^upgrade-bot-dir (\/[A-Za-z0-9._/-]+)$/m.exec(p.stdout)?.[1];
    if (p.code !== 0 || !at) {
      throw new UpgradeFailed(
        `build host ${this.description}: could not write the flake's files: ${
          p.stderr.trim().slice(-500) || `ssh exited ${p.code}`
        }`,
      );
    }
    return at;
  }

  protected async fetchLock(dir: string, at: string): Promise<void> {
    const p = await this.exec(["cat", `${at}/flake.lock`], true);
    await writeFileAtomic(join(dir, "flake.lock"), p.stdout);
  }

  async close(): Promise<void> {
    for (const shipped of this.shipped.values()) {
      const at = await shipped.catch(() => null);
      if (at) await this.exec(["rm", "-rf", "--", at], false).catch(() => {});
    }
  }
}
