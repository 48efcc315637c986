// Every package of the config in one cron run: close what is done, upgrade, follow through; one outcome each.
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import { InputError } from "../runtime/errors.ts";
import { asPackage, progress } from "../runtime/log.ts";
import { atOnce } from "../runtime/at_once.ts";
import { permissionProblem } from "../runtime/permissions.ts";
import { runPackage } from "./cron_package.ts";
import { runDockerfile } from "./dockerfile.ts";
import { runApplication } from "./application.ts";
import { type FollowThrough, followThrough } from "./follow_through.ts";
import type { Report } from "./report.ts";

/** What one package's part of the run came to. */
export interface PackageOutcome {
  package: string;
  /** opened, updated, would open or update, up to date, tag moved, failed. */
  outcome: string;
  /** The upgrade's report; null when the package failed before it had one. */
  report: Report | null;
  /** The error that stopped this package (the others went on). */
  error: { message: string; exitCode: number } | null;
  /** The bot's pull request closed because the base branch reached its version. */
  closed: string | null;
  followThrough: FollowThrough | null;
}

export interface RunSummary {
  packages: PackageOutcome[];
  seconds: number;
  /** Forge API requests of the whole run. */
  requests: number;
}

/** The cron run over every package, several at once: a failure in one never stops the others. */
export async function runPackages(
  settings: Settings,
  specs: PackageSpec[],
  forge: Forge,
  /** --version: force this version (its tags must exist on every mirror). */
  version?: string,
  /** A version per package, as `--version` forces one (the dashboard's `/upgrade`). */
  versions?: Map<string, string>,
): Promise<RunSummary> {
  const began = performance.now();
  if (version && specs.length > 1) {
    throw new InputError(
      `--version ${version}: the config has several packages (${
        specs.map((p) => p.name).join(", ")
      }): name one with --package NAME`,
    );
  }
  let closedPulls: Promise<Pull[]> | null = null;
  const closed = () => closedPulls ??= forge.pulls(settings.forge.repo, "closed");
  let openPulls: Promise<Pull[]> | null = null;
  const open = () => openPulls ??= forge.pulls(settings.forge.repo, "open");
  const outcomes = specs.map((spec): PackageOutcome => ({
    package: spec.name,
    outcome: "failed",
    report: null,
    error: null,
    closed: null,
    followThrough: null,
  }));
  const one = async (spec: PackageSpec, out: PackageOutcome) => {
    const name = spec.name;
    const wanted = versions?.get(name) ?? version;
    const run = spec.kind === "dockerfile"
      ? runDockerfile
      : spec.kind === "application"
      ? runApplication
      : runPackage;
    try {
      out.report = await run(settings, spec, forge, wanted, { open });
    } catch (e) {
      // A permission the bot lacks is every package's: it stops the run, named (bot.ts).
      if (specs.length === 1 || permissionProblem(e)) throw e;
      fail(out, e);
      return;
    }
    const r = out.report;
    out.closed = r.closed;
    out.outcome = r.failure
      ? "failed"
      : r.moved.length
      ? "tag moved"
      : r.upToDate
      ? "up to date"
      : r.pull?.action ?? "upgraded";
    // A Dockerfile's image is the repository's workflow's, an Application's ArgoCD's: no
    // follow-through by the bot.
    if (run !== runPackage) return;
    try {
      out.followThrough = await followThrough(settings, spec, forge, r.baseVersion, closed);
      progress(`${name}: ${out.followThrough.message}`);
    } catch (e) {
      if (permissionProblem(e)) throw e;
      fail(out, e, "follow-through: ");
    }
  };
  // Side by side: each package in its own clone, its builds sharing the build host (Nix schedules
  // them), its progress lines named; nothing two packages write is shared.
  const several = specs.length > 1;
  await atOnce(
    specs.map((spec, i) => () =>
      several ? asPackage(spec.name, () => one(spec, outcomes[i])) : one(spec, outcomes[i])
    ),
    settings.packages_at_once,
  );
  return {
    packages: outcomes,
    seconds: (performance.now() - began) / 1000,
    requests: forge.requests,
  };
}

/** Records what stopped a package; the run goes on with the next (not after Ctrl-C). */
function fail(out: PackageOutcome, e: unknown, what = ""): void {
  const exitCode = (e as { exitCode?: number }).exitCode ?? 1;
  if (exitCode === 130) throw e;
  if (!what) out.outcome = "failed";
  out.error = { message: what + (e as Error).message, exitCode };
  progress(`${out.package}: ${out.error.message} (the other packages go on)`);
}

/** The run's exit code: the first package's that failed, else 0. */
export function summaryExitCode(s: RunSummary): number {
  for (const p of s.packages) {
    if (p.error) return p.error.exitCode;
    if (p.report?.failure) return 1;
  }
  return 0;
}
