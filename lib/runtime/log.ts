// Progress output: lines on stderr, with secrets redacted wherever they appear, and each package's own.
import { AsyncLocalStorage } from "node:async_hooks";

const secrets = new Set<string>();

/** Registers a value (a token) that must never be printed. */
export function addSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

const taken = new Map<string, string>();

/** Reads a secret from the environment variable `name` once, registers it for redaction and
 * removes it from the bot's own environment, so no child process (a build, ssh, git) inherits
 * it; later calls get the value read first. "" when unset. */
export function takeSecret(name: string): string {
  if (!taken.has(name)) {
    taken.set(name, Deno.env.get(name) ?? "");
    Deno.env.delete(name);
  }
  const value = taken.get(name)!;
  addSecret(value);
  return value;
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.replaceAll(s, "***");
  return out;
}

/** Characters that would act on a terminal rather than show: C0 controls but line feed and tab,
 * DEL, C1 controls, and the bidirectional overrides and isolates that reorder what follows. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** `text` as it may be printed: every control character written out (`\x1b`, `\u202e`), so
 * what a tag name, a title or a program's output carries shows, and never moves the cursor,
 * recolours the terminal or rewrites a line already printed. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

let quiet = false;

export function setQuiet(value: boolean): void {
  quiet = value;
}

/** What belongs to one package while several run at once: its name before each of its progress
 * lines (theirs interleave), and its own phase timings. Follows the package's work through every
 * await, timer and child process (AsyncLocalStorage), so no module passes it along. */
interface PackageScope {
  name: string;
  timings: Record<string, number>;
}

const scope = new AsyncLocalStorage<PackageScope>();

/** Runs `fn` as package `name`'s work: its progress lines named, its phases timed apart. */
export function asPackage<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return scope.run({ name, timings: {} }, fn);
}

/** One progress line on stderr (stdout is kept for results: the diff, the summary, --json). */
export function progress(message: string): void {
  if (quiet) return;
  const name = scope.getStore()?.name;
  const named = name && !message.startsWith(`${name}:`) ? `[${name}] ${message}` : message;
  console.error(escapeControls(redact(named)));
}

/** Formats seconds for people: 4.2s, 3m05s, 1h02m05s. */
export function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const total = Math.round(s);
  const two = (n: number) => String(n).padStart(2, "0");
  const m = Math.floor(total / 60) % 60;
  if (total < 3600) return `${m}m${two(total % 60)}s`;
  return `${Math.floor(total / 3600)}h${two(m)}m${two(total % 60)}s`;
}

/** Where a run's time went, in seconds by phase (the --json `timings`): Deno's start and module
 * loading (`start`), the builder's system, the evaluation before any change, git, nix-build.
 * Phases of a package's own work are kept apart (`asPackage`). */
export const timings: Record<string, number> = {};

/** The run-wide phases with the current package's own (`timings` outside any package). */
export function phaseTimings(): Record<string, number> {
  const own = scope.getStore()?.timings;
  return own ? { ...timings, ...own } : timings;
}

/** Adds the time `fn` takes to its phase: the current package's, else the run's. */
export async function timePhase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const began = performance.now();
  const into = scope.getStore()?.timings ?? timings;
  try {
    return await fn();
  } finally {
    into[name] = (into[name] ?? 0) + (performance.now() - began) / 1000;
  }
}
