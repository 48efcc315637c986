// A round's expression: round.nix, and what it is called with (the build file, the attributes to
// build, hashes' own attributes, other systems' targets, the placeholders still pending).
import type { Config } from "../runtime/config.ts";
import { shippedText } from "../runtime/files.ts";
import type { BuildRequest } from "./builders/builder.ts";

const ROUND = new URL("./round.nix", import.meta.url);

/** A system target in a round's expression: its attribute, and the file it instantiates with the
 * nixpkgs of `system` (the flake's, when the build file takes its own from the nixpkgs flake). */
export interface SystemTargetSpec {
  attr: string;
  file: string;
  system: string;
  flake: string | null;
}

/** Other systems' targets of a round. */
export interface SystemTargets {
  targets: SystemTargetSpec[];
  /** The placeholders still in the files: a system target waits while a fixed-output derivation
   * it needs holds one (harvested on the builder's own system; building it again for another
   * system would only fetch the same output twice, one build waiting on the other's lock). */
  pending: string[];
}

/** The expression a round builds (round.nix): the build file (all of it, or the attributes
 * `build.verify` names), any hash's own attribute, and each other system's instantiation of a
 * per-system hash's file, so one `nix-build -k` run reaches every FOD and reports every
 * independent mismatch. Its parameters go as arguments, never into its text. */
export async function buildExpression(
  config: Config,
  systems?: SystemTargets,
): Promise<Pick<BuildRequest, "expr" | "exprArgs">> {
  const path = (attr: string) => attr.split(".");
  const round = {
    file: config.build.file,
    verify: config.build.verify.map(path),
    attrs: Object.fromEntries(
      config.hashes.filter((h) => h.attr).map((h) => [`hash-${h.name}`, path(h.attr!)]),
    ),
    exprs: config.hashes.filter((h) => h.expr).map((h) => `hash-${h.name}`),
    systems: systems?.targets ?? [],
    pending: systems?.pending ?? [],
  };
  return {
    expr: await shippedText(ROUND),
    exprArgs: [
      "--argstr",
      "round",
      JSON.stringify(round),
      // The config's own Nix expressions, evaluated in the package directory.
      ...config.hashes.filter((h) => h.expr).flatMap((h) => ["--arg", `hash-${h.name}`, h.expr!]),
    ],
  };
}

/** What a round builds, in words for progress lines. */
export function targetsOf(config: Config): string[] {
  return config.build.verify.length > 0 ? config.build.verify : [`all of ${config.build.file}`];
}
