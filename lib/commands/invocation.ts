// What a command is handed: the flags of the command line (each one's metavariable, help and check), their values, the config, the settings and the packages.
import type { Config, PackageSpec, Settings } from "../runtime/config.ts";
import { builderProblem } from "../runtime/config_schema.ts";

/** A flag: its metavariable (none for a switch), one line of help, and a check of its value. */
export interface Flag {
  meta?: string;
  help: string;
  /** What is wrong with the value, or null. */
  problem?: (value: string) => string | null;
}

export const FLAGS = {
  repo: { meta: "PATH", help: "the target repository's git checkout (default: current directory)" },
  version: {
    meta: "X",
    help: "the version to upgrade to, like 2026.5.0 (run: forces it, even a skipped one)",
  },
  package: {
    meta: "NAME",
    help:
      'one package of the config\'s "packages" (run: needed with --version when there are several)',
  },
  config: {
    meta: "FILE",
    help: "YAML config (default: upgrade-bot.yaml if present, else the built-in blumeops layout)",
  },
  builder: {
    meta: "B",
    help: 'local | ssh://[user@]host[:port] (default: config "builder", ssh://ringtail)',
    problem: builderProblem,
  },
  "dry-run": {
    help: "change nothing: build on a scratch copy and print the commits, the diff and the pull " +
      "request it would post",
  },
  "no-build": { help: "bump the version and reset the hashes to placeholders without building" },
  json: { help: "make the last line of stdout one JSON object with the whole report" },
  port: {
    meta: "N",
    help: "the port to listen on",
    problem: (value) =>
      /^\d{1,5}$/.test(value) && Number(value) <= 65535
        ? null
        : `--port ${value}: not a port number`,
  },
  host: { meta: "ADDR", help: "the address to listen on (default 127.0.0.1)" },
} satisfies Record<string, Flag>;

export type FlagName = keyof typeof FLAGS;

/** What a command module exports: the command, given the parsed command line and the config. */
export type CommandMain = (i: Invocation) => Promise<number>;

/** The values parseArgs gives for the flag table. */
export type FlagValues = {
  [F in FlagName]?: (typeof FLAGS)[F] extends { meta: string } ? string : boolean;
};

/** The parsed command line, the run's settings and the packages, as each command receives them. */
export interface Invocation {
  values: FlagValues;
  /** event: the payload file. */
  file?: string;
  /** The config as read (with no package configured, inspect's and upgrade's: over the
   * checkout's scanned packages); the run's scan of the base branch starts from it. */
  config: Config;
  settings: Settings;
  /** The packages the command covers: all, or the one --package names (upgrade, and inspect
   * with --package: exactly one). */
  packages: PackageSpec[];
}
