// `nix store diff-closures` of two systems: its lines read into packages added, removed and changed, largest first (pure).

/** One package name whose versions or size changed between the two closures. */
export interface ClosureChange {
  /** The store path's name without its version: upstream's words, untrusted. */
  name: string;
  /** Versions before and after ([] is Nix's `∅`: absent; "" is its `ε`: no version). */
  from: string[];
  to: string[];
  /** Size change in KiB as Nix prints it; null when below its threshold (8 KiB). */
  kib: number | null;
}

export type ChangeKind = "added" | "removed" | "changed";

/** Terminal colour escapes, which Nix prints around sizes. */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The lines of diff-closures; lines that are not one package's are left out (warnings). */
export function parseDiffClosures(text: string): ClosureChange[] {
  const out: ClosureChange[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(ANSI, "").trim();
    const colon = line.indexOf(": ");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    if (!/^[A-Za-z0-9+._?=-]+$/.test(name)) continue;
    let rest = line.slice(colon + 2);
    let kib: number | null = null;
    const size = /(?:^|, )([+-]\d+(?:\.\d+)?) KiB$/.exec(rest);
    if (size) {
      kib = Number(size[1]);
      rest = rest.slice(0, size.index);
    }
    const arrow = rest.split(" → ");
    if (arrow.length === 2) {
      out.push({ name, from: versions(arrow[0]), to: versions(arrow[1]), kib });
    } else if (rest === "" && kib !== null) {
      out.push({ name, from: [], to: [], kib });
    }
  }
  return out;
}

function versions(s: string): string[] {
  return s === "∅" ? [] : s.split(", ").map((v) => v === "ε" ? "" : v);
}

export function kindOf(c: ClosureChange): ChangeKind {
  if (c.from.length === 0 && c.to.length > 0) return "added";
  if (c.to.length === 0 && c.from.length > 0) return "removed";
  return "changed";
}

/** Largest size change first (a change without a size counts as none), then by name. */
export function largestFirst(changes: ClosureChange[]): ClosureChange[] {
  return [...changes].sort((a, b) =>
    Math.abs(b.kib ?? 0) - Math.abs(a.kib ?? 0) || a.name.localeCompare(b.name)
  );
}

/** How many packages were added, removed and changed. */
export function countKinds(changes: ClosureChange[]): Record<ChangeKind, number> {
  const n = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) n[kindOf(c)]++;
  return n;
}

/** The new version of `name` when it moved (the host's service entries follow it); null: it did
 * not, or it is not in the closure. The newest when several. */
export function movedVersion(changes: ClosureChange[], name: string): string | null {
  const c = changes.find((x) => x.name === name);
  if (!c || c.to.length === 0 || c.from.join() === c.to.join()) return null;
  return c.to.at(-1) || null;
}

/** Bytes as people read them: `+1.2 MiB`, `-340.0 KiB`. */
export function sizeText(bytes: number): string {
  const sign = bytes < 0 ? "-" : "+";
  const abs = Math.abs(bytes);
  const [value, unit] = abs >= 1024 ** 3
    ? [abs / 1024 ** 3, "GiB"]
    : abs >= 1024 ** 2
    ? [abs / 1024 ** 2, "MiB"]
    : [abs / 1024, "KiB"];
  return `${sign}${value.toFixed(1)} ${unit}`;
}
