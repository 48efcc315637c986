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
  /** null: no package of the bot watches this service. */
  status: PackageStatus | null;
  /** Its built image's pin and its drift (lib/dashboard/pin_notes.ts), raw text. */
  notes: string[];
}

/** Every service of the file, in the file's order, then packages that have no entry there (a
 * package with `service_versions: null`, a name the file lacks). */
export function dashboardRows(
  services: ServiceRecord[],
  statuses: PackageStatus[],
  notes: Map<string, string[]> = new Map(),
): Row[] {
  const byService = new Map(statuses.map((s) => [s.service, s]));
  const rows: Row[] = services.map((s) => ({
    service: s.name,
    version: s.currentVersion,
    lastReviewed: s.lastReviewed,
    status: byService.get(s.name) ?? null,
    notes: notes.get(s.name) ?? [],
  }));
  const listed = new Set(services.map((s) => s.name));
  for (const s of statuses) {
    if (!listed.has(s.service)) {
      rows.push({
        service: s.service,
        version: null,
        lastReviewed: null,
        status: s,
        notes: notes.get(s.service) ?? [],
      });
    }
  }
  return rows;
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
