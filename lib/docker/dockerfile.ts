// Dockerfiles: which forge mirror a Dockerfile clones at which tag of its version ARG, and the ARG moved (pure).
import { DOCKERFILE_VERSION_ARG } from "../site/defaults.ts";
import { orderableVersion } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import { forgeRepoOf } from "../platform/forge.ts";

/** A forge mirror a Dockerfile clones, and the tag it asks for, `{version}` standing for the
 * version (without its `v`). */
export interface ClonedMirror {
  repo: string;
  tag: string;
  /** The line of the `git clone`. */
  line: number;
}

/** What a Dockerfile says about its version and the mirrors it builds from. */
export interface DockerDiscovery {
  /** The version ARG's value as written (`v1.10.1`, `3.6.5`). */
  literal: string;
  /** The version without a `v` prefix. */
  version: string;
  line: number;
  mirrors: ClonedMirror[];
  /** Why a forge mirror the file names cannot be followed (cloned at a commit, no --branch ...). */
  problems: string[];
}

/** One instruction with its continuation lines joined, the line it starts on, and its physical
 * lines (comments inside it left out) with where each starts in the text. */
interface Instruction {
  keyword: string;
  args: string;
  line: number;
  parts: { at: number; text: string }[];
}

/** The instructions of a Dockerfile as Docker reads them: the keyword in any case and after any
 * indentation, comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: { text: string; line: number; parts: Instruction["parts"] } | null = null;
  let at = 0;
  text.split("\n").forEach((raw, i) => {
    const lineAt = at;
    at += raw.length + 1;
    const line = raw.replace(/\r$/, "");
    if (current === null && /^\s*(#|$)/.test(line)) return;
    if (current !== null && /^\s*#/.test(line)) return; // a comment inside a continuation
    const continued = /\\\s*$/.test(line);
    const part = continued ? line.replace(/\\\s*$/, "") : line;
    const piece = { at: lineAt, text: part };
    current = current
      ? {
        text: `${current.text} ${part.trim()}`,
        line: current.line,
        parts: [...current.parts, piece],
      }
      : { text: part.trim(), line: i + 1, parts: [piece] };
    if (!continued) {
      const m = /^(\S+)\s*(.*)$/.exec(current.text)!;
      out.push({
        keyword: m[1].toUpperCase(),
        args: m[2],
        line: current.line,
        parts: current.parts,
      });
      current = null;
    }
  });
  return out;
}

/** One `NAME=value` an ARG instruction declares: its value unquoted, and where that value lies in
 * the text (inside its quotes), so discovery and the bump read the same place. */
interface ArgDeclaration {
  name: string;
  value: string;
  line: number;
  start: number;
  end: number;
}

/** A declaration with a value: after the line's start or a blank, a name, `=`, then a double- or
 * single-quoted value or a bare word. */
