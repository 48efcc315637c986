// Each kind of package, by where its version lives: its step in the cron run, and what the shared parts (the dashboard, `/upgrade`, the follow-through, the `upgrade` command) ask of it.
import type { PackageKind, PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge } from "../platform/forge.ts";
import { orderableVersion } from "../nix/versions.ts";
import { parsePullTitle } from "../mikado/pull_text.ts";
import { parseDockerTitle, versionOfTitle } from "../docker/pull_text.ts";
import type { RunShared } from "./context.ts";
import type { Report } from "./report.ts";
import { runPackage } from "./cron_package.ts";
import { runDockerfile } from "./dockerfile.ts";
import { runFlake } from "./flake.ts";
import { runApplication } from "./application.ts";
import { runImage } from "./image.ts";

/** What one kind of package is. A new kind is its module (its cron step, most often a BumpKind
 * handed to runBumpPull: lib/flow/bump_pull.ts) and its entry here. */
export interface PackageKindDefinition {
  /** Its part of a cron run: the newest release found, its pull request opened or moved
   * (`forced`: --version or `/upgrade`, this one). */
  run(
    settings: Settings,
    spec: PackageSpec,
    forge: Forge,
    forced: string | undefined,
    shared: RunShared,
  ): Promise<Report>;
  /** What it is, for a person: the `upgrade` command says so when it refuses the package. */
  is: string;
  /** `upgrade` (a local checkout, no forge) upgrades it: the bot builds it and harvests its
   * hashes. */
  upgradesLocally: boolean;
  /** After its merge the bot follows it through to deployment (the built image, its tag moved).
   * Not a Dockerfile's image (the repository's workflow's), an Application's (ArgoCD's), an
   * upstream image (its upstream builds it) nor a flake's host (provisioned by a person). */
  followsThrough: boolean;
  /** The version the title of its pull request names, or null: titles people can edit, a version
   * in one the bot cannot order names none. */
  pullVersion(title: string): string | null;
  /** Its versions are releases the bot orders (the dashboard shows the newest it saw); without:
   * a flake's are its lock's days, the newest is the newer release branch the run saw, else the
   * lock's day. */
  releases: boolean;
  /** The version an `/upgrade` naming none runs when the kind has no release to name (a flake:
   * its update now, today's lock); absent: the newest tag of the package's own mirror. */
  upgradeNow?(): string;
}

/** The version a title of `parse`'s shape names, when the bot can order it. */
const titleVersion = (parse: (title: string) => { to: string } | null) => (title: string) =>
  orderableVersion(parse(title)?.to ?? "");

/** A version bump's C1 pull request (lib/flow/bump_pull.ts): titled as one, its releases ordered,
 * nothing the bot follows after the merge. */
const BUMP = {
  upgradesLocally: false,
  followsThrough: false,
  pullVersion: titleVersion(parseDockerTitle),
  releases: true,
} as const;

/** Every kind, by the config's `kind`. */
export const KINDS: Record<PackageKind, PackageKindDefinition> = {
  nix: {
    run: runPackage,
    is: "is a Nix package",
    upgradesLocally: true,
    followsThrough: true,
    // Its pull request is titled as C2 cards.
    pullVersion: titleVersion(parsePullTitle),
    releases: true,
  },
  dockerfile: { run: runDockerfile, is: "is built from its Dockerfile", ...BUMP },
  image: {
    run: runImage,
    is: "is an upstream image at a registry's tag",
    ...BUMP,
    // Its title writes the versions as its tags do (`18.4`: the bot's 18.4.0).
    pullVersion: (title) => versionOfTitle(parseDockerTitle(title)?.to, true),
  },
  application: {
    run: runApplication,
    is: "is deployed by ArgoCD Applications at a mirror's tag",
    ...BUMP,
  },
  flake: {
    run: runFlake,
    is: "is a flake whose inputs move on schedule",
    upgradesLocally: false,
    followsThrough: false,
    // A flake's title names its directory, no version.
    pullVersion: () => null,
    releases: false,
    upgradeNow: () => new Date().toISOString().slice(0, 10),
  },
};

/** The definition of `spec`'s kind (a package with none is a Nix package). */
export function kindOf(spec: Pick<PackageSpec, "kind">): PackageKindDefinition {
  return KINDS[spec.kind ?? "nix"];
}
