// Per-system hashes' other systems: which are harvested, on which machine; which left stale, why.
import { join } from "node:path";
import type { HarvestContext } from "./types.ts";
import type { BuildFailure } from "../nix/build_log.ts";
import { progress } from "../runtime/log.ts";
import { buildableSystems, parseMachines, renderBuilders } from "../nix/machines.ts";
import { type SystemTarget, whyNotInstantiable } from "../nix/per_system.ts";
import { placeholderFor, writeHash } from "./literals.ts";
import type { HashOutcome, SystemOutcome } from "../nix/hash.ts";

/** Whose placeholder it is: a hash's entry for the builder's system (`system` null) or for another. */
export interface Owner {
  name: string;
  system: string | null;
}

/** A hash's entry for `owner.system` (null: the builder's) in the harvest's outcomes. */
export function entryOf(hashes: HashOutcome[], owner: Owner): HashOutcome | SystemOutcome {
  const h = hashes.find((h) => h.name === owner.name)!;
  return owner.system === null ? h : h.otherSystems.find((o) => o.system === owner.system)!;
}

/** How progress lines and reports name an entry: `webui-deps (aarch64-linux)`. */
export const labelOf = (owner: Owner) =>
  owner.system === null ? owner.name : `${owner.name} (${owner.system})`;

/** Decides, for each other system's entry of a per-system hash, whether it is harvested: its file
 * must be instantiable with that system's nixpkgs and some machine must build that system (config
 * `build.builders`, else the builder's nix.conf `builders`, or the builder itself). Writes each
 * harvested entry's own placeholder; the others are left as they were, with the reason. */
export async function planSystemTargets(
  options: HarvestContext,
  hashes: HashOutcome[],
  placeholders: Map<string, Owner>,
): Promise<SystemTarget[]> {
  const { package: pkg, dir } = options;
  const { build } = options.settings;
  if (!hashes.some((h) => h.otherSystems.length > 0)) return [];
  // A host that cannot say (a Nix without `nix show-config`) builds its own system only, and the
  // reason goes with every entry left stale for it.
  let unknown = "";
  const host = await options.builder.platforms().catch((e: Error) => {
    unknown = `the build host could not say which systems it builds: ${e.message}`;
    return { system: options.system, extraPlatforms: [], builders: "", machineFiles: new Map() };
  });
  const configured = Object.keys(build.builders).length > 0;
  const machines = configured
    ? parseMachines(renderBuilders(build.builders), new Map(), host.system)
    : parseMachines(host.builders, host.machineFiles, host.system);
  const buildable = buildableSystems(host, machines);
  const source = configured
    ? "config build.builders"
    : `the builder's nix.conf builders (${host.builders || "empty"})`;
  const targets: SystemTarget[] = [];
  for (const h of hashes.filter((h) => h.otherSystems.length > 0)) {
    const spec = pkg.hashes.find((s) => s.name === h.name)!;
    const fileText = await Deno.readTextFile(join(dir, h.file));
    const notInstantiable = whyNotInstantiable(h.file, fileText);
    for (const o of h.otherSystems) {
      const machine = buildable.get(o.system);
      if (notInstantiable) o.stale = `${notInstantiable}: cannot instantiate it for ${o.system}`;
      else if (!machine) {
        o.stale = `no machine builds ${o.system} (${unknown || `${source} names none`})`;
      }
      if (o.stale) {
        progress(`${h.name} for ${o.system}: left as it was, ${o.stale}`);
        continue;
      }
      const placeholder = placeholderFor(spec, o.old, fileText, o.system);
      await writeHash(dir, spec, o.system, placeholder);
      placeholders.set(placeholder, { name: h.name, system: o.system });
      targets.push({ name: h.name, file: h.file, system: o.system });
      progress(`${h.name} for ${o.system}: to be harvested on ${machine}`);
    }
  }
  return targets;
}

/** The systems of `targets` for which Nix found no machine that would take a derivation ("a
 * 'aarch64-linux' with features {} is required to build ..."): a machine that is down, or full. */
export function unbuildableSystems(
  failures: BuildFailure[],
  targets: SystemTarget[],
): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of failures) {
    const wanted = /^a '([^']+)' with features \{[^}]*\} is required to build/.exec(f.message)?.[1];
    if (wanted && targets.some((t) => t.system === wanted)) found.set(wanted, f.message);
  }
  return found;
}

/** Puts the entries of `systems` back as they were, says why, and returns the targets left. */
export async function leaveStale(
  options: HarvestContext,
  hashes: HashOutcome[],
  targets: SystemTarget[],
  systems: Map<string, string>,
): Promise<SystemTarget[]> {
  for (const t of targets.filter((t) => systems.has(t.system))) {
    const entry = entryOf(hashes, t) as SystemOutcome;
    entry.new = null;
    entry.unchanged = false;
    entry.stale = `no machine took its build: ${systems.get(t.system)}`;
    progress(`${t.name} for ${t.system}: left as it was, ${entry.stale}`);
    const spec = options.package.hashes.find((s) => s.name === t.name)!;
    await writeHash(options.dir, spec, t.system, entry.old);
  }
  return targets.filter((t) => !systems.has(t.system));
}
