// upgrade-bot entry point: arguments -> one command; exit codes.
import process from "node:process";
import { parseArgs } from "node:util";
import { loadConfig } from "./lib/runtime/config.ts";
import { parseBuilder } from "./lib/runtime/config_schema.ts";
import { redact, timings } from "./lib/runtime/log.ts";
import { COMMANDS, HELP, type Invocation, OPTIONS, usageError } from "./lib/commands/usage.ts";
import { upgradeCommand } from "./lib/commands/upgrade.ts";
import { inspectCommand } from "./lib/commands/inspect.ts";
import { runCommand } from "./lib/commands/run.ts";
import { eventCommand } from "./lib/commands/event.ts";
import { serveCommand } from "./lib/commands/serve.ts";

// zx passes commands to a shell by design (each argument quoted by zx); Node's warning about it is noise.
(process as { noDeprecation?: boolean }).noDeprecation = true;

const COMMAND: Record<(typeof COMMANDS)[number], (i: Invocation) => Promise<number>> = {
  upgrade: upgradeCommand,
  inspect: inspectCommand,
  run: runCommand,
  event: eventCommand,
  serve: serveCommand,
};

async function main(argv: string[]): Promise<number> {
  // Since the process started: Deno's start and loading the modules.
  timings.start = performance.now() / 1000;
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
  if (!(COMMANDS as readonly string[]).includes(command)) {
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
  return await COMMAND[command as keyof typeof COMMAND]({ values, file, config, common });
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
