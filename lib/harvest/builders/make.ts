// The builder a spec names: local, or ssh://[user@]host[:port] with the run's ssh options.
import { parseBuilder } from "../../runtime/config_schema.ts";
import type { Builder } from "./builder.ts";
import { LocalBuilder } from "./local.ts";
import { SshBuilder } from "./ssh.ts";

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
