// What changed upstream for an upgrade, read from the forge and the mirrors: compare links, commits, release notes, lock file changes.
import type { Forge } from "../platform/forge.ts";
import { compareVersions, newerVersions, tagFor } from "../nix/versions.ts";
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { progress, timePhase } from "../runtime/log.ts";
import {
  type DependencyChanges,
  lockFeeds,
  type MirrorChanges,
  type ReleaseNotes,
} from "./changes.ts";
import { diffPins, isLockFile, parseLock, type Pins } from "./locks.ts";
import { notesPath } from "./notes.ts";
import { CHANGELOG_FILES, changelogNotes } from "./changelog.ts";
import { type MirrorDiff, withMirrorDiff } from "./mirror.ts";

export interface UpstreamQuery {
  /** The package's mirrors, its own first (config `mirrors`). */
  mirrors: { repo: string; tag: string }[];
  /** The own mirror's notes file pattern (config `release_notes`). */
  releaseNotes: string | null;
  from: string;
  to: string;
  /** The own mirror's tags (as the run listed them). */
  tags: string[];
  prereleases: boolean;
  /** Lock file path in the own mirror -> the hash it feeds (lockFeeds); null: no lock file is
   * read (a C1 bump harvests no hash from them). */
  feeds: Map<string, string> | null;
  /** Each mirror's changelog read for the crossed releases' sections, newest first (a C1 bump's
   * pull request), and their forge releases newest first too. */
  changelog: boolean;
}

/** The releases an upgrade crosses: above `from` up to `to`, oldest first (`to` itself even when
 * a forced pre-release). */
export function crossedVersions(q: UpstreamQuery): string[] {
  const own = q.mirrors[0];
  const crossed = newerVersions(q.tags, own.tag, q.from, q.prereleases || q.to.includes("-"))
    .filter((v) => compareVersions(v, q.to) <= 0);
  return [...new Set([...crossed, q.to])].sort(compareVersions);
}

/** Every mirror between the deployed tag and the new one. Each mirror costs one release lookup
 * per crossed release and three git fetches (mirror.ts); what cannot be read is said, never
 * fatal: the upgrade stands without it. */
export async function upstreamChanges(forge: Forge, q: UpstreamQuery): Promise<MirrorChanges[]> {
  const crossed = q.changelog ? crossedVersions(q).reverse() : crossedVersions(q);
  return await Promise.all(q.mirrors.map(async (m, index) => {
    const from = tagFor(m.tag, q.from);
    const to = tagFor(m.tag, q.to);
    const changes: MirrorChanges = {
      repo: m.repo,
      from,
      to,
      compare: forge.compareUrl(m.repo, from, to),
      commits: null,
      notes: [],
      dependencies: [],
      problems: [],
    };
    const asked = await Promise.all(crossed.map(async (v): Promise<ReleaseNotes | null> => {
      const tag = tagFor(m.tag, v);
      try {
        const r = await forge.release(m.repo, tag);
        return r && r.body.trim()
          ? {
            releases: [v],
            source: "release",
            title: r.name || tag,
            url: r.url,
            text: r.body,
          }
          : null;
      } catch (e) {
        changes.problems.push(`the release of ${tag}: ${(e as Error).message}`);
        return null;
      }
    }));
    const released = asked.filter((n): n is ReleaseNotes => n !== null);
    const withRelease = new Set(released.flatMap((n) => n.releases));
    const pattern = index === 0 ? q.releaseNotes : null;
    try {
      await withMirrorDiff(forge.gitRemote(m.repo), from, to, async (d) => {
        changes.commits = d.commits;
        changes.problems.push(...d.problems);
        const wanted = pattern
          ? await notesFiles(d, pattern, crossed.filter((v) => !withRelease.has(v)))
          : [];
        for (const f of wanted.filter((f) => f.blob === null)) {
          changes.problems.push(`no release notes at ${f.path} in ${to}`);
        }
        const files = wanted.flatMap((f) => f.blob === null ? [] : [{ ...f, blob: f.blob }]);
        const changelog = q.changelog ? await changelogFile(d) : null;
        const locks = q.feeds === null ? [] : d.changed.filter((c) => isLockFile(c.path));
        const texts = await d.read([
          ...files.map((f) => f.blob),
          ...(changelog ? [changelog.blob] : []),
          ...locks.flatMap((c) => [c.from, c.to].filter((b): b is string => b !== null)),
        ]);
        const fileUrl = (path: string) => `${forge.tagUrl(m.repo, to)}/${path}`;
        changes.notes = [
          ...released,
          ...files.map((f) => ({
            releases: f.releases,
            source: "file" as const,
            title: f.path,
            url: fileUrl(f.path),
            text: texts.get(f.blob) ?? "",
          })),
        ];
        if (changelog) {
          const read = changelogNotes(texts.get(changelog.blob) ?? "", {
            path: changelog.path,
            url: fileUrl(changelog.path),
            tag: to,
          }, crossed);
          changes.problems.push(...read.problems);
          // Each release's forge notes beside its changelog section, newest first as `crossed`.
          const rank = (n: ReleaseNotes) => crossed.indexOf(n.releases[0]);
          changes.notes = [...changes.notes, ...read.notes].sort((a, b) => rank(a) - rank(b));
        }
        changes.dependencies = locks.flatMap((c): DependencyChanges[] => {
          const pins = (blob: string | null): Pins =>
            blob === null ? new Map() : parseLock(c.path, texts.get(blob) ?? "");
          try {
            const hash = index === 0 ? q.feeds?.get(c.path) ?? null : null;
            return [{ hash, file: c.path, changes: diffPins(pins(c.from), pins(c.to)) }];
          } catch (e) {
            changes.problems.push((e as Error).message);
            return [];
          }
        }).filter((g) => g.changes.length > 0)
          // The hashes' lock files first, in the feeds' order; the others by path.
          .sort((a, b) =>
            Number(a.hash === null) - Number(b.hash === null) ||
            a.file.localeCompare(b.file)
          );
      });
    } catch (e) {
      changes.notes = released;
      changes.problems.push(`${m.repo} over git: ${(e as Error).message}`);
    }
    return changes;
  }));
}

