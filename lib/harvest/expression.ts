// A round's expression (Nix text): the build file, hashes' own attributes, other systems' targets.
import type { PackageSpec } from "../runtime/config.ts";

/** A system target in a round's expression: its attribute and its Nix expression. */
export interface SystemTargets {
  targets: { attr: string; expr: string }[];
  /** The placeholders still in the files: a system target waits while a fixed-output derivation
   * it needs holds one (harvested on the builder's own system; building it again for another
   * system would only fetch the same output twice, one build waiting on the other's lock). */
  pending: string[];
}

/** The expression a round builds: the build file (all of it, or the attributes `build.verify`
 * names), any hash's own attribute, and each other system's instantiation of a per-system hash's
 * file, so one `nix-build -k` run reaches every FOD and reports every independent mismatch. */
export function buildExpression(
  pkg: Pick<PackageSpec, "hashes" | "build">,
  systems?: SystemTargets,
): string {
  const select = (path: string) => "t" + path.split(".").map((p) => `."${p}"`).join("");
  const extras = pkg.hashes.filter((h) => h.expr || h.attr).map((h) =>
    `  "hash-${h.name}" = ${h.expr ? `(${h.expr})` : select(h.attr!)};`
  );
  const perSystem = (systems?.targets ?? []).map((t) => `  "${t.attr}" = gate (${t.expr});`);
  const targets = pkg.build.verify.length > 0
    ? pkg.build.verify.map((v, i) => `  "verify-${i}" = ${select(v)};`)
    : null;
  const lines = [
    `let`,
    `  f = import ./${pkg.build.file};`,
    `  t = if builtins.isFunction f then f { } else f;`,
    // A file that is one derivation (default.nix) builds that; an attribute set, all of it.
    `  all = if t.type or null == "derivation" then { default = t; } else t;`,
    ...(perSystem.length > 0 ? gateLines(systems!.pending) : []),
    `in`,
    targets ? `{` : `all // {`,
    ...(targets ?? []),
    ...extras,
    ...perSystem,
    `}`,
  ];
  return lines.join("\n");
}

/** `gate d`: d, or nothing while a fixed-output derivation in its closure (found through the
 * derivations and lists of derivations among its attributes) other than d holds a placeholder. */
function gateLines(pending: string[]): string[] {
  return [
    `  pending = [ ${pending.map((p) => JSON.stringify(p)).join(" ")} ];`,
    `  drvsIn = v: if builtins.isAttrs v && v.type or null == "derivation" then [ v ]`,
    `    else if builtins.isList v then builtins.concatMap drvsIn v else [ ];`,
    `  closure = d: builtins.genericClosure {`,
    `    startSet = [ { key = d.drvPath; inherit d; } ];`,
    `    operator = i: map (d: { key = d.drvPath; inherit d; })`,
    `      (builtins.concatMap drvsIn (builtins.attrValues (i.d.drvAttrs or { })));`,
    `  };`,
    `  waits = d: builtins.any (i: i.key != d.drvPath`,
    `    && builtins.elem (i.d.drvAttrs.outputHash or null) pending) (closure d);`,
    `  gate = d: if waits d then { } else d;`,
  ];
}

/** What a round builds, in words for progress lines. */
export function targetsOf(pkg: Pick<PackageSpec, "build">): string[] {
  return pkg.build.verify.length > 0 ? pkg.build.verify : [`all of ${pkg.build.file}`];
}
