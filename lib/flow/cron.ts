// Every package of the config in one cron run: close what is done, upgrade, follow through; one outcome each.
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import { errorOutcome, InputError } from "../runtime/errors.ts";
import { asPackage, progress, timePhase } from "../runtime/log.ts";
import { atOnce } from "../runtime/at_once.ts";
import { permissionProblem } from "../runtime/permissions.ts";
import { kindOf } from "./kinds.ts";
import { ImageRegistries } from "../images/registries.ts";
import { VersionSources } from "../sources/client.ts";
import { type FollowThrough, followThrough } from "./follow_through.ts";
import type { Report } from "./report.ts";
import type { BaseFiles, RunShared } from "./context.ts";
import { type PinRun, pinStep } from "./pins.ts";
import type { RunClone } from "../runtime/workspace.ts";

/** What one package's part of the run came to. */
export interface PackageOutcome {
  package: string;
  /** opened, updated, would open or update, up to date, tag moved, failed, not run (the run
   * stopped before it). */
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
  /** What stopped the run before every package was done (a permission the bot lacks, Ctrl-C):
   * the packages done keep their outcomes, those not started say so. */
  stopped: { message: string; exitCode: number } | null;
  seconds: number;
  /** Requests of the whole run: the forge API, the image registries and the ARGs' sources. */
  requests: number;
  /** Of them, the image registries' (lib/images/registries.ts). */
  registryRequests: number;
  /** Of them, the ARGs' sources' (PyPI, Alpine indexes: lib/sources/client.ts). */
  sourceRequests: number;
  /** Every built image's pin and the drift the base branch shows (lib/flow/pins.ts); null: the
   * step failed (said in the progress lines) or the run has no deploy settings. */
  pins: PinRun | null;
}

/** The cron run over every package, several at once: a failure in one never stops the others. */
export async function runPackages(
  settings: Settings,
  specs: PackageSpec[],
  forge: Forge,
  /** The base branch's files, read once a run (lib/flow/context.ts: baseFiles). */
  files: BaseFiles,
  /** --version: force this version (its tags must exist on every mirror). */
  version?: string,
  /** A version per package, as `--version` forces one (the dashboard's `/upgrade`). */
  versions?: Map<string, string>,
  /** Pin every built image after the packages (lib/flow/pins.ts), in the run's clone of the base:
   * a full run's step; null: no pins. */
  pinClone: RunClone | null = null,
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
  const registries = new ImageRegistries(settings, specs);
  const sources = settings.sources
    ? new VersionSources(settings.sources, settings.registries ? registries : null)
    : undefined;
  // What the packages share: read once a run (lib/flow/context.ts).
  const shared: RunShared = { open, files, registries, sources };
  const outcomes = specs.map((spec): PackageOutcome => ({
    package: spec.name,
    outcome: "failed",
    report: null,
    error: null,
    closed: null,
    followThrough: null,
  }));
  let stopped: RunSummary["stopped"] = null;
  /** Records what stopped `out`'s package; a permission the bot lacks (every package's) or
   * Ctrl-C stops the start of the packages after it, the others' outcomes kept. */
  const fail = (out: PackageOutcome, e: unknown, what = "") => {
    const error = errorOutcome(e, what);
    if (!what) out.outcome = "failed";
    out.error = error;
    const stops = permissionProblem(e) !== null || error.exitCode === 130;
    if (stops) {
      stopped ??= { message: `${out.package}: ${error.message}`, exitCode: error.exitCode };
    }
    progress(
      `${out.package}: ${error.message} (${
        stops ? "no further package starts" : "the other packages go on"
      })`,
    );
  };
  const one = async (spec: PackageSpec, out: PackageOutcome) => {
    const name = spec.name;
    if (stopped) {
      out.outcome = "not run";
      out.error = {
        message: `the run stopped before it, at ${stopped.message}`,
        exitCode: stopped.exitCode,
      };
      return;
    }
    const wanted = versions?.get(name) ?? version;
    // Its kind's step (lib/flow/kinds.ts): a Nix package's is runPackage (cron_package.ts).
    const kind = kindOf(spec);
    try {
      out.report = await kind.run(settings, spec, forge, wanted, shared);
    } catch (e) {
      // One package: its error is the run's, as before (bot.ts names it).
      if (specs.length === 1) throw e;
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
    if (!kind.followsThrough) return;
    try {
      out.followThrough = await followThrough(settings, spec, forge, files, r.baseVersion, closed);
      progress(`${name}: ${out.followThrough.message}`);
    } catch (e) {
      if (specs.length === 1 && permissionProblem(e)) throw e;
      fail(out, e, "follow-through: ");
    }
  };
  // Side by side: each package in its own clone, its builds sharing the build host (Nix schedules
  // them), its progress lines named; nothing two packages write is shared.
  const several = specs.length > 1;
  await timePhase("packages", () =>
    atOnce(
      specs.map((spec, i) => () =>
        several ? asPackage(spec.name, () => one(spec, outcomes[i])) : one(spec, outcomes[i])
      ),
      settings.packages_at_once,
    ));
  const followed = specs.map((s, i) => ({ spec: s, state: outcomes[i].followThrough?.state }));
  const pins = pinClone
    ? await timePhase("pins", () => pinStep(settings, forge, open, closed, followed, pinClone))
    : null;
  return {
    packages: outcomes,
    stopped,
    seconds: (performance.now() - began) / 1000,
    requests: forge.requests + registries.requests + (sources?.requests ?? 0),
    registryRequests: registries.requests,
    sourceRequests: sources?.requests ?? 0,
    pins,
  };
}

/** The run's exit code: what stopped it (Ctrl-C: 130), else the first package's that failed,
 * else 0. */
export function summaryExitCode(s: RunSummary): number {
  if (s.stopped) return s.stopped.exitCode;
  for (const p of s.packages) {
    if (p.error) return p.error.exitCode;
    if (p.report?.failure) return 1;
  }
  return 0;
}
