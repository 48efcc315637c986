// Before any change: the flow options, the builder and its system, and the build evaluated as it is.
import { join } from "node:path";
import type { Config } from "../runtime/config.ts";
import { type Builder, makeBuilder } from "../harvest/builders/builder.ts";
import { buildExpression } from "../harvest/expression.ts";
import { readHashes } from "../harvest/literals.ts";
import type { ChainOptions } from "../mikado/chain.ts";
import type { Report } from "./report.ts";
import type { Layout } from "../nix/layout.ts";
import type { Git } from "../runtime/git.ts";
import { InputError } from "../runtime/errors.ts";
import { evaluationError } from "../nix/logread.ts";
import { progress, timePhase } from "../runtime/log.ts";
import { parseBuilder } from "../runtime/config_schema.ts";
import { pathsOutside } from "../nix/paths.ts";

export interface CommonOptions {
  config: Config;
  builder: string;
  dryRun: boolean;
  noBuild: boolean;
}

/** The system nix would report here: only used when nothing is built (--no-build). */
function localSystem(): string {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return `${arch}-${Deno.build.os === "darwin" ? "darwin" : "linux"}`;
}

async function logFile(config: Config, version: string): Promise<string> {
  const dir = config.log_dir ?? join(Deno.env.get("TMPDIR") ?? "/tmp", "upgrade-bot");
  await Deno.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(dir, `${config.package.name}-${version}-${stamp}.log`);
}

/** What prepare found: the builder (null: --no-build), its system, the log file and the package's
 * tracked files (what a remote builder gets). */
export interface Prepared {
  builder: Builder | null;
  system: string;
  log: string | null;
  files?: string[];
  /** The evaluation at the current version: it rejects (InputError) when the build does not
   * evaluate. The chain awaits it before it changes any package file. */
  evaluated?: Promise<void>;
}

/** The chain's options: the report's versions and date, in `top`, with what prepare found. */
export function chainOptions(
  report: Report,
  config: Config,
  git: Git,
  top: string,
  env: Prepared,
): ChainOptions {
  return {
    git,
    top,
    config,
    from: report.version.from,
    to: report.version.to,
    builder: env.builder,
    system: env.system,
    date: report.date,
    logFile: env.log,
    files: env.files,
    evaluated: env.evaluated,
  };
}

/** The builder (null: --no-build) and the question of its system, already asked. */
export interface StartedBuilder {
  builder: Builder | null;
  system: Promise<string>;
}

/** Makes the builder and asks its system at once: the answer (a nix-instantiate here, an ssh
 * session to a build host) needs nothing from the checkout, so it comes while git and the package's
 * files are read. A run that ends before prepare (nothing to do, an error) leaves it unread. */
export function startBuilder(o: CommonOptions): StartedBuilder {
  if (o.noBuild) return { builder: null, system: Promise.resolve(localSystem()) };
  const builder = makeBuilder(o.builder, o.config.ssh, o.config.build.env);
  const system = timePhase("system", () => builder.system());
  system.catch(() => {});
  return { builder, system };
}

/** The builder and its system; every literal is located, and the build evaluated at the current
 * version before any package file changes: a failure there is the repository's or the config's,
 * not the new release's, so it stops the run (exit 2) with no branch and no card (the evaluation
 * starts before the builder's system is known and runs while the branch and the plan commit are
 * made; a failure removes them again). */
export async function prepare(
  o: CommonOptions,
  layout: Layout,
  git: Git,
  pkgDir: string,
  to: string,
  started: StartedBuilder = startBuilder(o),
): Promise<Prepared> {
  const { config } = layout;
  const { builder } = started;
  // The log file and the tracked files: what the evaluation needs (not the builder's system, which
  // may still be on its way: an ssh session).
  const [log, files] = await Promise.all([
    builder ? logFile(config, to) : null,
    builder ? git.trackedFiles(config.package.dir) : undefined,
  ]);
  if (builder && parseBuilder(o.builder).kind !== "local") {
    await checkSentFiles(config, pkgDir, files!);
  }
  let evaluated: Promise<void> = Promise.resolve();
  if (builder) {
    evaluated = timePhase("evaluation", async () =>
      builder.build({
        dir: pkgDir,
        files: files!,
        ...await buildExpression(config),
        args: config.build.args,
        timeoutSeconds: config.build.timeout_seconds,
        heartbeatSeconds: config.build.heartbeat_seconds,
        logFile: log!,
        label: "evaluation",
        evaluateOnly: true,
      })).then((evaluation) => {
        if (evaluation.exitCode !== 0 || evaluation.timedOut) {
          throw new InputError(
            `${config.package.dir}/${config.build.file} does not evaluate at the current version ` +
              `${layout.version}, before any change (a repository or config problem, not the new ` +
              `release's):\n${evaluationError(evaluation.output)}`,
          );
        }
      });
    // Awaited by the chain before it changes a package file; until then it runs beside git.
    evaluated.catch(() => {});
  }
  let system: string;
  try {
    system = await started.system;
    const hashes = await readHashes(pkgDir, config, system);
    if (builder && hashes.some((h) => h.otherSystems.length > 0)) {
      // Which systems the host builds, asked beside the git work; the harvest awaits the answer
      // (and sees its error, if any).
      builder.platforms().catch(() => {});
    }
  } catch (e) {
    // The run stops here: its evaluation is over before the error is reported.
    await evaluated.catch(() => {});
    throw e;
  }
  if (builder) {
    progress(`building on ${builder.description} (${system}); full log: ${log}`);
    progress(`evaluating ${config.package.dir}/${config.build.file} at ${layout.version}`);
  }
  return { builder, system, log, files, evaluated };
}

/** A remote builder gets the package directory's tracked files and nothing else, and evaluates
 * with its own `<nixpkgs>` and flake registry: a path that leaves the directory cannot work there. */
async function checkSentFiles(config: Config, pkgDir: string, files: string[]): Promise<void> {
  const texts = new Map<string, string>();
  for (const file of files.filter((f) => f.endsWith(".nix"))) {
    texts.set(file, await Deno.readTextFile(join(pkgDir, file)));
  }
  const outside = pathsOutside(texts);
  if (outside.length === 0) return;
  throw new InputError(
    `${config.package.dir}: ${
      outside.map((p) => `${p.file}:${p.line} imports ${p.path}`).join(", ")
    }, from outside the package directory. Only ${config.package.dir} is sent to the build ` +
      `host, so it cannot read that: move the file into the package directory`,
  );
}
