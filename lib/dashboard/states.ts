// Each package's dashboard state, read from its outcome in the cron run (pure).
import type { PackageSpec } from "../runtime/config.ts";
import type { PackageOutcome } from "../flow/cron.ts";
import { compareReleases } from "../nix/versions.ts";
import { kindOf } from "../flow/kinds.ts";
import { writtenLike } from "../images/tags.ts";
import { type PackageState, type PackageStatus, writtenAs } from "./rows.ts";

/** The service-versions.yaml entry a package's row belongs to. */
export function serviceOf(pkg: PackageSpec): string {
  return pkg.service_versions?.name ?? pkg.name;
}

/** What the dashboard shows of the package `pkg` after the run's `out`: the first that holds
 * of failed, a moved tag, pull request open, waiting (a missing tag, the release's age), merged
 * (deploying or deployed), up to date. */
export function packageStatus(out: PackageOutcome, pkg: PackageSpec): PackageStatus {
  const r = out.report;
  const kind = kindOf(pkg);
  const openVersion = r?.open ? kind.pullVersion(r.open.title) : null;
  const seen = r ? [r.baseVersion, r.version.to, r.newest, ...r.waiting, openVersion] : [];
  // Releases: the newest the run saw; a flake's days: the newer branch it saw, else its lock's.
  const newest = kind.releases
    ? seen.filter((v): v is string => v !== null).sort(compareReleases).at(-1) ?? null
    : r
    ? r.newest ?? r.version.to
    : null;
  return writtenAs({
    service: serviceOf(pkg),
    package: pkg.name,
    newest,
    state: stateOf(out, pkg, openVersion),
  }, writtenLike(pkg.image?.tag));
}

function stateOf(out: PackageOutcome, pkg: PackageSpec, openVersion: string | null): PackageState {
  const r = out.report;
  if (!r || r.failure || out.error) {
    return {
      kind: "failed",
      reason: r?.failure?.message ?? out.error?.message ?? out.outcome,
      url: r?.pull?.url || r?.open?.url || null,
    };
  }
  if (r.moved.length) {
    const m = r.moved[0];
    return {
      kind: "waiting",
      version: openVersion ?? r.version.to,
      reason: `tag ${m.tag} of ${m.repo} moved from ${m.commit.slice(0, 7)} to ` +
        `${m.now.slice(0, 7)}: a /rebuild by a writer accepts it`,
    };
  }
  if (r.pull?.number) {
    return { kind: "pull", number: r.pull.number, url: r.pull.url, version: r.version.to };
  }
  if (r.open) return { kind: "pull", number: r.open.number, url: r.open.url, version: openVersion };
  if (r.waiting.length) {
    const version = r.waiting[0];
    const young = r.young.find((y) => y.version === version);
    const others = pkg.mirrors.slice(1).map((m) => m.repo);
    return {
      kind: "waiting",
      version,
      reason: young
        ? `first seen ${young.age} ago: younger than min_release_age`
        : others.length === 1
        ? `no tag on ${others[0]} yet`
        : `not tagged on every one of ${others.join(", ")} yet`,
    };
  }
  const f = out.followThrough;
  switch (f?.state) {
    case "deployed":
      return { kind: "deployed", tag: f.tag ?? "" };
    case "waiting":
      return { kind: "merged", step: "waiting for its image in the registry", followUp: null };
    case "open":
    case "opened":
      return { kind: "merged", step: "deploying", followUp: f.pull };
    case "failed":
      return { kind: "failed", reason: f.message, url: null };
    default:
      return { kind: "up to date" };
  }
}
