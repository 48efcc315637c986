// Git: the few repository operations the bot needs, each run with an argument array (no shell).
import { InputError, UpgradeFailed } from "./errors.ts";
import { redact, timePhase } from "./log.ts";
import { type ProcessOptions, type ProcessOutput, run } from "./process.ts";

export interface Author {
  name: string;
  email: string;
}

/** Where git reaches a repository, and the environment it needs there (how a token travels). */
export interface Remote {
  url: string;
  env: Record<string, string>;
}

/** git commands that reach a remote. */
const NETWORK_COMMANDS = new Set(["push", "fetch", "clone", "ls-remote", "pull"]);

/** Every commit and fetch would otherwise start `git maintenance run --auto` (another git process,
 * at times a gc repacking the repository mid-run) on the bot's clock. The bot's few commits need
 * no housekeeping: its clones are thrown away, and a checkout's owner keeps theirs as usual. */
const NO_HOUSEKEEPING = ["-c", "maintenance.auto=false", "-c", "gc.auto=0"];

const AUTH_FAILURE_RE = /Authentication failed|returned error: 40[13]\b|could not read Username/;

export class Git {
  /** `env` reaches every git process: how a token travels (never in argv or .git/config). */
  constructor(
    readonly dir: string,
    private author?: Author,
    private env: Record<string, string> = {},
  ) {}

  /** Runs git with an argument array (and `stdin`, if given); a failure names the command and
   * git's own words. */
  async run(args: string[], stdin?: string): Promise<string> {
    return (await this.checked(args, { stdin })).stdout;
  }

  /** `run`, its output as bytes: what frames its answer in bytes (`git cat-file --batch`). */
  async bytes(args: string[], stdin?: string): Promise<Uint8Array> {
    return (await this.checked(args, { stdin, bytes: true })).stdoutBytes!;
  }

  private async checked(
    args: string[],
    options: Pick<ProcessOptions, "stdin" | "bytes">,
  ): Promise<ProcessOutput> {
    const identity = this.author
      ? ["-c", `user.name=${this.author.name}`, "-c", `user.email=${this.author.email}`]
      : [];
    const out = await this.exec([...identity, ...args], options);
    if (out.code !== 0) {
      const said = out.stderr.trim() || out.stdout.trim();
      const message = `git ${args[0]} failed in ${this.dir}: ${said}`;
      // Talking to the forge: a rejected push or an unreachable forge is the run's failure (exit
      // 1); a rejected token stays a setup error (exit 2), as it is for the API.
      if (NETWORK_COMMANDS.has(args[0]) && !AUTH_FAILURE_RE.test(said)) {
        throw new UpgradeFailed(message);
      }
      throw new InputError(message);
    }
    return out;
  }

  // Straight to git, no shell in between: the bot runs git a dozen times a run, and each shell
  // would cost more than the git command itself. git gets the bot's environment (the user's HOME
  // and git settings; the secrets left it when read) and `env` on top.
  private async exec(
    args: string[],
    options: Pick<ProcessOptions, "stdin" | "bytes"> = {},
  ): Promise<ProcessOutput> {
    return await timePhase("git", () =>
      run(["git", ...NO_HOUSEKEEPING, ...args], {
        ...options,
        cwd: this.dir,
        env: this.env,
        inheritEnv: true,
        check: false,
      }));
  }

  async topLevel(): Promise<string> {
    try {
      return (await this.run(["rev-parse", "--show-toplevel"])).trim();
    } catch (e) {
      // git said no; anything else (git missing, not permitted to run it) says so itself.
      if (!(e instanceof InputError)) throw e;
      throw new InputError(`${this.dir} is not a git checkout`);
    }
  }

  /** The work tree as one git process sees it: clean or not (untracked files count), the branch
   * checked out (null: a detached HEAD) and the commit HEAD is at. */
  async state(): Promise<{ clean: boolean; branch: string | null; head: string }> {
    const lines = (await this.run(["status", "--porcelain=v2", "--branch"])).split("\n");
    const header = (key: string) =>
      lines.find((l) => l.startsWith(`# ${key} `))?.slice(key.length + 3) ?? "";
    const head = header("branch.oid");
    if (!/^[0-9a-f]{40,64}$/.test(head)) {
      throw new InputError(`${this.dir} has no commit yet`);
    }
    const branch = header("branch.head");
    return {
      clean: lines.every((l) => l === "" || l.startsWith("# ")),
      branch: branch === "(detached)" ? null : branch,
      head,
    };
  }

  /** The sha `ref` points at, or null when there is no such ref. */
  async sha(ref: string): Promise<string | null> {
    const out = await this.exec(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    return out.code === 0 ? out.stdout.trim() : null;
  }

  /** Tracked files below `subdir`, relative to it. */
  async trackedFiles(subdir: string): Promise<string[]> {
    const out = await this.run(["ls-files", "-z", "--", subdir]);
    const prefix = subdir.replace(/\/?$/, "/");
    return out.split("\0").filter(Boolean).map((f) =>
      f.startsWith(prefix) ? f.slice(prefix.length) : f
    );
  }

  /** The unified diff of what `base..HEAD` changed, with a/ and b/ prefixes whatever the user's
   * git config says. */
  async diff(base: string): Promise<string> {
    return await this.run(
      ["diff", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", base, "HEAD"],
    );
  }

  /** Commits exactly `paths` (relative to the top level) and returns the new commit's sha.
   * `untracked` (by default all of `paths`) are the ones that may be new files, added first; git
   * commits a tracked path as the work tree has it, so a commit of tracked files only is one git
   * process. */
  async commit(paths: string[], message: string, untracked = paths): Promise<string> {
    if (untracked.length > 0) await this.run(["add", "--", ...untracked]);
    // The summary line names the new commit ("[branch <sha>] subject"), in full with core.abbrev=40:
    // one git process fewer than asking rev-parse afterwards.
    const out = await this.run([
      "-c",
      "core.abbrev=40",
      "commit",
      "-m",
      redact(message),
      "--",
      ...paths,
    ]);
    const sha = /^\[.* ([0-9a-f]{40})\] /m.exec(out)?.[1];
    return sha ?? (await this.run(["rev-parse", "HEAD"])).trim();
  }
}
