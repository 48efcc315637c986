// `run` (cron): every package's pull request brought up to its newest ready release, then the dashboard, under the lock.
import { runPackages, type RunSummary, summaryExitCode } from "../flow/cron.ts";
import { packageSpecs, selectPackages } from "../runtime/config.ts";
import { type DashboardSummary, withDashboard } from "../dashboard/board.ts";
import type { LeftOut } from "../dashboard/rows.ts";
import { writtenLike } from "../images/tags.ts";
import { connect } from "../platform/connect.ts";
import { forRun } from "../platform/forge.ts";
import { baseReads, scanBase } from "../repository/packages.ts";
import { RunClone, withLock } from "../runtime/workspace.ts";
import { escapeControls, phaseTimings, redact, seconds, timePhase } from "../runtime/log.ts";
import { reportJson, reportText } from "../flow/report.ts";
import { baseFiles } from "../flow/context.ts";
import type { Invocation } from "./invocation.ts";

export async function runCommand(
  { values, config, settings, packages }: Invocation,
): Promise<number> {
  const forge = forRun(await connect(settings));
  let several = config.packages !== null;
  let specs = packages;
  const result = await withLock(settings, "run", async () => {
    // --package and --version narrow the run to one package: no pins (a full run's step).
    const pin = !values.package && !values.version;
    // One clone of the base for the scan and the pins, with the history the pins read.
    const clone = new RunClone(
      settings,
      forge.gitRemote(settings.forge.repo),
      pin && settings.deploy !== null,
      baseReads(config, packages.map((p) => p.service_versions?.file)),
    );
    try {
      return await scanAndRun(clone, pin);
    } finally {
      await clone.remove();
    }
  });
  async function scanAndRun(clone: RunClone, pin: boolean) {
    // No package configured: every package the base branch builds from a forge mirror.
    // What the scan left out: the dashboard's rows of the services no package watches say why.
    let leftOut: LeftOut = null;
    if (settings.scan) {
      const { config: scanned, scan } = await timePhase(
        "scan",
        () => scanBase(config, forge, clone),
      );
      several = scanned.packages !== null;
      specs = selectPackages(packageSpecs(scanned), scanned.source, values.package);
      leftOut = [...scan.unresolved, ...scan.unwatched];
    }
    // service-versions.yaml and the manifests: read once, for every package and the dashboard.
    const files = baseFiles(forge, settings);
    const o = {
      settings,
      packages: specs,
      files,
      leftOut,
      version: values.version,
      package: values.package,
    };
    return await withDashboard(
      o,
      forge,
      (versions) =>
        runPackages(settings, specs, forge, files, values.version, versions, pin ? clone : null),
    );
  }
  if (result === null) {
    console.log("skipped: another run holds the lock");
    return 0;
  }
  // Each package's versions as its files write them (an image's two-part tag: `18.4`).
  const written = (name: string) => writtenLike(specs.find((p) => p.name === name)?.image?.tag);
  return printSummary(result, values.json, several, written);
}

/** One package (no `packages:` in the config): its report as before, the follow-through after it.
 * Several: each package's report under its name, then one line per package. */
function printSummary(
  s: DashboardSummary,
  json: boolean | undefined,
  several: boolean,
  written: (name: string) => (version: string) => string,
): number {
  const lines: string[] = [];
  for (const p of s.packages) {
    if (several) lines.push(`== ${p.package}`);
    if (p.report) lines.push(reportText(p.report, written(p.package)));
    if (p.followThrough && p.followThrough.state !== "none") {
      lines.push(`follow-through: ${p.followThrough.message}`);
    }
    if (p.error) {
      lines.push(`${p.outcome === "not run" ? "NOT RUN" : "FAILED"}: ${p.error.message}`);
    }
  }
  if (several) {
    lines.push(
      `run: ${s.packages.length} packages, ${
        s.requests - s.registryRequests - s.sourceRequests
      } forge requests` +
        (s.registryRequests ? `, ${s.registryRequests} at image registries` : "") +
        (s.sourceRequests ? `, ${s.sourceRequests} at version sources` : "") +
        `, ${seconds(s.seconds)}`,
    );
    for (const p of s.packages) {
      const r = p.report;
      const w = written(p.package);
      const what = r && !r.upToDate ? ` ${w(r.version.from)} -> ${w(r.version.to)}` : "";
      const pull = r?.pull?.number ? ` #${r.pull.number}` : "";
      const builds = r && r.builds ? `, ${r.builds} builds` : "";
      lines.push(
        `  ${p.package}: ${p.outcome}${pull}${what}${builds}` +
          (p.followThrough && p.followThrough.state !== "none"
            ? `; deploy: ${p.followThrough.state}`
            : ""),
      );
    }
  }
  for (const pin of s.pins?.pins ?? []) if (pin.state !== "pinned") lines.push(pin.message);
  // The packages done keep their outcomes above; this says why the others did not run.
  if (s.stopped) lines.push(`STOPPED: ${s.stopped.message}`);
  if (s.dashboard?.changed) lines.push(`dashboard: ${s.dashboard.message}`);
  console.log(escapeControls(redact(lines.join("\n"))));
  if (json) {
    const one = (p: RunSummary["packages"][number]) => ({
      ...(p.report ? JSON.parse(reportJson(p.report)) : { package: p.package }),
      outcome: p.outcome,
      error: p.error?.message ?? null,
      followThrough: p.followThrough,
    });
    const line = several
      ? {
        packages: s.packages.map(one),
        pins: s.pins,
        timings: phaseTimings(),
        stopped: s.stopped?.message ?? null,
        requests: s.requests,
        registryRequests: s.registryRequests,
        sourceRequests: s.sourceRequests,
        seconds: s.seconds,
        dashboard: s.dashboard?.message ?? null,
      }
      : { ...one(s.packages[0]), pins: s.pins, dashboard: s.dashboard?.message ?? null };
    console.log(redact(JSON.stringify(line)));
  }
  return summaryExitCode(s);
}
