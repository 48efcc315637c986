// The dashboard issue on the forge around a cron run: found once, its /upgrade comments taken in, its body edited only when it changed.
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Comment, Forge, Issue } from "../platform/forge.ts";
import type { RunSummary } from "../flow/cron.ts";
import type { BaseFiles } from "../flow/context.ts";
import { errorOutcome } from "../runtime/errors.ts";
import { answered, mayCommand, replyOnce } from "../flow/comments.ts";
import { ownTags } from "../flow/releases.ts";
import { kindOf } from "../flow/kinds.ts";
import { newerVersions } from "../nix/versions.ts";
import { deniedReply, uncheckedReply } from "../mikado/pull_text.ts";
import { listServices } from "../mikado/service_versions.ts";
import { SERVICE_VERSIONS_FILE } from "../site/defaults.ts";
import { progress, redact } from "../runtime/log.ts";
import { findDashboard } from "./marker.ts";
import { renderDashboard, renderedOn } from "./render.ts";
import { dashboardRows, type LeftOut } from "./rows.ts";
import { serviceNotes } from "./pin_notes.ts";
import { packageStatus } from "./states.ts";
import { writtenLike } from "../images/tags.ts";
import {
  outcomeText,
  parseUpgrade,
  refusedReply,
  upgradeReply,
  type UpgradeRequest,
} from "./commands.ts";

/** A cron run's options as far as the dashboard cares. */
export interface DashboardOptions {
  settings: Settings;
  /** Every package of the config. */
  packages: PackageSpec[];
  /** The base branch's files, read once a run: service-versions.yaml gives the packages' current
   * versions and the table from the same text, for one request. */
  files: BaseFiles;
  /** What the scan of the base branch left out, for the rows of services no package watches
   * (lib/dashboard/rows.ts); absent: no scan, the config lists the packages. */
  leftOut?: LeftOut;
  /** `--package`, `--version`: a narrowed or forced run knows too little to redraw the table. */
  package?: string;
  version?: string;
}

/** The run's summary and what became of the dashboard, in one line (`changed`: something to
 * tell; a dashboard left as it was is no news). */
export type DashboardSummary = RunSummary & {
  dashboard: { message: string; changed: boolean } | null;
};

/** An `/upgrade` taken in: the comment, and the version it runs (resolved for `/upgrade NAME`). */
interface Taken {
  comment: number;
  request: UpgradeRequest;
}

/** Runs `run` (the packages, with the versions `/upgrade` comments ask for) between reading the
 * dashboard and redrawing it. Only a full run (no `--package`, no `--version`) keeps the
 * dashboard; a dry run reads it and says what it would do. The dashboard failing never stops an
 * upgrade: it is said in the summary's `dashboard` line. */