const DECLARATION = /(^|\s)([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|([^\s"']*))/g;

/** The declarations with a value of every ARG instruction, in file order (a bare `ARG X`
 * re-declares without a value and is not one). */
function argDeclarations(text: string, list: Instruction[]): ArgDeclaration[] {
  const out: ArgDeclaration[] = [];
  for (const ins of list.filter((i) => i.keyword === "ARG")) {
    ins.parts.forEach((part, k) => {
      // The first physical line starts with the keyword itself.
      const skip = k === 0 ? /^\s*\S+/.exec(part.text)![0].length : 0;
      const words = part.text.slice(skip);
      for (const m of words.matchAll(DECLARATION)) {
        const value = m[3] ?? m[4] ?? m[5];
        const quoted = m[3] !== undefined || m[4] !== undefined ? 1 : 0;
        const start = part.at + skip + m.index! + m[1].length + m[2].length + 1 + quoted;
        out.push({
          name: m[2],
          value,
          line: lineAt(text, part.at),
          start,
          end: start + value.length,
        });
      }
    });
  }
  return out;
}

/** The 1-based line of offset `at`. */
function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** The ARG defaults, first definition with a value winning (a stage's bare `ARG X` re-declares
 * the global one without changing it). */
function argDefaults(declared: ArgDeclaration[]): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const d of declared) if (!defaults.has(d.name)) defaults.set(d.name, d.value);
  return defaults;
}

const MARK = "\u0000version\u0000";

/** `value` with its `${ARG}` references expanded from the defaults, the version ARG kept as a
 * mark; null with the reason when a reference has no default (`lenient`: such a reference is kept
 * as written, as `${ARCH}` set by the command itself). */
function expand(
  value: string,
  defaults: Map<string, string>,
  depth = 0,
  lenient = false,
): { text: string } | { reason: string } {
  if (depth > 8) return { reason: `${value}: the ARG references go round in a circle` };
  let reason: string | null = null;
  const text = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (
    all,
    braced: string | undefined,
    bare: string | undefined,
  ) => {
    const name = braced ?? bare!;
    if (name === DOCKERFILE_VERSION_ARG) return MARK;
    const inner = defaults.get(name);
    if (inner === undefined && lenient) return all;
    if (inner === undefined) {
      reason ??= `\${${name}} has no default ARG value`;
      return "";
    }
    const expanded = expand(inner, defaults, depth + 1, lenient);
    if ("reason" in expanded) {
      reason ??= expanded.reason;
      return "";
    }
    return expanded.text;
  });
  return reason ? { reason } : { text };
}

/** The words of one shell command line, split at `&&`, `;` and `|` (quotes removed). */
function commands(shell: string): string[][] {
  return shell.split(/&&|\|\||;|\|/).map((c) =>
    (c.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, "$2"))
  );
}

/** What the Dockerfile declares: its version ARG and every forge mirror it clones at a tag made
 * from it, or null when it has no `ARG <version ARG>=` with a value. `forgeUrls` are the forge's
 * addresses as the files may spell them. */
export function discoverDockerfile(text: string, forgeUrls: string[]): DockerDiscovery | null {
  const list = instructions(text);
  const declarations = argDeclarations(text, list);
  const declared = declarations.find((d) => d.name === DOCKERFILE_VERSION_ARG);
  if (!declared) return null;
  const literal = declared.value;
  const version = literal.replace(/^v/, "");
  const problems: string[] = [];
  if (orderableVersion(version) === null) {
    problems.push(
      `line ${declared.line}: ARG ${DOCKERFILE_VERSION_ARG} ${
        JSON.stringify(literal.slice(0, 80))
      } is not a release version like 2026.5.0`,
    );
  }
  const defaults = argDefaults(declarations);
  const style = literal.startsWith("v") ? "v" : "";
  const mirrors: ClonedMirror[] = [];
  for (const ins of list.filter((i) => i.keyword === "RUN")) {
    for (const words of commands(ins.args)) {
      const url = words.find((w) => forgeRepoOf(w, forgeUrls) !== null);
      if (!url) continue;
      const repo = forgeRepoOf(url, forgeUrls)!;
      const where = `line ${ins.line}: ${repo}`;
      if (words[0] !== "git" || words[1] !== "clone") {
        problems.push(
          `${where} is fetched by "${words.slice(0, 2).join(" ")}", not cloned at a tag`,
        );
        continue;
      }
      const flag = words.findIndex((w) => w === "--branch" || w === "-b");
      const inline = words.find((w) => w.startsWith("--branch="));
      const ref = inline ? inline.slice("--branch=".length) : flag >= 0 ? words[flag + 1] : null;
      if (!ref) {
        problems.push(`${where} is cloned without --branch: its default branch, not a version`);
        continue;
      }
      const expanded = expand(ref, defaults);
      if ("reason" in expanded) {
        problems.push(`${where}: --branch ${ref}: ${expanded.reason}`);
        continue;
      }
      if (expanded.text.split(MARK).length !== 2) {
        problems.push(
          `${where}: --branch ${ref} is not made from ${DOCKERFILE_VERSION_ARG} once`,
        );
        continue;
      }
      const tag = expanded.text.replace(MARK, `${style}{version}`);
      const same = mirrors.find((m) => m.repo === repo);
      if (same && same.tag !== tag) {
        problems.push(`${where} is cloned at two tags (${same.tag}, ${tag})`);
      } else if (!same) mirrors.push({ repo, tag, line: ins.line });
    }
  }
  return { literal, version, line: declared.line, mirrors, problems };
}

