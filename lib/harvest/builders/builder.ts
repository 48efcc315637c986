// Builders: what a build is asked and answers, and the builder a spec names (local or ssh://).
import { parseBuilder } from "../../runtime/config_schema.ts";
import type { HostPlatforms } from "../../nix/machines.ts";
import { LocalBuilder } from "./local.ts";
import { SshBuilder } from "./ssh.ts";

export interface BuildRequest {
  /** Local directory holding the package's files (the checkout's or a scratch copy). */
  dir: string;
  /** The files of `dir` a remote builder needs (relative paths). */
  files: string[];
  /** A Nix expression, evaluated in the package directory, whose derivations are built. */
  expr: string;
  /** When `expr` is a function: the nix arguments it is called with (`--arg NAME EXPR`,
   * `--argstr NAME VALUE`). */
  exprArgs?: string[];
  /** Extra nix-build arguments. */
  args: string[];
  timeoutSeconds: number;
  heartbeatSeconds: number;
  /** Where the whole nix output is written. */
  logFile: string;
  /** Names this build in progress lines ("round 2"). */
  label: string;
  /** Only evaluate and instantiate (nix-instantiate), build nothing. */
  evaluateOnly?: boolean;
  /** Instantiate, then print each fixed-output derivation of the closure as a line
   * `upgrade-bot-fod <drv> <algo> <base16 hash>` (read from the .drv files on the builder). It may
   * run beside a build logging to the same file: its part of the log follows that build's. */
  listFixedOutputs?: boolean;
}

export interface BuildResult {
  output: string;
  exitCode: number;
  seconds: number;
  timedOut: boolean;
}

export interface Builder {
  readonly description: string;
  /** The builder's Nix system (x86_64-linux): the key of per-system hashes it can check. */
  system(): Promise<string>;
  /** The builder's CPU count (asked along with the system), to divide among parallel jobs. */
  cores(): Promise<number>;
  /** Its system, extra platforms and `builders` (with the machines files they name), asked only
   * when a per-system hash has other systems' entries to harvest. */
  platforms(): Promise<HostPlatforms>;
  build(request: BuildRequest): Promise<BuildResult>;
}

/** `env`: names of variables, besides the clean environment (PATH, HOME, locale, NIX_*), that
 * builds may see (config build.env). */
export function makeBuilder(
  spec: string,
  ssh: { config_file: string | null; options: string[] },
  env: string[] = [],
): Builder {
  const remote = sshTarget(spec, ssh);
  if (remote === null) return new LocalBuilder(env);
  return new SshBuilder(spec, remote.target, remote.args, env);
}

/** The ssh destination and arguments of an `ssh://` builder spec; null for `local`. */
export function sshTarget(
  spec: string,
  ssh: { config_file: string | null; options: string[] },
): { target: string; args: string[] } | null {
  const parsed = parseBuilder(spec);
  if (parsed.kind === "local") return null;
  const args = [
    "-o",
    "BatchMode=yes",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=4",
    "-o",
    "ConnectTimeout=20",
    ...(ssh.config_file ? ["-F", ssh.config_file] : []),
    ...ssh.options,
    ...(parsed.port ? ["-p", String(parsed.port)] : []),
  ];
  const target = parsed.user ? `${parsed.user}@${parsed.host}` : parsed.host;
  return { target, args };
}
