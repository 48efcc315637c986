// Nix file editing (pure): version and hash literals found and rewritten; function formals read.
import { InputError } from "../runtime/errors.ts";

/** A string literal in a file: `start`/`end` cover the quotes, `value` is what is between them. */
export interface Literal {
  start: number;
  end: number;
  value: string;
  line: number;
}

export interface LiteralQuery {
  file: string;
  key: string;
  within?: string;
  /** Which assignment of `key` in the file (0-based, in source order), when discovery found it:
   * editing values never changes how many there are or their order. */
  index?: number;
}

/** A located hash: the literal to rewrite and, for a per-system set, the systems left alone. */
export interface HashLiteral {
  literal: Literal;
  otherSystems: { system: string; value: string }[];
}

/** The brace structure of a Nix file: which offsets are code (not string or comment), how deeply
 * each is nested in `{ }`, and where each brace pair opens and closes. */
interface Structure {
  depth: Int32Array; // -1 inside strings and comments
  pairs: { open: number; close: number }[];
}

/** Scans Nix source once: strings ("..." and ''...'', with `${ }` interpolation back into code),
 * comments (# and block), and attribute-set or pattern braces. */
function scan(text: string): Structure {
  const depth = new Int32Array(text.length).fill(-1);
  const pairs: { open: number; close: number }[] = [];
  // Each frame is an open brace: a code brace, or an interpolation inside a string of a kind.
  const stack: { open: number; resume: "code" | '"' | "''" }[] = [];
  let mode: "code" | '"' | "''" | "#" | "/*" = "code";
  let i = 0;
  const codeDepth = () => stack.length;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (mode === "code") {
      if (c === "#") mode = "#";
      else if (c === "/" && next === "*") {
        mode = "/*";
        i += 2;
        continue;
      } else if (c === '"') {
        depth[i] = codeDepth(); // the opening quote still belongs to the code around it
        mode = '"';
      } else if (c === "'" && next === "'") {
        depth[i] = codeDepth();
        mode = "''";
        i += 2;
        continue;
      } else if (c === "{") {
        depth[i] = codeDepth();
        stack.push({ open: i, resume: "code" });
        i++;
        continue;
      } else if (c === "}") {
        const frame = stack.pop();
        if (frame) {
          // Interpolation braces are not sets: only code braces can hold attributes.
          if (frame.resume === "code") pairs.push({ open: frame.open, close: i });
          mode = frame.resume;
          if (frame.resume !== "code") {
            i++;
            continue;
          }
        }
        depth[i] = codeDepth();
        i++;
        continue;
      } else {
        depth[i] = codeDepth();
      }
      i++;
      continue;
    }
    if (mode === "#") {
      if (c === "\n") mode = "code";
      i++;
      continue;
    }
    if (mode === "/*") {
      if (c === "*" && next === "/") {
        mode = "code";
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (mode === '"') {
      if (c === "\\") i += 2;
      else if (c === '"') {
        mode = "code";
        i++;
      } else if (c === "$" && next === "{") {
        stack.push({ open: i + 1, resume: '"' });
        mode = "code";
        i += 2;
      } else i++;
      continue;
    }
    // Indented string: '' escapes (''$ ''' ''\x) and its end ''.
    if (c === "'" && next === "'") {
      const after = text[i + 2];
      if (after === "$" || after === "'") i += 3;
      else if (after === "\\") i += 4;
      else {
        mode = "code";
        i += 2;
      }
    } else if (c === "$" && next === "{") {
      stack.push({ open: i + 1, resume: "''" });
      mode = "code";
      i += 2;
    } else i++;
  }
  return { depth, pairs };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text[i] === "\n") line++;
  return line;
}

/** Offsets of `key =` assignments in code, with the offset where the value begins. */
function assignments(text: string, s: Structure, key: string): { at: number; value: number }[] {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`(?<![A-Za-z0-9_'.-])"?${escaped}"?\\s*=(?!=)\\s*`, "g");
  const found: { at: number; value: number }[] = [];
  for (const m of text.matchAll(re)) {
    if (s.depth[m.index] >= 0) found.push({ at: m.index, value: m.index + m[0].length });
  }
  return found;
}

/** An attribute assignment in code: its key, where it starts, where its value starts, its line
 * and the attribute set (brace pair) directly holding it. */
export interface Assignment {
  key: string;
  at: number;
  value: number;
  line: number;
  set: { open: number; close: number } | undefined;
}