/** A command of a RUN instruction that uses the version ARG: its words with the ARG references
 * expanded from the defaults, the version ARG written `{version}` (a word whose references cannot
 * be expanded is kept as written). */
export interface VersionCommand {
  line: number;
  words: string[];
}

/** Where a Dockerfile shows a source of new versions for its version ARG. */
export interface VersionUses {
  /** The RUN commands naming the version ARG (`pip install name=={version}`, a download URL). */
  commands: VersionCommand[];
  /** The images the FROM instructions name (`nginx:{version}-alpine`). */
  froms: string[];
  /** The image's labels as the LABEL instructions set them, the last one of a key winning
   * (`org.opencontainers.image.source`: the repository it is built from). */
  labels: Map<string, string>;
}

/** The RUN commands that name the version ARG (directly or through another ARG), the images the
 * FROM instructions name, expanded the same way, and the labels: where a source of new versions
 * shows (a `pip install name==${VERSION}`, an `apk add name=${VERSION}`, a
 * `FROM image:${VERSION}`, a source label beside a download of the version). */
export function versionUses(text: string): VersionUses {
  const list = instructions(text);
  const defaults = argDefaults(argDeclarations(text, list));
  // A reference with no default (`${ARCH}`, set by the command) is kept as written.
  const word = (w: string) => {
    const expanded = expand(w, defaults, 0, true);
    return "reason" in expanded ? w : expanded.text.replaceAll(MARK, "{version}");
  };
  const commandsUsing = list.filter((i) => i.keyword === "RUN").flatMap((ins) =>
    commands(ins.args).map((words) => ({ line: ins.line, words: words.map(word) }))
  ).filter((c) => c.words.some((w) => w.includes("{version}")));
  const froms = list.filter((i) => i.keyword === "FROM").map((i) =>
    word(i.args.split(/\s+/).find((w) => !w.startsWith("--")) ?? "")
  );
  return { commands: commandsUsing, froms, labels: labels(list) };
}

/** One `key=value` of a LABEL instruction: the key bare or double-quoted, the value double- or
 * single-quoted (a double-quoted one may escape a quote) or a bare word. */
const LABEL_PAIR =
  /(?:^|\s)(?:"((?:[^"\\]|\\.)*)"|([^\s="']+))=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']*))(?=\s|$)/g;

/** The labels the LABEL instructions set, in file order (a later one of a key wins): `key=value`
 * pairs, or the old one-pair form `LABEL key the value`. What is neither is no label. */
function labels(list: Instruction[]): Map<string, string> {
  const out = new Map<string, string>();
  const unescape = (s: string) => s.replace(/\\(.)/g, "$1");
  for (const ins of list.filter((i) => i.keyword === "LABEL")) {
    // A first word with no `=`: the old form, the rest of the line its value.
    const old = /^([^\s="']+)\s+(.+)$/.exec(ins.args);
    if (old) {
      out.set(old[1], old[2].replace(/^(["'])(.*)\1$/, "$2"));
      continue;
    }
    for (const m of ins.args.matchAll(LABEL_PAIR)) {
      const key = m[1] !== undefined ? unescape(m[1]) : m[2];
      out.set(key, m[3] !== undefined ? unescape(m[3]) : m[4] ?? m[5]);
    }
  }
  return out;
}

/** The Dockerfile with its version ARG set to `version`, in the file's own style (a `v` prefix
 * and quotes kept): every declaration of the version ARG with a value moves, nothing else
 * changes. A file with none is an error: a bump never passes as done while the file stays. */
export function setDockerfileVersion(text: string, version: string, file = "Dockerfile"): string {
  const bare = version.replace(/^v/, "");
  const declared = argDeclarations(text, instructions(text)).filter((d) =>
    d.name === DOCKERFILE_VERSION_ARG
  );
  if (declared.length === 0) {
    throw new InputError(`${file}: no ARG ${DOCKERFILE_VERSION_ARG}= with a value to move`);
  }
  let out = text;
  for (const d of declared.reverse()) {
    out = `${out.slice(0, d.start)}${d.value.startsWith("v") ? "v" : ""}${bare}${out.slice(d.end)}`;
  }
  return out;
}
