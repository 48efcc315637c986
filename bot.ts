// upgrade-bot entry point: arguments -> one command; exit codes.
import { loadConfig, packageSpecs, runSettings, selectPackages } from "./lib/runtime/config.ts";
import { escapeControls, redact, timePhase, timings } from "./lib/runtime/log.ts";
import { COMMANDS, parseCommandLine, usageError } from "./lib/commands/usage.ts";
import { permissionProblem } from "./lib/runtime/permissions.ts";

async function main(argv: string[]): Promise<number> {
  // Since the process started: Deno's start and loading the modules.
  timings.start = performance.now() / 1000;
  const line = parseCommandLine(argv);
  if ("help" in line) {
    console.log(line.help);
    return 0;
  }
  if ("error" in line) return usageError(line.error);
  const { command, values, positionals: [file] } = line;
  let config = await loadConfig(values.config);
  if (config.scan && (command === "inspect" || (command === "upgrade" && values.package))) {
    // No package configured: the checkout's packages (upgrade without --package: the default).
    const { scanLocal } = await import("./lib/repository/packages.ts");
    config = (await scanLocal(config, values.repo ?? ".")).config;
  }
  let packages = packageSpecs(config);
  // inspect with no --package lists every package; the other one-package commands pick one.
  const listing = command === "inspect" && values.package === undefined && config.packages !== null;
  if (COMMANDS[command].onePackage && !listing) {
    // One package: the one --package names, or the only one.
    packages = selectPackages(packages, config.source, values.package);
    if (packages.length > 1) {
      return usageError(
        `the config has several packages (${packages.map((p) => p.name).join(", ")}): ` +
          `name one with --package NAME`,
      );
    }
    // upgrade loads the flow anyway: its kinds are read only then.
    const kind = command === "upgrade"
      ? (await import("./lib/flow/kinds.ts")).kindOf(packages[0])
      : null;
    if (kind && !kind.upgradesLocally) {
      return usageError(
        `${packages[0].name} ${kind.is}: upgrade builds Nix packages; the cron run (run) opens ` +
          `its pull request`,
      );
    }
  } else if (values.package !== undefined && !config.scan) {
    // (With no package configured, the names are known once the run has scanned the base.)
    packages = selectPackages(packages, config.source, values.package);
  }
  const settings = runSettings(config, {
    builder: values.builder,
    dryRun: values["dry-run"],
    noBuild: values["no-build"],
  });
  const run = await timePhase("load", () => COMMANDS[command].load());
  return await run({ values, file, config, settings, packages });
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    const permission = permissionProblem(e);
    if (permission) {
      console.error(escapeControls(redact(`upgrade-bot: ${permission}`)));
      Deno.exit(2);
    }
    const code = (e as { exitCode?: number }).exitCode;
    // An error's message can quote what a tag, a title or a program printed.
    console.error(escapeControls(redact(`upgrade-bot: ${(e as Error).message}`)));
    if (code === undefined) console.error(escapeControls(redact((e as Error).stack ?? "")));
    Deno.exit(code ?? 1);
  }
}
