// Nix's distributed builds as text (pure): the `builders` setting and machines files parsed, a
// config's builders rendered as a `--builders` value, and which systems a build host can build.
import { InputError } from "../runtime/errors.ts";

/** One remote build machine: its store URI and the systems it builds. */
export interface Machine {
  uri: string;
  systems: string[];
}

/** What a build host says about itself (`nix show-config`): its system, its extra platforms, its
 * `builders` setting and the contents of every machines file that setting names (`@/etc/nix/machines`). */
export interface HostPlatforms {
  system: string;
  extraPlatforms: string[];
  builders: string;
  machineFiles: Map<string, string>;
}

/** The machines a `builders` value names, as Nix reads it: entries separated by `;` or newlines, `#`
 * comments, `@file` entries read from the files given; fields are whitespace-separated, the second
 * a comma-separated list of systems (`-` or missing: the host's own system). */
export function parseMachines(
  builders: string,
  files: Map<string, string>,
  hostSystem: string,
): Machine[] {
  const machines: Machine[] = [];
  for (const raw of builders.split(/[;\n]/)) {
    const entry = raw.replace(/#.*/, "").trim();
    if (entry === "") continue;
    if (entry.startsWith("@")) {
      const text = files.get(entry.slice(1));
      if (text !== undefined) machines.push(...parseMachines(text, new Map(), hostSystem));
      continue;
    }
    const [uri, systems] = entry.split(/\s+/);
    machines.push({
      uri,
      systems: systems === undefined || systems === "-" ? [hostSystem] : systems.split(","),
    });
  }
  return machines;
}

/** Every system the host builds, itself or through its machines, and which machine builds each
 * of the others (for reports). */
export function buildableSystems(
  host: HostPlatforms,
  machines: Machine[],
): Map<string, string> {
  const by = new Map<string, string>();
  for (const s of [host.system, ...host.extraPlatforms]) by.set(s, "the build host itself");
  for (const m of machines) for (const s of m.systems) if (!by.has(s)) by.set(s, m.uri);
  return by;
}

/** The `--builders` value for config `build.builders` (system: a store URI such as
 * `ssh-ng://nix@arm-builder`, or a whole machines line whose second field lists the system). */
export function renderBuilders(builders: Record<string, string>): string {
  return Object.entries(builders).map(([system, spec]) => {
    const where = `build.builders."${system}"`;
    if (/[;\n\r#]/.test(spec)) {
      throw new InputError(`${where}: "${spec}" holds ";", "#" or a line break: one machine only`);
    }
    const fields = spec.trim().split(/\s+/);
    if (fields.length === 1) return `${fields[0]} ${system}`;
    if (!fields[1].split(",").includes(system)) {
      throw new InputError(
        `${where}: the machine line "${spec}" does not list ${system} among its systems ` +
          `(its second field)`,
      );
    }
    return fields.join(" ");
  }).join(" ; ");
}

/** Reads what lib/harvest/builders/host-platforms.sh printed. */
export function parseHostPlatforms(output: string): HostPlatforms {
  const setting = (name: string) =>
    new RegExp(`^${name} = (.*)$`, "m").exec(output)?.[1].trim() ?? "";
  const machineFiles = new Map<string, string>();
  for (
    const m of output.matchAll(/^upgrade-bot-machines (.+)\n([\s\S]*?)^upgrade-bot-machines-end$/gm)
  ) {
    machineFiles.set(m[1], m[2]);
  }
  const system = setting("system");
  if (!/^[\w-]+$/.test(system)) {
    throw new InputError(
      `nix show-config printed no system: ${output.trim().slice(-300) || "nothing"}`,
    );
  }
  return {
    system,
    extraPlatforms: setting("extra-platforms").split(/\s+/).filter((s) => s !== ""),
    builders: setting("builders"),
    machineFiles,
  };
}
