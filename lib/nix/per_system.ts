// Per-system hashes (pure): how a file holding one is instantiated for another system, as Nix text.
import { functionFormals } from "./edit.ts";

/** A hash literal's entry for one system other than the build host's, and the target that builds
 * it: the literal's file instantiated with that system's nixpkgs. */
export interface SystemTarget {
  name: string;
  file: string;
  system: string;
}

/** The attribute a system target has in the round's expression. */
export function systemTargetAttr(t: SystemTarget): string {
  return `system-${t.name}-${t.system}`;
}

/** Why `fileText` cannot be instantiated on its own with another `pkgs`, or null when it can: it
 * must be a function taking `pkgs`, every other argument with a default (as `sources ? import
 * ./sources.nix { inherit pkgs; }`). */
export function whyNotInstantiable(file: string, fileText: string): string | null {
  const formals = functionFormals(fileText);
  if (formals === null) return `${file} is not a function of { pkgs, ... }`;
  if (!formals.some((f) => f.name === "pkgs")) return `${file} takes no "pkgs" argument`;
  const required = formals.filter((f) => f.name !== "pkgs" && !f.hasDefault).map((f) => f.name);
  if (required.length > 0) {
    return `${file} needs ${required.join(", ")} besides pkgs, with no default`;
  }
  return null;
}

/** The nixpkgs of `system` (a Nix expression), the way the build file gets its own: through the
 * nixpkgs flake when it does (`builtins.getFlake "nixpkgs"`), else `<nixpkgs>`. */
export function systemPkgs(buildFileText: string, system: string): string {
  const flake = /\(\s*builtins\.getFlake\s+"([^"]+)"\s*\)\s*\.legacyPackages/.exec(buildFileText);
  return flake
    ? `(builtins.getFlake ${JSON.stringify(flake[1])}).legacyPackages.${JSON.stringify(system)}`
    : `import <nixpkgs> { system = ${JSON.stringify(system)}; }`;
}

/** The expression of one system target: its file called with that system's nixpkgs. */
export function systemTargetExpr(t: SystemTarget, buildFileText: string): string {
  return `import ./${t.file} { pkgs = ${systemPkgs(buildFileText, t.system)}; }`;
}
