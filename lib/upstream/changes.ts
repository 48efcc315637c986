// What changed upstream between two tags of a mirror, and which fixed-output hash each lock file feeds (pure).
import type { PackageChange } from "./locks.ts";

/** One release's notes (or a notes file covering several releases of one series). `text` is
 * upstream's markdown as read: untrusted, made safe only when rendered. */
export interface ReleaseNotes {
  /** The crossed versions these notes are for. */
  releases: string[];
  /** The forge release attached to the tag, a notes file of the mirror's tree at the new tag, or
   * one release's section of the mirror's changelog file at the new tag (its heading left out). */
  source: "release" | "file" | "changelog";
  /** The release's name, or the file's path. */
  title: string;
  /** The release's page, or the whole file at the new tag. */
  url: string;
  text: string;
}

/** The packages a changed lock file pins differently, under the hash it feeds (null: the bot
 * cannot tell which, or none). */
export interface DependencyChanges {
  hash: string | null;
  file: string;
  changes: PackageChange[];
}

/** One mirror between the deployed tag and the new one. */
export interface MirrorChanges {
  repo: string;
  from: string;
  to: string;
  /** The forge's compare view of the two tags. */
  compare: string;
  /** Commits in `from..to`; null when they could not be counted. */
  commits: number | null;
  notes: ReleaseNotes[];
  dependencies: DependencyChanges[];
  /** What could not be read: said in the pull request, the rest still shown. */
  problems: string[];
}

/** A fixed-output hash and the text of the .nix file that holds it. */
export interface HashSource {
  name: string;
  text: string;
}

/** What each lock file format's fetcher looks like in a .nix file. */
const READERS: [string, RegExp][] = [
  ["uv.lock", /\buv\s+sync\b|\buv2nix\b|\buv\.lock\b/],
  ["package-lock.json", /\bnpm\s+ci\b|\bnpmDepsHash\b|\bfetchNpmDeps\b|\bbuildNpmPackage\b/],
  ["go.sum", /\bvendorHash\b|\bbuildGoModule\b/],
  ["Cargo.lock", /\bcargoHash\b|\bcargoLock\b|\bfetchCargoVendor\b|\bcargoSha256\b/],
  ["pnpm-lock.yaml", /\bpnpm\b/],
  ["yarn.lock", /\byarn\b|\bfetchYarnDeps\b/],
];

/** The lock file (path in the mirror) each hash reads, where its file says: the format its
 * fetcher reads, in its source root (`sourceRoot = "${src.name}/web"`, `modRoot = "web"`; the
 * top of the tree without one). A file with several fetchers, or none, tells nothing. */
export function lockFeeds(hashes: HashSource[]): Map<string, string> {
  const feeds = new Map<string, string>();
  for (const h of hashes) {
    const formats = READERS.filter(([, re]) => re.test(h.text)).map(([name]) => name);
    if (formats.length !== 1) continue;
    const root = /\bsourceRoot\s*=\s*"[^"/]*\/([^"$]+)"/.exec(h.text)?.[1] ??
      /\bmodRoot\s*=\s*"([^"$]*)"/.exec(h.text)?.[1] ?? "";
    const dir = root.replace(/^\.?\/+|\/+$/g, "");
    feeds.set(dir ? `${dir}/${formats[0]}` : formats[0], h.name);
  }
  return feeds;
}
