// Usage: the help text, the option table and what a command is handed after parsing.
import type { Config } from "../runtime/config.ts";
import type { CommonOptions } from "../flow/prepare.ts";

export const HELP = `upgrade-bot: keeps a from-source Nix build of authentik current.

Usage:
  deno run -A bot.ts [run] [--version X] [options]
      Cron mode. With no package configured, every package of the base branch built from a
      forge mirror (a Dockerfile package: a C1 pull request moving its version ARG; its failing
      checks said once). Answer /rebuild comments on the bot's pull request, then read the current
      version on the forge's base branch, find the newest release whose tags exist on every
      mirror, upgrade a clone on branch mikado/<chain> (Mikado C2 commits: plan, impl,
      finalize) and open or move the pull request. Token: $FORGE_TOKEN (config forge.token_env).
  deno run -A bot.ts upgrade --repo PATH --version X [options]
      The same upgrade on a local git checkout: bump, harvest every fixed-output hash with
      nix-build, verify the whole build, and commit on branch mikado/<chain>.
  deno run -A bot.ts inspect [--repo PATH] [--package NAME] [--json]
      With no --package: one line per package built from a forge mirror (name, kind nix or
      dockerfile, version, mirrors and tag patterns, hashes), what was left out and why, and
      the packages: config that says the same. With --package (a Nix package): its version
      literals, each hash literal (file, line, kind, harvested or pinned), what it builds, and
      the YAML config that says the same.
  deno run -A bot.ts event FILE
      Handle one Forgejo Actions issue_comment payload (FILE: usually $GITHUB_EVENT_PATH).
  deno run -A bot.ts serve --port N [--host ADDR]
      Receive Forgejo webhooks (issue_comment), signed with $WEBHOOK_SECRET
      (config webhook.secret_env); answer at once and run the work one at a time.
  deno run -A bot.ts --help

Options:
  --repo PATH        (upgrade, inspect) the target repository's git checkout (default: current directory)
  --version X        the version to upgrade to, like 2026.5.0 (run: forces it, even a skipped one)
  --package NAME     one package of the config's "packages" (run: needed with --version when
                     there are several; upgrade, inspect, event: which one)
  --config FILE      YAML config (default: upgrade-bot.yaml if present, else the built-in
                     blumeops layout; see README.md)
  --builder B        local | ssh://[user@]host[:port]  (default: config "builder", ssh://ringtail)
  --dry-run          change nothing: build on a scratch copy and print the commits, the diff and
                     (run) the pull request it would post
  --no-build         bump the version and reset the hashes to placeholders without building
  --json             make the last line of stdout one JSON object with the whole report
  --port N, --host A (serve) where to listen (default host 127.0.0.1)
  -h, --help         this text

Exit codes: 0 done or nothing to do (also: another run holds the lock); 1 the upgrade failed
(build error, non-reproducible FOD, unreachable builder or forge); 2 usage, config or input
error; 130 interrupted.
`;

export const OPTIONS = {
  repo: { type: "string" },
  version: { type: "string" },
  package: { type: "string" },
  config: { type: "string" },
  builder: { type: "string" },
  "dry-run": { type: "boolean" },
  "no-build": { type: "boolean" },
  json: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const COMMANDS = ["upgrade", "inspect", "run", "event", "serve"] as const;

/** The parsed command line and the config it names, as each command receives them. */
export interface Invocation {
  values: {
    repo?: string;
    version?: string;
    package?: string;
    json?: boolean;
    port?: string;
    host?: string;
  };
  /** event: the payload file. */
  file?: string;
  config: Config;
  common: CommonOptions;
}

/** A usage error: says so on stderr and gives exit code 2. */
export function usageError(message: string): number {
  console.error(`upgrade-bot: ${message} (see --help)`);
  return 2;
}