export async function withDashboard(
  o: DashboardOptions,
  forge: Forge,
  run: (versions: Map<string, string>) => Promise<RunSummary>,
): Promise<DashboardSummary> {
  const dashboard = o.settings.dashboard;
  if (!dashboard || o.package !== undefined || o.version !== undefined) {
    return { ...await run(new Map()), dashboard: null };
  }
  const repo = o.settings.forge.repo;
  let found: { me: string; issue: Issue | null; duplicates: Issue[] } | null = null;
  let taken: Taken[] = [];
  const problems: string[] = [];
  try {
    const me = await forge.whoami();
    found = { me, ...findDashboard(await forge.issues(repo, me), me) };
    if (found.issue && !o.settings.dryRun) taken = await takeCommands(o, forge, found.issue, me);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const versions = new Map(
    taken.flatMap((t) => t.request.version ? [[t.request.name, t.request.version]] : []),
  );
  const answer = async (outcome: (name: string) => string) => {
    for (const t of found?.issue ? taken : []) {
      const text = upgradeReply(t.request, outcome(t.request.name), t.comment);
      await replyOnce(forge, repo, found!.issue!.number, found!.me, t.comment, text).catch((e) =>
        problems.push(`replying to comment ${t.comment}: ${(e as Error).message}`)
      );
    }
  };
  let summary: RunSummary;
  let thrown: { error: unknown } | null = null;
  try {
    summary = await run(versions);
  } catch (e) {
    // Not a package's outcome (those are kept in the summary): every comment hears it.
    if (o.packages.length !== 1) {
      await answer(() => outcomeText({ error: errorOutcome(e), report: null, outcome: "failed" }));
      throw e;
    }
    // A run of one package stops on its error: its comments hear so, and its row says so.
    thrown = { error: e };
    summary = {
      packages: [{
        package: o.packages[0].name,
        outcome: "failed",
        report: null,
        error: errorOutcome(e),
        closed: null,
        followThrough: null,
      }],
      stopped: null,
      seconds: 0,
      requests: forge.requests,
      registryRequests: 0,
      sourceRequests: 0,
      pins: null,
    };
  }
  // Each reply speaks for its own package.
  await answer((name) =>
    outcomeText(
      summary.packages.find((p) => p.package === name),
      writtenLike(o.packages.find((p) => p.name === name)?.image?.tag),
    )
  );
  let drawn = { message: "", changed: false };
  if (found) {
    drawn = await redraw(o, forge, summary, found, dashboard.title).catch((e) => {
      problems.push((e as Error).message);
      return drawn;
    });
  }
  const message = problems.length ? `FAILED: ${problems.join("; ")}` : drawn.message;
  progress(`dashboard: ${message}`);
  if (thrown) throw thrown.error;
  const changed = problems.length > 0 || taken.length > 0 || drawn.changed;
  return {
    ...summary,
    requests: forge.requests + summary.registryRequests + summary.sourceRequests,
    dashboard: { message, changed },
  };
}

/** The `/upgrade` comments on the dashboard not answered yet, each claimed (the `eyes`
 * reaction) and checked as `/rebuild` is: who may, a known package, a release version. Refused
 * ones are answered at once; the others are answered after the run. */
async function takeCommands(
  o: DashboardOptions,
  forge: Forge,
  issue: Issue,
  me: string,
): Promise<Taken[]> {
  // The issue says how many comments it has: none, no request to read them.
  if (issue.comments === 0) return [];
  const repo = o.settings.forge.repo;
  const names = o.packages.map((p) => p.name);
  const images = o.packages.filter((p) => p.kind === "image").map((p) => p.name);
  const comments: Comment[] = await forge.comments(repo, issue.number);
  const taken: Taken[] = [];
  for (const c of comments) {
    const parsed = parseUpgrade(c.body, names, images);
    // The bot's own words, conversation, an edited comment (as for /rebuild), one answered.
    if (parsed === null || c.user.toLowerCase() === me.toLowerCase()) continue;
    if (c.updatedAt !== c.createdAt || answered(comments, me, c.id)) continue;
    if (!(await forge.react(repo, c.id, "eyes"))) {
      progress(`comment ${c.id} was claimed but never answered: picking it up`);
    }
    const reply = (text: string) => replyOnce(forge, repo, issue.number, me, c.id, text);
    const may = await mayCommand(o.settings, forge, c.user);
    // Its author's account was deleted: skipped (said by mayCommand), the other comments go on.
    if (may === "gone") continue;
    if (may !== "yes") {
      await reply((may === "no" ? deniedReply : uncheckedReply)(c.user, c.id, "/upgrade"));
      progress(
        `/upgrade from ${c.user}: refused (${may === "no" ? "no write access" : "unchecked"})`,
      );
      continue;
    }
    if ("error" in parsed) {
      await reply(refusedReply(parsed.error, c.id));
      progress(`/upgrade from ${c.user}: ${parsed.error}`);
      continue;
    }
    let { name, version } = parsed.request;
    const pkg = o.packages.find((p) => p.name === name)!;
    // A kind with no release to name (a flake) says what the request runs now.
    version ??= kindOf(pkg).upgradeNow?.() ?? null;
    // An image's registry, an ARG's PyPI or Alpine index: no mirror tag to pick the newest from.
    if (version === null && pkg.mirrors.length === 0) {
      await reply(refusedReply(`${name} has no forge mirror: name the version`, c.id));
      continue;
    }
    if (version === null) {
      const own = pkg.mirrors[0];
      const tags = [...(await ownTags(forge, pkg)).keys()];
      version = newerVersions(tags, own.tag, "0.0.0", o.settings.prereleases)[0] ?? null;
      if (version === null) {
        await reply(refusedReply(`${own.repo} has no release tag of ${name}`, c.id));
        continue;
      }
    }
    progress(`/upgrade from ${c.user}: ${name} ${version} in this run`);
    taken.push({ comment: c.id, request: { name, version } });
  }
  return taken;
}

/** Draws the table from the run's outcomes and compares it with the issue's body, as it would
 * read on the day that body counted its ages on: the same text, no request. */
async function redraw(
  o: DashboardOptions,
  forge: Forge,
  summary: RunSummary,
  found: { me: string; issue: Issue | null; duplicates: Issue[] },
  title: string,
): Promise<{ message: string; changed: boolean }> {
  const { repo } = o.settings.forge;
  const statuses = summary.packages.map((p) =>
    packageStatus(p, o.packages.find((c) => c.name === p.package)!)
  );
  const recorded = servicesFile(o.packages);
  const file = recorded?.file ?? SERVICE_VERSIONS_FILE;
  const services = recorded ? listServices(await o.files(file), `${repo}:${file}`) : [];
  const notes = summary.pins ? serviceNotes(summary.pins.pins, summary.pins.drift) : undefined;
  const rows = dashboardRows(services, statuses, notes, o.leftOut ?? null);
  const today = new Date().toISOString().slice(0, 10);
  const body = (asOf: string) => redact(renderDashboard(rows, asOf, file));
  const { issue, duplicates } = found;
  const would = o.settings.dryRun ? "would be " : "";
  let said: string;
  const same = issue?.title === title && body(renderedOn(issue.body) ?? today) === issue.body;
  if (issue && same) {
    said = `#${issue.number} unchanged`;
  } else if (issue) {
    if (!o.settings.dryRun) {
      await forge.updateIssue(repo, issue.number, { title, body: body(today) });
    }
    said = `#${issue.number} ${would}edited: ${issue.url}`;
  } else {
    said = o.settings.dryRun
      ? "would be opened"
      : await open(forge, repo, found.me, title, body(today));
  }
  for (const d of duplicates) {
    if (!o.settings.dryRun) await forge.updateIssue(repo, d.number, { state: "closed" });
    said += `; a second dashboard #${d.number} ${would}closed`;
  }
  return { message: said, changed: !same || duplicates.length > 0 };
}

/** Opens the dashboard; when the answer is lost, the list says whether it was opened after all
 * (never a second one in the same run). */
async function open(
  forge: Forge,
  repo: string,
  me: string,
  title: string,
  body: string,
): Promise<string> {
  try {
    const made = await forge.createIssue(repo, { title, body });
    return `#${made.number} opened: ${made.url}`;
  } catch (e) {
    const made = findDashboard(await forge.issues(repo, me), me).issue;
    if (!made) throw e;
    return `#${made.number} opened (its answer was lost): ${made.url}`;
  }
}

/** The file where the repository records each service's version: the packages' (they share it). */
function servicesFile(packages: PackageSpec[]): { file: string } | null {
  return packages.find((p) => p.service_versions !== null)?.service_versions ?? null;
}
