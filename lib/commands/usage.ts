// The command table: each command's summary, arguments, flags and module; the help text, the
// synopsis and the argument checks are all made from it.
import { parseArgs } from "node:util";
import {
  type CommandMain,
  type Flag,
  type FlagName,
  FLAGS,
  type FlagValues,
} from "./invocation.ts";

// The flags, from where the tests read them.
export { type FlagName, FLAGS } from "./invocation.ts";

export interface Command {
  /** What it does, in a few lines of help. */
  summary: string;
  /** Its positional arguments (metavariables), each required. */
  positionals: string[];
  /** The flags it needs, then the flags it takes besides them. */
  required: FlagName[];
  flags: FlagName[];
  /** upgrade and inspect work on one package: the one --package names, or the only one. */
  onePackage: boolean;
  /** Its module, loaded only when it runs: a cron run never loads what `serve` needs. */
  load: () => Promise<CommandMain>;
}

const BUILD_FLAGS: FlagName[] = ["config", "builder", "dry-run", "no-build"];

export const COMMANDS = {
  run: {
    summary:
      "Cron mode (the default). With no package configured, every version the base branch pins " +
      "that the bot can follow (inspect lists them): Nix and Dockerfile packages built from forge " +
      "mirrors, Dockerfile ARGs from other sources (PyPI, an Alpine index, a FROM base's registry, " +
      "GitHub releases), upstream images (their registry's tags), ArgoCD Applications at a " +
      "mirror's tag, and flake inputs (on schedule). For each, find the newest ready release and " +
      "open or move its pull request: a C1 version bump (its failing checks said once), or for a " +
      "Nix package a clone upgraded on branch mikado/<chain> (Mikado C2 commits: plan, impl, " +
      "finalize; every fixed-output hash harvested and the build verified). After a merge, pin " +
      "each built image's new tag in the manifests that deploy it. Answer /rebuild comments on " +
      "the bot's pull requests and /upgrade comments on its dashboard issue, which it keeps. " +
      "Token: $FORGE_TOKEN (config forge.token_env).",
    positionals: [],
    required: [],
    flags: ["package", "version", ...BUILD_FLAGS, "json"],
    onePackage: false,
    load: async () => (await import("./run.ts")).runCommand,
  },
  upgrade: {
    summary:
      "A Nix package's upgrade on a local git checkout: bump, harvest every fixed-output hash with " +
      "nix-build, verify the whole build, and commit on branch mikado/<chain>.",
    positionals: [],
    required: ["version"],
    flags: ["repo", "package", ...BUILD_FLAGS, "json"],
    onePackage: true,
    load: async () => (await import("./upgrade.ts")).upgradeCommand,
  },
  inspect: {
    summary:
      "With no --package: one line per package found (name, kind: nix, dockerfile, application, " +
      "image or flake, version, where new versions come from, hashes), what was left out and " +
      "why, and the packages: config that says the same. With --package (a Nix package): its version " +
      "literals, each hash literal (file, line, kind, harvested or pinned), what it builds, and " +
      "the YAML config that says the same.",
    positionals: [],
    required: [],
    flags: ["repo", "package", "config", "json"],
    onePackage: true,
    load: async () => (await import("./inspect.ts")).inspectCommand,
  },
  event: {
    summary: "Handle one Forgejo Actions issue_comment payload (FILE: usually $GITHUB_EVENT_PATH).",
    positionals: ["FILE"],
    required: [],
    flags: BUILD_FLAGS,
    onePackage: false,
    load: async () => (await import("./event.ts")).eventCommand,
  },
  serve: {
    summary: "Receive Forgejo webhooks (issue_comment), signed with $WEBHOOK_SECRET (config " +
      "webhook.secret_env); answer at once and run the work one at a time.",
    positionals: [],
    required: ["port"],
    flags: ["host", ...BUILD_FLAGS],
    onePackage: false,
    load: async () => (await import("./serve.ts")).serveCommand,
  },
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;

/** How every command line starts: the permission set of deno.json, never -A. */
export const PROGRAM = "deno run -P bot.ts";

const flagWords = (name: FlagName) => {
  const meta = (FLAGS[name] as Flag).meta;
  return meta ? `--${name} ${meta}` : `--${name}`;
};

/** One command's synopsis line: positionals, the flags it needs, then `[--flag META]` for the others. */
export function synopsisLine(name: CommandName): string {
  const c: Command = COMMANDS[name];
  return [
    PROGRAM,
    name === "run" ? "[run]" : name,
    ...c.positionals,
    ...c.required.map(flagWords),
    ...c.flags.map((f) => `[${flagWords(f)}]`),
  ].join(" ");
}

/** The synopsis: one line per command, then --help (README.md shows these lines as they are). */
export function synopsis(): string[] {
  return [...(Object.keys(COMMANDS) as CommandName[]).map(synopsisLine), `${PROGRAM} --help`];
}

/** `text` in lines of at most 100 characters, the first starting with `first`, the others with `next`. */
function wrap(text: string, first: string, next = first): string {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= 100) lines[last] += " " + word;
    else lines.push((last >= 0 ? next : first) + word);
  }
  return lines.join("\n");
}

