// The dashboard's rows: each service of service-versions.yaml joined with what a run knows of its package (pure).
import type { ServiceRecord } from "../mikado/service_versions.ts";

/** Where one package's upgrade stands, as the dashboard says it. */
export type PackageState =
  | { kind: "up to date" }
  | { kind: "pull"; number: number; url: string; version: string | null }
  /** A release seen but not taken yet: a missing tag on another mirror, its age, a moved tag. */
  | { kind: "waiting"; version: string; reason: string }
  /** `url`: where the failure is told (the draft pull request, the workflow run), if anywhere. */
  | { kind: "failed"; reason: string; url: string | null }
  /** Merged; the deployment is under way: `step` says where, `followUp` is its pull request. */
  | { kind: "merged"; step: string; followUp: { number: number; url: string } | null }
  | { kind: "deployed"; tag: string };

/** What the dashboard needs of one package: any flow that knows these can fill it. */
export interface PackageStatus {
  /** The package's service-versions.yaml entry. */
  service: string;
  package: string;
  /** The newest release on its own mirror; null when the run could not tell. */
  newest: string | null;
  state: PackageState;
}

/** `status` with each version it names written by `written` (an image's as its tags write
 * them: `18.4`, not the `18.4.0` the bot orders). */
export function writtenAs(
  status: PackageStatus,
  written: (version: string) => string,
): PackageStatus {
  const s = status.state;
  return {
    ...status,
    newest: status.newest === null ? null : written(status.newest),
    state: s.kind === "waiting"
      ? { ...s, version: written(s.version) }
      : s.kind === "pull" && s.version !== null
      ? { ...s, version: written(s.version) }
      : s,
  };
}

/** One line of the table, before rendering: every text still raw (untrusted). */
export interface Row {
  service: string;
  version: string | null;
  lastReviewed: string | null;
  /** null: no package of the bot watches this service (`unwatched` says why). */
  status: PackageStatus | null;
  unwatched: string | null;
  /** Its built image's pin and its drift (lib/dashboard/pin_notes.ts), raw text. */
  notes: string[];
}

/** What the scan of the base branch left out or found nothing to watch by, naming the service
 * entry when it could tell (lib/repository/scan.ts); null: no scan (the config lists the
 * packages). */
export type LeftOut = { service?: string; reason: string }[] | null;

/** Every service of the file, in the file's order, then packages that have no entry there (a
 * package with `service_versions: null`, a name the file lacks). A service no package watches
 * says why: the scan's reason for it, else what its entry and the scan tell. */
export function dashboardRows(
  services: ServiceRecord[],
  statuses: PackageStatus[],
  notes: Map<string, string[]> = new Map(),
  leftOut: LeftOut = null,
): Row[] {
  const byService = new Map(statuses.map((s) => [s.service, s]));
  const rows: Row[] = services.map((s) => {
    const status = byService.get(s.name) ?? null;
    return {
      service: s.name,
      version: s.currentVersion,
      lastReviewed: s.lastReviewed,
      status,
      unwatched: status ? null : unwatchedReason(s, leftOut),
      notes: notes.get(s.name) ?? [],
    };
  });
  const listed = new Set(services.map((s) => s.name));
  for (const s of statuses) {
    if (!listed.has(s.service)) {
      rows.push({
        service: s.service,
        version: null,
        lastReviewed: null,
        status: s,
        unwatched: null,
        notes: notes.get(s.service) ?? [],
      });
    }
  }
  return rows;
}

/** Why no package watches the service `s`: the scan's reason for its files (the first, in the
 * scan's order), else that the scan found none of them (its entry's type, and a missing
 * current-version, say what the file knows of why); with no scan, that the config lists other
 * packages. */
export function unwatchedReason(s: ServiceRecord, leftOut: LeftOut): string {
  if (leftOut === null) return "not among the config's packages";
  const said = leftOut.find((u) => u.service === s.name);
  if (said) return said.reason;
  const known = [
    ...(s.type ? [`type ${s.type}`] : []),
    ...(s.currentVersion === null ? ["no current-version"] : []),
  ];
  return "no file the bot scans holds its version" +
    (known.length ? ` (${known.join(", ")})` : "");
}

/** Whole days from `date` (YYYY-MM-DD) to `today`; null when `date` is not such a date. */
export function daysSince(date: string | null, today: string): number | null {
  const day = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) ? Date.parse(`${d}T00:00:00Z`) : NaN;
  if (date === null) return null;
  const [from, to] = [day(date), day(today)];
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.round((to - from) / 86_400_000);
}

/** The order people read the table in: what needs them first, then the longest unreviewed. */
const ATTENTION: (PackageState["kind"] | "unwatched")[] = [
  "failed",
  "pull",
  "waiting",
  "merged",
  "deployed",
  "up to date",
  "unwatched",
];

/** Rows sorted by what needs attention, then by the oldest review (never reviewed first), then
 * by name: the same rows always come out in the same order. */
export function sortRows(rows: Row[]): Row[] {
  const rank = (r: Row) => ATTENTION.indexOf(r.status?.state.kind ?? "unwatched");
  const reviewed = (r: Row) => r.lastReviewed ?? "";
  return [...rows].sort((a, b) =>
    rank(a) - rank(b) || reviewed(a).localeCompare(reviewed(b)) ||
    a.service.localeCompare(b.service)
  );
}
