// Discovery: which version and hash literals a package directory holds, and what to build (pure).
import { type Assignment, type Literal, type NixSource, parseNixSource } from "./edit.ts";
import { isSri, toSri } from "./hash.ts";
import { InputError } from "../runtime/errors.ts";
import { parseVersion } from "./versions.ts";

/** A version literal: `version = "2026.2.0";` somewhere in the package's files. */
export interface FoundVersion {
  file: string;
  key: string;
  index: number;
  line: number;
  value: string;
}

/** Where a hash literal stands and what it belongs to. */
export interface FoundHash {
  /** Names it in commits, reports and cards: the binding of its fetcher call (`src`), else the
   * file it lives in (`python-deps`), with what kind of dependency set it hashes. */
  name: string;
  file: string;
  key: string;
  /** Which assignment of `key` in `file`, in source order. */
  index: number;
  line: number;
  /** fetcher (hash/sha256 of a fetch), fod (outputHash), go-modules, npm-deps, cargo-deps, other. */
  kind: string;
  /** The literal's text (for a per-system set: the systems it has, see `systems`). */
  value: string;
  /** The systems of a per-system set (`{ "x86_64-linux" = "..."; }.${system}`), else []. */
  systems: string[];
  /** A fetch pinned to a literal rev, tag or URL: the version cannot change what it fetches, so its
   * hash is left alone (resetting it would only fetch the same thing again). */
  pinned: boolean;
  /** A text inside the same attribute set, unique in the file: the config's `within` for it. */
  within: string | null;
}

export interface Discovery {
  versions: FoundVersion[];
  hashes: FoundHash[];
  /** What to build: test-build.nix when the package has one, else default.nix. */
  buildFile: string | null;
}

/** Attribute names that hold a fixed-output hash. */
const HASH_KEYS = new Set(["hash", "sha256", "sha512", "outputHash"]);
const KIND_OF_KEY: Record<string, string> = {
  vendorHash: "go-modules",
  npmDepsHash: "npm-deps",
  cargoHash: "cargo-deps",
  pnpmDepsHash: "pnpm-deps",
  yarnHash: "yarn-deps",
};

/** A hash literal's text: SRI, `algo:` + digest, a bare base16/base32 sha256, or lib.fakeHash. */
export function looksLikeHash(value: string): boolean {
  if (isSri(value)) return true;
  try {
    toSri(value);
    return true;
  } catch {
    return false;
  }
}

const FAKE_EXPR = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)*fake(?:Hash|Sha256|Sha512)\b/;

/** The value of a hash assignment: a literal, a fakeHash expression, or a per-system set. */
function hashValue(
  src: NixSource,
  a: Assignment,
  all: Assignment[],
): { value: string; systems: string[] } | null {
  const text = src.text;
  const literal = src.stringAt(a.value);
  if (literal) return looksLikeHash(literal.value) ? { value: literal.value, systems: [] } : null;
  const fake = FAKE_EXPR.exec(text.slice(a.value));
  if (fake) return { value: fake[0], systems: [] };
  if (text[a.value] !== "{") return null;
  const entries = all.filter((e) => e.set?.open === a.value);
  const systems: string[] = [];
  for (const e of entries) {
    const v = src.stringAt(e.value);
    if (!v || !looksLikeHash(v.value) || !/^[a-z0-9_]+-[a-z0-9_]+$/.test(e.key)) return null;
    systems.push(e.key);
  }
  return systems.length > 0 ? { value: `{ ${systems.join(", ")} }`, systems } : null;
}

/** The name bound to the call whose argument is the set opening at `open`: `src = pkgs.fetchgit {`
 * gives `src`; a top-level `pkgs.stdenv.mkDerivation {` gives null. */