/** The option list: each flag with its help and, when not every command takes it, which do. */
function optionLines(names: FlagName[], sayWhich: boolean): string[] {
  const all = Object.keys(COMMANDS) as CommandName[];
  const width = Math.max(...names.map((f) => flagWords(f).length));
  return names.map((f) => {
    const takers = all.filter((c) => takes(c, f));
    const which = !sayWhich || takers.length === all.length ? "" : `(${takers.join(", ")}) `;
    return wrap(which + FLAGS[f].help, `  ${flagWords(f).padEnd(width)}  `, " ".repeat(width + 4));
  });
}

const EXIT_CODES =
  `Exit codes: 0 done or nothing to do (also: another run holds the lock); 1 the upgrade failed
(build error, non-reproducible FOD, unreachable builder or forge); 2 usage, config or input
error, or a permission the bot was not given; 130 interrupted.`;

const PERMISSIONS =
  `Permissions: -P grants what deno.json's "permissions" declare: the programs the bot runs, and
the network, files and variables, which its config names at run time. Never -A.`;

/** `--help`: every command's synopsis line and summary, every flag, permissions and exit codes. */
export function helpText(): string {
  const flags = Object.keys(FLAGS) as FlagName[];
  const commands = (Object.keys(COMMANDS) as CommandName[]).map((name) =>
    `  ${synopsisLine(name)}\n${wrap(COMMANDS[name].summary, "      ")}`
  );
  return [
    "upgrade-bot: keeps the versions a repository pins current on a Forgejo forge.",
    "",
    "Usage:",
    ...commands,
    `  ${PROGRAM} --help`,
    "",
    "Options:",
    ...optionLines(flags, true),
    `  ${"-h, --help".padEnd(Math.max(...flags.map((f) => flagWords(f).length)))}  ` +
    "this text; after a command, that command's",
    "",
    PERMISSIONS,
    "",
    EXIT_CODES,
  ].join("\n");
}

/** `COMMAND --help`: its synopsis line, its summary and its flags. */
export function commandHelp(name: CommandName): string {
  const c: Command = COMMANDS[name];
  return [
    `Usage: ${synopsisLine(name)}`,
    "",
    wrap(c.summary, ""),
    ...(c.required.length + c.flags.length
      ? ["", "Options:", ...optionLines([...c.required, ...c.flags], false)]
      : []),
  ].join("\n");
}

/** Whether `command` takes `flag` (--help aside, which every command takes). */
export function takes(command: CommandName, flag: FlagName): boolean {
  const c: Command = COMMANDS[command];
  return c.required.includes(flag) || c.flags.includes(flag);
}

const PARSE_OPTIONS = {
  ...Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [name, { type: "meta" in f ? "string" : "boolean" }]),
  ),
  help: { type: "boolean", short: "h" },
} as Record<string, { type: "string" | "boolean"; short?: string }>;

/** A command line as the table reads it: help asked for, a usage error, or a command to run. */
export type CommandLine =
  | { help: string }
  | { error: string }
  | { command: CommandName; values: FlagValues; positionals: string[] };

/** Reads `argv` against the table: every flag known and taken by the command, every positional
 * there, every required flag given, every value well formed. */
export function parseCommandLine(argv: string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: PARSE_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return { error: (e as Error).message };
  }
  const { help, ...values } = parsed.values as FlagValues & { help?: boolean };
  const [name = "run", ...rest] = parsed.positionals;
  if (!Object.hasOwn(COMMANDS, name)) return { error: `unknown command "${name}"` };
  const command = name as CommandName;
  if (help) return { help: parsed.positionals.length ? commandHelp(command) : helpText() };
  const c: Command = COMMANDS[command];
  for (const flag of Object.keys(values) as FlagName[]) {
    if (!takes(command, flag)) {
      const taken = [...c.required, ...c.flags].map((f) => `--${f}`).join(", ");
      return {
        error: `${command} does not take --${flag}` + (taken ? ` (it takes ${taken})` : ""),
      };
    }
    const problem = (FLAGS[flag] as Flag).problem?.(String(values[flag]));
    if (problem) return { error: problem };
  }
  if (rest.length < c.positionals.length) {
    return { error: `${command} needs the ${c.positionals[rest.length]} argument` };
  }
  if (rest.length > c.positionals.length) {
    return { error: `unexpected argument "${rest[c.positionals.length]}"` };
  }
  const missing = c.required.find((f) => values[f] === undefined);
  if (missing) return { error: `${command} needs ${flagWords(missing)}` };
  return { command, values, positionals: rest };
}

/** A usage error: says so on stderr and gives exit code 2. */
export function usageError(message: string): number {
  console.error(`upgrade-bot: ${message} (see --help)`);
  return 2;
}
