// Before any change: the builder and its system, the log file, and the build evaluated as it is.
import { join } from "node:path";
import type { Settings } from "../runtime/config.ts";
import { makeBuilder } from "../harvest/builders/make.ts";
import { buildExpression } from "../harvest/expression.ts";
import { readHashes } from "../harvest/literals.ts";
import type { ResolvedPackage } from "../nix/layout.ts";
import { InputError } from "../runtime/errors.ts";
import { evaluationError } from "../nix/build_log_lines.ts";
import { progress, timePhase } from "../runtime/log.ts";
import { parseBuilder } from "../runtime/config_schema.ts";
import { pathsOutside } from "../nix/paths.ts";
import type { Context, Prepared, StartedBuilder } from "./context.ts";

/** The system nix would report here: only used when nothing is built (--no-build). */
function localSystem(): string {
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return `${arch}-${Deno.build.os === "darwin" ? "darwin" : "linux"}`;
}

async function logFile(settings: Settings, name: string, version: string): Promise<string> {
  const dir = settings.log_dir ?? join(Deno.env.get("TMPDIR") ?? "/tmp", "upgrade-bot");
  await Deno.mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(dir, `${name}-${version}-${stamp}.log`);
}

/** Makes the builder and asks its system at once: the answer (a nix-instantiate here, an ssh
 * session to a build host) needs nothing from the checkout, so it comes while git and the package's
 * files are read. A run that ends before prepare (nothing to do, an error) leaves it unread. */
export function startBuilder(settings: Settings): StartedBuilder {
  if (settings.noBuild) return { builder: null, system: Promise.resolve(localSystem()) };
  const builder = makeBuilder(settings.builder, settings.ssh, settings.build.env);
  const system = timePhase("system", () => builder.system());
  system.catch(() => {});
  return { builder, system };
}

/** The builder and its system; every literal is located, and the build evaluated at the current
 * version before any package file changes: a failure there is the repository's or the config's,
 * not the new release's, so it stops the run (exit 2) with no branch and no card (the evaluation
 * starts before the builder's system is known and runs while the branch and the plan commit are
 * made; a failure removes them again). */
export async function prepare(ctx: Context): Promise<Prepared> {
  const { settings, package: pkg, dir } = ctx;
  const started = ctx.started ?? startBuilder(settings);
  const { builder } = started;
  // The log file and the tracked files: what the evaluation needs (not the builder's system, which
  // may still be on its way: an ssh session).
  const [log, files] = await Promise.all([
    builder ? logFile(settings, pkg.name, ctx.to) : null,
    builder ? ctx.tracked ?? ctx.git.trackedFiles(pkg.dir) : [],
  ]);
  if (builder && parseBuilder(settings.builder).kind !== "local") {
    await checkSentFiles(pkg, dir, files);
  }
  let evaluated: Promise<void> = Promise.resolve();
  if (builder) {
    evaluated = timePhase("evaluation", async () =>
      builder.build({
        dir,
        files,
        ...await buildExpression(pkg),
        args: settings.build.args,
        timeoutSeconds: settings.build.timeout_seconds,
        heartbeatSeconds: settings.build.heartbeat_seconds,
        logFile: log!,
        label: "evaluation",
        evaluateOnly: true,
      })).then((evaluation) => {
        if (evaluation.exitCode !== 0 || evaluation.timedOut) {
          throw new InputError(
            `${pkg.dir}/${pkg.build.file} does not evaluate at the current version ` +
              `${pkg.current}, before any change (a repository or config problem, not the new ` +
              `release's):\n${evaluationError(evaluation.output)}`,
          );
        }
      });
    // Awaited before a package file changes; until then it runs beside git.
    evaluated.catch(() => {});
  }
  let system: string;
  try {
    system = await started.system;
    const hashes = await readHashes(dir, pkg, system);
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
    progress(`evaluating ${pkg.dir}/${pkg.build.file} at ${pkg.current}`);
  }
  return { builder, system, log, files, evaluated };
}

/** A remote builder gets the package directory's tracked files and nothing else, and evaluates
 * with its own `<nixpkgs>` and flake registry: a path that leaves the directory cannot work there. */
async function checkSentFiles(
  pkg: ResolvedPackage,
  pkgDir: string,
  files: string[],
): Promise<void> {
  const texts = new Map<string, string>();
  for (const file of files.filter((f) => f.endsWith(".nix"))) {
    texts.set(file, await Deno.readTextFile(join(pkgDir, file)));
  }
  const outside = pathsOutside(texts);
  if (outside.length === 0) return;
  throw new InputError(
    `${pkg.dir}: ${
      outside.map((p) => `${p.file}:${p.line} imports ${p.path}`).join(", ")
    }, from outside the package directory. Only ${pkg.dir} is sent to the build ` +
      `host, so it cannot read that: move the file into the package directory`,
  );
}