/** The mirror's changelog file at the new tag (the first of CHANGELOG_FILES there), or null. */
async function changelogFile(d: MirrorDiff): Promise<{ path: string; blob: string } | null> {
  for (const path of CHANGELOG_FILES) {
    const blob = await d.blobAt(path);
    if (blob !== null) return { path, blob };
  }
  return null;
}

/** The notes files of the releases without a forge release, one per path (a series' file
 * covers all its releases), each with its blob at the new tag (null: not in the tree). */
async function notesFiles(
  d: MirrorDiff,
  pattern: string,
  versions: string[],
): Promise<{ path: string; releases: string[]; blob: string | null }[]> {
  const byPath = new Map<string, string[]>();
  for (const v of versions) {
    const path = notesPath(pattern, v);
    byPath.set(path, [...byPath.get(path) ?? [], v]);
  }
  return await Promise.all(
    [...byPath].map(async ([path, releases]) => ({ path, releases, blob: await d.blobAt(path) })),
  );
}

/** The upstream changes of the package's upgrade `from` -> `to`, for its pull request: the hash
 * files are read in `pkgDir` (a clone at the base), the own mirror's tags are the run's when it
 * listed them (else listed now). Asked only when an upgrade is made: a run with nothing new
 * makes none of these requests. A failure is said and leaves the section out. */
export function packageUpstream(
  forge: Forge,
  settings: Pick<Settings, "prereleases">,
  pkg: PackageSpec,
  pkgDir: string,
  from: string,
  to: string,
  tags?: string[] | null,
): Promise<MirrorChanges[]> {
  return guarded(async () => {
    const files = [...new Set(pkg.hashes.map((h) => h.file))];
    const texts = new Map(
      await Promise.all(
        files.map(async (f) => [f, await Deno.readTextFile(join(pkgDir, f))] as const),
      ),
    );
    const own = pkg.mirrors[0];
    return await upstreamChanges(forge, {
      mirrors: pkg.mirrors,
      releaseNotes: pkg.release_notes,
      from,
      to,
      tags: tags ?? await forge.tags(own.repo, own.tag.split("{version}")[0]),
      prereleases: settings.prereleases,
      feeds: lockFeeds(
        pkg.hashes.map((h) => ({ name: h.name, text: texts.get(h.file) ?? "" })),
      ),
      changelog: false,
    });
  });
}

/** The upstream changes of a C1 version bump `from` -> `to` (lib/flow/bump_pull.ts), for its
 * pull request: per mirror the compare link and commits, the forge releases' notes and the
 * changelog's sections of the crossed releases; no lock file. `tags`: the own mirror's, as the
 * run listed them (null: listed now). Asked only when the bump is committed; a failure is said
 * and leaves the section out. */
export function bumpUpstream(
  forge: Forge,
  settings: Pick<Settings, "prereleases">,
  mirrors: { repo: string; tag: string }[],
  from: string,
  to: string,
  tags: string[] | null,
): Promise<MirrorChanges[]> {
  if (mirrors.length === 0) return Promise.resolve([]);
  const own = mirrors[0];
  return guarded(async () =>
    await upstreamChanges(forge, {
      mirrors,
      releaseNotes: null,
      from,
      to,
      tags: tags ?? await forge.tags(own.repo, own.tag.split("{version}")[0]),
      prereleases: settings.prereleases,
      feeds: null,
      changelog: true,
    })
  );
}

/** `read` timed as the run's "upstream" phase; its failure said, leaving the section out. */
async function guarded(read: () => Promise<MirrorChanges[]>): Promise<MirrorChanges[]> {
  try {
    return await timePhase("upstream", read);
  } catch (e) {
    progress(`what changed upstream could not be read: ${(e as Error).message}`);
    return [];
  }
}
