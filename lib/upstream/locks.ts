// Lock files, each read with a parser for its real format, and what changed between two of them (pure).
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { parseSyml } from "@yarnpkg/parsers";

/** The packages a lock file pins: name -> its versions (sorted; npm and others may hold several
 * versions of one name). */
export type Pins = Map<string, string[]>;

/** One package's change: added (from null), removed (to null) or another version. */
export interface PackageChange {
  name: string;
  from: string | null;
  to: string | null;
}

type Parser = (text: string) => [string, string][];

/** The lock files read, by file name. */
const PARSERS: Record<string, Parser> = {
  "uv.lock": (text) => tomlPackages(text, (p) => !isLocalUvSource(p.source)),
  "Cargo.lock": (text) => tomlPackages(text, (p) => p.source !== undefined),
  "package-lock.json": npmPackages,
  "go.sum": goSumModules,
  "pnpm-lock.yaml": pnpmPackages,
  "yarn.lock": yarnPackages,
};

/** Whether the bot reads `path` as a lock file. */
export function isLockFile(path: string): boolean {
  return Object.hasOwn(PARSERS, basename(path));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The packages `text` (the lock file at `path`) pins; an error names the file. */
export function parseLock(path: string, text: string): Pins {
  const parser = PARSERS[basename(path)];
  if (!parser) throw new Error(`${path}: not a lock file the bot reads`);
  let pairs: [string, string][];
  try {
    pairs = parser(text);
  } catch (e) {
    throw new Error(`${path}: cannot be read as ${basename(path)}: ${(e as Error).message}`);
  }
  const pins: Pins = new Map();
  for (const [name, version] of pairs) {
    const versions = pins.get(name) ?? [];
    if (!versions.includes(version)) versions.push(version);
    pins.set(name, versions);
  }
  for (const versions of pins.values()) versions.sort();
  return pins;
}

/** Added, removed and changed packages between two lock files' pins, by name. */
export function diffPins(before: Pins, after: Pins): PackageChange[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: PackageChange[] = [];
  for (const name of names) {
    const from = before.get(name)?.join(", ") ?? null;
    const to = after.get(name)?.join(", ") ?? null;
    if (from !== to) changes.push({ name, from, to });
  }
  return changes;
}

type Table = Record<string, unknown>;

/** uv.lock and Cargo.lock: TOML with a `[[package]]` array of tables (name, version, source). */
function tomlPackages(text: string, keep: (p: Table) => boolean): [string, string][] {
  const packages = parseToml(text).package;
  if (packages === undefined) return [];
  if (!Array.isArray(packages)) throw new Error("`package` is not an array of tables");
  return (packages as Table[]).filter((p) => typeof p.name === "string" && keep(p)).map((
    p,
  ) => [p.name as string, String(p.version ?? "")]);
}

/** The project itself and its workspace members are not dependencies: uv marks them editable,
 * virtual or a local directory. */
function isLocalUvSource(source: unknown): boolean {
  const s = (source ?? {}) as Table;
  return "editable" in s || "virtual" in s || "directory" in s;
}

/** package-lock.json: `packages` keyed by install path (lockfileVersion 2 and 3), else the nested
 * `dependencies` of lockfileVersion 1. The root (`""`) and links to workspace folders are not
 * dependencies. */
function npmPackages(text: string): [string, string][] {
  const lock = JSON.parse(text) as Table;
  if (lock.packages && typeof lock.packages === "object") {
    return Object.entries(lock.packages as Record<string, Table>).flatMap(([path, p]) => {
      const at = path.lastIndexOf("node_modules/");
      if (at < 0 || p.link || typeof p.version !== "string") return [];
      return [[String(p.name ?? path.slice(at + "node_modules/".length)), p.version]];
    });
  }
  const walk = (deps: unknown): [string, string][] =>
    Object.entries((deps ?? {}) as Record<string, Table>).flatMap(([name, d]) => [
      ...(typeof d.version === "string" ? [[name, d.version] as [string, string]] : []),
      ...walk(d.dependencies),
    ]);
  return walk(lock.dependencies);
}

/** go.sum: `module version h1:hash` lines; `version/go.mod` lines only pin a module's go.mod
 * (for the module graph), not code the build downloads. */
function goSumModules(text: string): [string, string][] {
  return text.split("\n").flatMap((line, i) => {
    if (line.trim() === "") return [];
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3 || !fields[2].startsWith("h1:")) {
      throw new Error(`line ${i + 1} is not "module version h1:hash"`);
    }
    return fields[1].endsWith("/go.mod") ? [] : [[fields[0], fields[1]] as [string, string]];
  });
}

/** pnpm-lock.yaml: `packages` keyed `/name@version` (v6), `name@version` (v9), each with a
 * `(peer@x)` suffix when peers differ, or `/name/version` (v5, lockfileVersion below 6) with a
 * `_peer@x` suffix (`/react-dom/17.0.2_react@17.0.2`, `/@scope/name/1.0.0_@scope+peer@2.0.0`). */
function pnpmPackages(text: string): [string, string][] {
  const lock = (parseYaml(text) ?? {}) as Table;
  const v5 = Number.parseFloat(String(lock.lockfileVersion ?? "")) < 6;
  return Object.keys((lock.packages ?? {}) as Table).map((key) => {
    if (v5) {
      const parts = key.replace(/^\//, "").split("/");
      const scoped = parts[0].startsWith("@") ? 2 : 1;
      return [parts.slice(0, scoped).join("/"), (parts[scoped] ?? "").replace(/_.*$/, "")];
    }
    const bare = key.replace(/^\//, "").replace(/\(.*$/, "");
    const at = bare.lastIndexOf("@");
    if (at > 0) return [bare.slice(0, at), bare.slice(at + 1)];
    const slash = bare.lastIndexOf("/");
    return [bare.slice(0, slash), bare.slice(slash + 1)];
  });
}

/** yarn.lock, classic (v1) or berry (YAML): entries keyed by `name@range` descriptors, each with
 * its resolved `version`; berry's workspace entries are the project itself. */
function yarnPackages(text: string): [string, string][] {
  const lock = parseSyml(text) as Record<string, Table>;
  return Object.entries(lock).flatMap(([key, entry]) => {
    if (
      key === "__metadata" ||
      typeof entry.version === "string" && entry.version === "0.0.0-use.local"
    ) {
      return [];
    }
    const descriptor = key.split(",")[0].trim();
    const at = descriptor.indexOf("@", 1);
    const name = at < 0 ? descriptor : descriptor.slice(0, at);
    return [[name, String(entry.version ?? "")] as [string, string]];
  });
}
