// What a harvest is handed and what it gives back: the types rounds.ts, systems.ts and verify.ts share.
import type { BuildSettings, PackageSpec } from "../runtime/config.ts";
import type { HashOutcome } from "../nix/hash.ts";
import type { Builder } from "./builders/builder.ts";

export interface RoundReport {
  built: string[];
  mismatches: string[];
  seconds: number;
}

export interface HarvestFailure {
  kind:
    | "build"
    | "non-reproducible"
    | "timeout"
    | "no-convergence"
    | "unexpected-mismatch"
    | "unused-hash"
    | "unverified-hash";
  message: string;
  drv: string | null;
  logTail: string[];
}

export interface HarvestResult {
  hashes: HashOutcome[];
  rounds: RoundReport[];
  builds: number;
  verified: boolean;
  failure: HarvestFailure | null;
  /** Seconds spent inside nix-build, to tell the bot's own overhead apart. */
  buildSeconds: number;
}

/** What the harvest reads of the flow's context (lib/flow/context.ts), which it is handed as is. */
export interface HarvestContext {
  settings: { build: BuildSettings };
  package: PackageSpec;
  /** The package directory, where files are edited (and built, for the local builder). */
  dir: string;
  /** The files a remote builder needs. */
  files: string[];
  builder: Builder;
  system: string;
  /** The build log file. */
  log: string;
}
