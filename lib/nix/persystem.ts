// Per-system hashes (pure): whether a file holding one can be instantiated for another system, and how.
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

/** The nixpkgs flake the build file takes its packages from (`builtins.getFlake "nixpkgs"`), or
 * null when it takes `<nixpkgs>`: another system's nixpkgs is taken the same way (round.nix). */
export function nixpkgsFlake(buildFileText: string): string | null {
  return /\(\s*builtins\.getFlake\s+"([^"]+)"\s*\)\s*\.legacyPackages/.exec(buildFileText)?.[1] ??
    null;
}
