// Git: the few repository operations the bot needs, each an argument array through zx.
import { $ } from "zx";
import { InputError } from "./errors.ts";

export interface Author {
  name: string;
  email: string;
}

export class Git {
  /** `env` reaches every git process: how a token travels (never in argv or .git/config). */
  constructor(
    readonly dir: string,
    private author?: Author,
    private env: Record<string, string> = {},
  ) {}

  /** Runs git with an argument array; a failure names the command and git's own words. */
  async run(args: string[]): Promise<string> {
    const identity = this.author
      ? ["-c", `user.name=${this.author.name}`, "-c", `user.email=${this.author.email}`]
      : [];
    const env = { ...Deno.env.toObject(), ...this.env };
    const p = await $({ cwd: this.dir, nothrow: true, quiet: true, env })`git ${identity} ${args}`;
    if (p.exitCode !== 0) {
      throw new InputError(
        `git ${args[0]} failed in ${this.dir}: ${p.stderr.trim() || p.stdout.trim()}`,
      );
    }
    return p.stdout;
  }

  async topLevel(): Promise<string> {
    try {
      return (await this.run(["rev-parse", "--show-toplevel"])).trim();
    } catch {
      throw new InputError(`${this.dir} is not a git checkout`);
    }
  }

  async isClean(): Promise<boolean> {
    return (await this.run(["status", "--porcelain"])).trim() === "";
  }

  async currentBranch(): Promise<string> {
    return (await this.run(["rev-parse", "--abbrev-ref", "HEAD"])).trim();
  }

  /** The sha `ref` points at, or null when there is no such ref. */
  async sha(ref: string): Promise<string | null> {
    const p = await $({
      cwd: this.dir,
      nothrow: true,
      quiet: true,
    })`git rev-parse --verify --quiet ${`${ref}^{commit}`}`;
    return p.exitCode === 0 ? p.stdout.trim() : null;
  }

  /** Tracked files below `subdir`, relative to it. */
  async trackedFiles(subdir: string): Promise<string[]> {
    const out = await this.run(["ls-files", "-z", "--", subdir]);
    const prefix = subdir.replace(/\/?$/, "/");
    return out.split("\0").filter(Boolean).map((f) =>
      f.startsWith(prefix) ? f.slice(prefix.length) : f
    );
  }

  /** Commits exactly `paths` (relative to the top level) and returns the new commit's sha. */
  async commit(paths: string[], message: string): Promise<string> {
    await this.run(["add", "--", ...paths]);
    await this.run(["commit", "--quiet", "-m", message, "--", ...paths]);
    return (await this.run(["rev-parse", "HEAD"])).trim();
  }
}