function bindingOf(text: string, open: number): string | null {
  const before = text.slice(Math.max(0, open - 200), open);
  const m =
    /(?:^|[\s;{(])([A-Za-z_][A-Za-z0-9_'-]*)\s*=\s*(?:[A-Za-z_][A-Za-z0-9_'-]*\.)*[A-Za-z_][A-Za-z0-9_'-]*\s*(?:\(\s*)?(?:rec\s*)?$/
      .exec(before);
  return m ? m[1] : null;
}

function plainLiteralIn(src: NixSource, entries: Assignment[], key: string): Literal | null {
  const a = entries.find((e) => e.key === key);
  return a ? src.stringAt(a.value) : null;
}

/** A fetch pinned by literals: a literal rev or tag, or (without either) a literal URL. */
function isPinned(src: NixSource, entries: Assignment[]): boolean {
  const ref = entries.find((e) => e.key === "rev" || e.key === "tag");
  if (ref) return src.stringAt(ref.value) !== null;
  return plainLiteralIn(src, entries, "url") !== null;
}

/** A line inside the set, unique in the file and free of the values the bot rewrites. */
function anchorFor(src: NixSource, set: { open: number; close: number }, skip: string[]): string {
  const inner = src.text.slice(set.open + 1, set.close);
  for (const raw of inner.split("\n")) {
    const line = raw.trim();
    if (line.length < 4 || skip.some((s) => s && line.includes(s))) continue;
    if (line.includes("{") || line.includes("}")) continue;
    if (src.text.split(line).length === 2) return line;
  }
  return "";
}

function stem(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1).replace(/\.nix$/, "");
}

/** Finds every version and hash literal in the package's `.nix` files. `files` maps each file
 * (relative to the package directory) to its text. */
export function discover(files: Map<string, string>, packageName: string): Discovery {
  const versions: FoundVersion[] = [];
  const hashes: FoundHash[] = [];
  // In code unit order, as git lists paths: localeCompare would load ICU's collation data on its
  // first call, about 10ms of every run.
  for (const [file, text] of [...files].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    if (!file.endsWith(".nix")) continue;
    const src = parseNixSource(text);
    const seen = new Map<string, number>();
    const ordinal = (key: string) => {
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      return n;
    };
    const values: string[] = [];
    for (const a of src.assignments) {
      const index = ordinal(a.key);
      if (a.key === "version") {
        const literal = src.stringAt(a.value);
        if (literal && isReleaseVersion(literal.value)) {
          versions.push({ file, key: a.key, index, line: a.line, value: literal.value });
        }
        continue;
      }
      const kind = HASH_KEYS.has(a.key)
        ? (a.key === "outputHash" ? "fod" : "fetcher")
        : KIND_OF_KEY[a.key] ?? (/^[a-z][A-Za-z0-9]*Hash$/.test(a.key) ? "other" : null);
      if (kind === null) continue;
      const found = hashValue(src, a, src.assignments);
      if (!found) continue;
      values.push(found.value);
      const entries = a.set ? src.assignments.filter((e) => e.set?.open === a.set!.open) : [];
      const binding = a.set ? bindingOf(text, a.set.open) : null;
      const owner = binding ?? (stem(file) === "default" ? packageName : stem(file));
      const name = kind === "fetcher" || kind === "fod"
        ? owner
        : `${owner}-${kind === "other" ? a.key : kind}`;
      hashes.push({
        name,
        file,
        key: a.key,
        index,
        line: a.line,
        kind,
        value: found.value,
        systems: found.systems,
        pinned: kind === "fetcher" && isPinned(src, entries),
        within: null,
      });
    }
    // Anchors for the config printout, only where the key is not unique in the file.
    for (const h of hashes.filter((h) => h.file === file && (seen.get(h.key) ?? 0) > 1)) {
      const a = src.assignments.filter((e) => e.key === h.key)[h.index];
      if (a.set) h.within = anchorFor(src, a.set, values) || null;
    }
  }
  uniqueNames(hashes);
  // Fetches first: they are what the other fixed-output derivations take as input.
  hashes.sort((a, b) => Number(a.kind !== "fetcher") - Number(b.kind !== "fetcher"));
  const buildFile = files.has("test-build.nix")
    ? "test-build.nix"
    : files.has("default.nix")
    ? "default.nix"
    : null;
  return { versions, hashes, buildFile };
}

function isReleaseVersion(value: string): boolean {
  try {
    parseVersion(value.replace(/^v/, ""));
    return true;
  } catch {
    return false;
  }
}

/** Two hashes with one name (two fetches bound to `src` in two files) get their file's stem. */
function uniqueNames(hashes: FoundHash[]): void {
  const count = new Map<string, number>();
  for (const h of hashes) count.set(h.name, (count.get(h.name) ?? 0) + 1);
  for (const h of hashes) if (count.get(h.name)! > 1) h.name = `${stem(h.file)}-${h.name}`;
  const again = new Map<string, number>();
  for (const h of hashes) {
    const n = again.get(h.name) ?? 0;
    again.set(h.name, n + 1);
    if (n > 0) h.name = `${h.name}-${n + 1}`;
  }
}

/** The one version the copies agree on; copies that disagree are an error naming each. */
export function agreedVersion(versions: FoundVersion[], dir: string): string {
  if (versions.length === 0) {
    throw new InputError(
      `${dir}: no version literal (version = "X.Y.Z";) in any .nix file: set "version" in the config`,
    );
  }
  // A `v` prefix is a file's own style (kept when bumping), not a different version.
  const distinct = [...new Set(versions.map((v) => v.value.replace(/^v/, "")))];
  if (distinct.length > 1) {
    const where = versions.map((v) => `${v.file}:${v.line} says ${v.value}`).join(", ");
    throw new InputError(
      `${dir}: the version literals disagree (${where}): make them agree, or list the right ` +
        `ones under "version" in the config`,
    );
  }
  return distinct[0];
}