/** The parsed shape of a Nix file, for discovery: every assignment in code, in source order. */
export interface NixSource {
  text: string;
  assignments: Assignment[];
  /** The plain string literal at `offset` (no interpolation), or null. */
  stringAt(offset: number): Literal | null;
}

export function parseNixSource(text: string): NixSource {
  const s = scan(text);
  const re = /(?<![A-Za-z0-9_'.-])(?:"([A-Za-z0-9_.+-]+)"|([A-Za-z_][A-Za-z0-9_'-]*))\s*=(?!=)\s*/g;
  const found: Assignment[] = [];
  let line = 1;
  let lineAt = 0;
  for (const m of text.matchAll(re)) {
    if (s.depth[m.index] < 0) continue;
    for (; lineAt < m.index; lineAt++) if (text[lineAt] === "\n") line++;
    found.push({
      key: m[1] ?? m[2],
      at: m.index,
      value: m.index + m[0].length,
      line,
      set: innermostSet(s, m.index),
    });
  }
  return { text, assignments: found, stringAt: (offset) => stringLiteral(text, offset) };
}

/** Reads a plain string literal (no interpolation) starting at `start`, which must be `"`. */
function stringLiteral(text: string, start: number): Literal | null {
  if (text[start] !== '"') return null;
  let i = start + 1;
  while (i < text.length && text[i] !== '"') {
    if (text[i] === "\\" || (text[i] === "$" && text[i + 1] === "{")) return null;
    i++;
  }
  if (i >= text.length) return null;
  return { start, end: i + 1, value: text.slice(start + 1, i), line: lineOf(text, start) };
}

/** The one assignment of `query.key` the query means; errors name the file and what was found. */
function locateAssignment(
  text: string,
  s: Structure,
  query: LiteralQuery,
): { at: number; value: number } {
  let found = assignments(text, s, query.key);
  if (query.within !== undefined) {
    const anchors = [...text.matchAll(new RegExp(escapeRegExp(query.within), "g"))];
    if (anchors.length !== 1) {
      throw new InputError(
        `${query.file}: expected the text ${JSON.stringify(query.within)} exactly once (to find ` +
          `"${query.key}"), found it ${anchors.length} times`,
      );
    }
    const anchor = anchors[0].index!;
    const set = innermostSet(s, anchor);
    if (!set) {
      throw new InputError(
        `${query.file}: ${JSON.stringify(query.within)} is not inside an attribute set`,
      );
    }
    const inner = s.depth[set.open] + 1;
    found = found.filter((a) => a.at > set.open && a.at < set.close && s.depth[a.at] === inner);
  }
  if (query.index !== undefined) found = found.slice(query.index, query.index + 1);
  const where = query.within === undefined ? "" : ` next to ${JSON.stringify(query.within)}`;
  if (found.length === 0) {
    throw new InputError(`${query.file}: no "${query.key} = ..." assignment found${where}`);
  }
  if (found.length > 1) {
    const lines = found.map((a) => lineOf(text, a.at)).join(", ");
    throw new InputError(
      `${query.file}: "${query.key} = ..." is ambiguous${where}: it is assigned on lines ${lines} ` +
        `(set "within" in the config to pick one)`,
    );
  }
  return found[0];
}

function innermostSet(s: Structure, offset: number): { open: number; close: number } | undefined {
  let best: { open: number; close: number } | undefined;
  for (const p of s.pairs) {
    if (p.open < offset && offset < p.close && (!best || p.open > best.open)) best = p;
  }
  return best;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Finds the version string: `key = "...";`, exactly once (or once next to `within`). */
export function findVersion(text: string, query: LiteralQuery): Literal {
  const s = scan(text);
  const a = locateAssignment(text, s, query);
  const literal = stringLiteral(text, a.value);
  if (!literal) {
    throw new InputError(
      `${query.file}:${lineOf(text, a.at)}: "${query.key}" is not a plain string literal`,
    );
  }
  return literal;
}

/** Finds a hash: a string literal, a placeholder expression like `lib.fakeHash`, or a per-system
 * set `{ "x86_64-linux" = "..."; ... }` of which only `system`'s entry is taken. */
export function findHash(text: string, query: LiteralQuery, system: string): HashLiteral {
  const s = scan(text);
  const a = locateAssignment(text, s, query);
  const line = lineOf(text, a.at);
  if (text[a.value] === "{") {
    const set = s.pairs.find((p) => p.open === a.value)!;
    const entries = setEntries(text, s, set);
    const mine = entries.find((e) => e.name === system);
    if (!mine) {
      const known = entries.map((e) => e.name).join(", ") || "none";
      throw new InputError(
        `${query.file}:${line}: "${query.key}" has no entry for the builder's system ${system} ` +
          `(it has: ${known})`,
      );
    }
    return {
      literal: mine.literal,
      otherSystems: entries.filter((e) => e !== mine).map((e) => ({
        system: e.name,
        value: e.literal.value,
      })),
    };
  }
  const literal = stringLiteral(text, a.value) ?? placeholderExpression(text, a.value);
  if (!literal) {
    throw new InputError(
      `${query.file}:${line}: "${query.key}" is neither a hash string nor a per-system set of them`,
    );
  }
  return { literal, otherSystems: [] };
}

/** `lib.fakeHash`-style placeholders people leave while upgrading by hand are rewritable too. */
function placeholderExpression(text: string, start: number): Literal | null {
  const m = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)*fake(?:Hash|Sha256|Sha512)\b/.exec(text.slice(start));
  if (!m) return null;
  return { start, end: start + m[0].length, value: m[0], line: lineOf(text, start) };
}

