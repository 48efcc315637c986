// Dockerfiles: which forge mirror a Dockerfile clones at which tag of its version ARG, and the ARG moved (pure).
import { DOCKERFILE_VERSION_ARG } from "../site/defaults.ts";
import { parseVersion } from "../nix/versions.ts";
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

/** One instruction with its continuation lines joined, and the line it starts on. */
interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** The instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: { text: string; line: number } | null = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (current === null && /^\s*(#|$)/.test(line)) return;
    if (current !== null && /^\s*#/.test(line)) return; // a comment inside a continuation
    const continued = /\\\s*$/.test(line);
    const part = continued ? line.replace(/\\\s*$/, "") : line;
    current = current ? { text: `${current.text} ${part.trim()}`, line: current.line } : {
      text: part.trim(),
      line: i + 1,
    };
    if (!continued) {
      const m = /^(\S+)\s*(.*)$/.exec(current.text)!;
      out.push({ keyword: m[1].toUpperCase(), args: m[2], line: current.line });
      current = null;
    }
  });
  return out;
}

/** The ARG defaults, first definition with a value winning (a stage's bare `ARG X` re-declares
 * the global one without changing it). */
function argDefaults(list: Instruction[]): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const ins of list.filter((i) => i.keyword === "ARG")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)/.exec(ins.args);
    if (m && !defaults.has(m[1])) defaults.set(m[1], m[2].replace(/^"(.*)"$/, "$1"));
  }
  return defaults;
}

const MARK = "\u0000version\u0000";

/** `value` with its `${ARG}` references expanded from the defaults, the version ARG kept as a
 * mark; null with the reason when a reference has no default. */
function expand(
  value: string,
  defaults: Map<string, string>,
  depth = 0,
): { text: string } | { reason: string } {
  if (depth > 8) return { reason: `${value}: the ARG references go round in a circle` };
  let reason: string | null = null;
  const text = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (
    _all,
    braced: string | undefined,
    bare: string | undefined,
  ) => {
    const name = braced ?? bare!;
    if (name === DOCKERFILE_VERSION_ARG) return MARK;
    const inner = defaults.get(name);
    if (inner === undefined) {
      reason ??= `\${${name}} has no default ARG value`;
      return "";
    }
    const expanded = expand(inner, defaults, depth + 1);
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
  const declared = list.find((i) =>
    i.keyword === "ARG" && i.args.startsWith(`${DOCKERFILE_VERSION_ARG}=`)
  );
  if (!declared) return null;
  const literal = declared.args.slice(DOCKERFILE_VERSION_ARG.length + 1).split(/\s/)[0]
    .replace(/^"(.*)"$/, "$1");
  const version = literal.replace(/^v/, "");
  const problems: string[] = [];
  try {
    parseVersion(version, `ARG ${DOCKERFILE_VERSION_ARG}`);
  } catch (e) {
    problems.push(`line ${declared.line}: ${(e as Error).message}`);
  }
  const defaults = argDefaults(list);
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

/** The Dockerfile with its version ARG set to `version`, in the file's own style (a `v` prefix
 * kept); every `ARG <version ARG>=` line moves, nothing else changes. */
export function setDockerfileVersion(text: string, version: string): string {
  const bare = version.replace(/^v/, "");
  const pattern = new RegExp(`^(ARG[ \\t]+${DOCKERFILE_VERSION_ARG}=)("?)(v?)[^\\s"]+\\2`, "gm");
  return text.replace(
    pattern,
    (_all, before: string, quote: string, v: string) => `${before}${quote}${v}${bare}${quote}`,
  );
}
