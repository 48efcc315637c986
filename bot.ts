// upgrade-bot entry point: arguments -> one command; exit codes.
import process from "node:process";
import { parseArgs } from "node:util";
import { loadConfig } from "./lib/runtime/config.ts";
import { selectPackages } from "./lib/flow/packages.ts";
import { parseBuilder } from "./lib/runtime/config_schema.ts";
import { redact, timings } from "./lib/runtime/log.ts";
import { COMMANDS, HELP, type Invocation, OPTIONS, usageError } from "./lib/commands/usage.ts";

// zx passes commands to a shell by design (each argument quoted by zx); Node's warning about it is noise.
(process as { noDeprecation?: boolean }).noDeprecation = true;

/** Each command's module, loaded only when it runs: a cron run never loads what `upgrade` or
 * `serve` need, and the other way round. */
const COMMAND: Record<(typeof COMMANDS)[number], (i: Invocation) => Promise<number>> = {
  upgrade: async (i) => (await import("./lib/commands/upgrade.ts")).upgradeCommand(i),
  inspect: async (i) => (await import("./lib/commands/inspect.ts")).inspectCommand(i),
  run: async (i) => (await import("./lib/commands/run.ts")).runCommand(i),
  event: async (i) => (await import("./lib/commands/event.ts")).eventCommand(i),
  serve: async (i) => (await import("./lib/commands/serve.ts")).serveCommand(i),
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
  let config = await loadConfig(values.config);
  if (values.package !== undefined && !["run", "upgrade", "inspect"].includes(command)) {
    return usageError("--package is for run, upgrade and inspect");
  }
  if (config.scan && (command === "inspect" || (command === "upgrade" && values.package))) {
    // No package configured: the checkout's packages (upgrade without --package: the default).
    const { scanLocal } = await import("./lib/repository/packages.ts");
    config = (await scanLocal(config, values.repo ?? ".")).config;
  }
  const listing = command === "inspect" && values.package === undefined && config.packages !== null;
  if ((command === "upgrade" || command === "inspect") && !listing) {
    // One package: the one --package names, or the only one.
    const configs = selectPackages(config, values.package);
    if (configs.length > 1) {
      return usageError(
        `the config has several packages (${configs.map((c) => c.package.name).join(", ")}): ` +
          `name one with --package NAME`,
      );
    }
    config = configs[0];
    if (command === "upgrade" && config.package.kind === "dockerfile") {
      return usageError(
        `${config.package.name} is built from its Dockerfile: upgrade builds Nix packages; the ` +
          `cron run (run) opens its pull request`,
      );
    }
  } else if (values.package !== undefined && !config.scan) {
    // (With no package configured, the names are known once the run has scanned the base.)
    selectPackages(config, values.package);
  }
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
