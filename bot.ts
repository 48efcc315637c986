// upgrade-bot entry point: parse arguments, load config, dispatch to a command.
import process from "node:process";
import { parseArgs } from "node:util";
import { loadConfig, parseBuilder } from "./lib/runtime/config.ts";
import {
  connect,
  eventCommand,
  formatReport,
  inspect,
  type Report,
  run,
  serveCommand,
  upgrade,
  withLock,
} from "./lib/commands.ts";
import { redact } from "./lib/runtime/log.ts";

// zx passes commands to a shell by design (each argument quoted by zx); Node's warning about it is noise.
(process as { noDeprecation?: boolean }).noDeprecation = true;

const HELP = `upgrade-bot: keeps a from-source Nix build of authentik current.

Usage:
  deno run -A bot.ts [run] [--version X] [options]
      Cron mode. Answer /rebuild comments on the bot's pull request, then read the current
      version on the forge's base branch, find the newest release whose tags exist on every
      mirror, upgrade a clone on branch mikado/<chain> (Mikado C2 commits: plan, impl,
      finalize) and open or move the pull request. Token: $FORGE_TOKEN (config forge.token_env).
  deno run -A bot.ts upgrade --repo PATH --version X [options]
      The same upgrade on a local git checkout: bump, harvest every fixed-output hash with
      nix-build, verify the whole build, and commit on branch mikado/<chain>.
  deno run -A bot.ts inspect [--repo PATH] [--json]
      Print what the bot finds in the package with no configuration: the version literals,
      each hash literal (file, line, kind, harvested or pinned), what it builds, and the
      YAML config that says the same.
  deno run -A bot.ts event FILE
      Handle one Forgejo Actions issue_comment payload (FILE: usually $GITHUB_EVENT_PATH).
  deno run -A bot.ts serve --port N [--host ADDR]
      Receive Forgejo webhooks (issue_comment), signed with $WEBHOOK_SECRET
      (config webhook.secret_env); answer at once and run the work one at a time.
  deno run -A bot.ts --help

Options:
  --repo PATH        (upgrade, inspect) the target repository's git checkout (default: current directory)
  --version X        the version to upgrade to, like 2026.5.0 (run: forces it, even a skipped one)
  --config FILE      YAML config (default: upgrade-bot.yaml if present, else the built-in
                     blumeops layout; see README.md)
  --builder B        local | ssh://[user@]host[:port]  (default: config "builder", ssh://ringtail)
  --dry-run          change nothing: build on a scratch copy and print the commits, the diff and
                     (run) the pull request it would post
  --no-build         bump the version and reset the hashes to placeholders without building
  --json             make the last line of stdout one JSON object with the whole report
  --port N, --host A (serve) where to listen (default host 0.0.0.0)
  -h, --help         this text

Exit codes: 0 done or nothing to do (also: another run holds the lock); 1 the upgrade failed
(build error, non-reproducible FOD, unreachable builder or forge); 2 usage, config or input
error; 130 interrupted.
`;

const OPTIONS = {
  repo: { type: "string" },
  version: { type: "string" },
  config: { type: "string" },
  builder: { type: "string" },
  "dry-run": { type: "boolean" },
  "no-build": { type: "boolean" },
  json: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [command = "run", ...rest] = positionals;
  if (!["upgrade", "inspect", "run", "event", "serve"].includes(command)) {
    return usageError(`unknown command "${command}"`);
  }
  const [file, ...extra] = command === "event" ? rest : [undefined, ...rest];
  if (extra.length) return usageError(`unexpected argument "${extra[0]}"`);
  if (command === "event" && !file) return usageError("event needs the payload FILE");
  if (values.repo !== undefined && command !== "upgrade" && command !== "inspect") {
    return usageError("--repo is for upgrade and inspect; the others clone the forge's repository");
  }
  if (values.builder !== undefined) parseBuilder(values.builder);
  const config = await loadConfig(values.config);
  const common = {
    config,
    builder: values.builder ?? config.builder,
    dryRun: values["dry-run"] ?? false,
    noBuild: values["no-build"] ?? false,
  };
  if (command === "inspect") {
    const found = await inspect(config, values.repo ?? ".");
    console.log(values.json ? JSON.stringify(found.json) : found.text);
    return 0;
  }
  if (command === "upgrade") {
    if (!values.version) return usageError("upgrade needs --version X");
    return report(
      await upgrade({ ...common, repo: values.repo ?? ".", version: values.version }),
      values.json,
    );
  }
  const { forge, token } = await connect(config);
  if (command === "serve") {
    if (!values.port || !/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
      return usageError("serve needs --port N");
    }
    return await serveCommand(common, forge, token, Number(values.port), values.host ?? "0.0.0.0");
  }
  if (command === "event") {
    console.log(await eventCommand(common, forge, token, file!));
    return 0;
  }
  const result = await withLock(
    config,
    "run",
    () => run({ ...common, version: values.version }, forge, token),
  );
  if (result === null) {
    console.log("skipped: another run holds the lock");
    return 0;
  }
  return report(result, values.json);
}

function report(r: Report, json: boolean | undefined): number {
  console.log(redact(formatReport(r)));
  // The diff was printed above; the JSON line carries everything else.
  if (json) console.log(redact(JSON.stringify({ ...r, diff: undefined })));
  return r.failure ? 1 : 0;
}

function usageError(message: string): number {
  console.error(`upgrade-bot: ${message} (see --help)`);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    console.error(redact(`upgrade-bot: ${(e as Error).message}`));
    if (code === undefined) console.error(redact((e as Error).stack ?? ""));
    Deno.exit(code ?? 1);
  }
}