function setEntries(
  text: string,
  s: Structure,
  set: { open: number; close: number },
): { name: string; literal: Literal }[] {
  const inner = s.depth[set.open] + 1;
  const entries: { name: string; literal: Literal }[] = [];
  const re = /(?:"([^"\\$]+)"|([A-Za-z_][A-Za-z0-9_'-]*))\s*=\s*/g;
  re.lastIndex = set.open + 1;
  for (let m = re.exec(text); m && m.index < set.close; m = re.exec(text)) {
    if (s.depth[m.index] !== inner) continue;
    const literal = stringLiteral(text, m.index + m[0].length);
    if (literal) entries.push({ name: m[1] ?? m[2], literal });
  }
  return entries;
}

/** Rewrites one literal, checking first that the text still holds it where it was found. */
export function replaceLiteral(text: string, literal: Literal, value: string): string {
  const current = text.slice(literal.start, literal.end);
  if (current !== `"${literal.value}"` && current !== literal.value) {
    throw new Error(`internal: literal at offset ${literal.start} moved`);
  }
  if (/["\\$]/.test(value)) throw new InputError(`refusing to write ${JSON.stringify(value)}`);
  return text.slice(0, literal.start) + `"${value}"` + text.slice(literal.end);
}

/** A Nix path literal in code (`./a.nix`, `../shared/x.nix`, `/etc/x`, `~/x`), not in strings or
 * comments; `<nixpkgs>` lookups are not paths of the package. */
export function pathLiterals(text: string): { path: string; line: number }[] {
  const s = scan(text);
  const re =
    /(?<![A-Za-z0-9_'.+\-/])(?:\.\.?|~)?(?:\/[A-Za-z0-9._+-]+)+\/?|(?<![A-Za-z0-9_'.+\-/])\.\.?(?=[\s;)\]}]|$)/g;
  const found: { path: string; line: number }[] = [];
  for (const m of text.matchAll(re)) {
    if (s.depth[m.index] < 0) continue;
    found.push({ path: m[0], line: lineOf(text, m.index) });
  }
  return found;
}

/** A file's top-level function formals (`{ pkgs ? import <nixpkgs> { }, sources }: ...`): each name
 * and whether it has a default; null when the file is not a function of an attribute set. */
export function functionFormals(text: string): { name: string; hasDefault: boolean }[] | null {
  const s = scan(text);
  const codeAt = (from: number) => {
    let i = from;
    while (i < text.length && (s.depth[i] !== 0 || /\s/.test(text[i]))) i++;
    return i;
  };
  let open = codeAt(0);
  const binding = /^[A-Za-z_][\w'-]*\s*@\s*/.exec(text.slice(open)); // args@{ ... }:
  if (binding) open = codeAt(open + binding[0].length);
  const pair = s.pairs.find((p) => p.open === open);
  if (!pair) return null;
  let after = codeAt(pair.close + 1);
  const named = /^@\s*[A-Za-z_][\w'-]*/.exec(text.slice(after)); // { ... }@args:
  if (named) after = codeAt(after + named[0].length);
  if (text[after] !== ":") return null;
  let code = "";
  for (let i = open + 1; i < pair.close; i++) if (s.depth[i] === 1) code += text[i];
  return code.split(",").map((f) => f.trim()).filter((f) => f !== "" && f !== "...").map((f) => ({
    name: /^[A-Za-z_][\w'-]*/.exec(f)?.[0] ?? f,
    hasDefault: /^[A-Za-z_][\w'-]*\s*\?/.test(f),
  }));
}
