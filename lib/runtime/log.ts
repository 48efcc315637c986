// Progress output: lines on stderr, with secrets redacted wherever they appear.

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

let quiet = false;

export function setQuiet(value: boolean): void {
  quiet = value;
}

/** One progress line on stderr (stdout is kept for results: the diff, the summary, --json). */
export function progress(message: string): void {
  if (quiet) return;
  console.error(redact(message));
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
 * loading (`start`), the builder's system, the evaluation before any change, git, nix-build. */
export const timings: Record<string, number> = {};

/** Adds the time `fn` takes to `timings[name]`. */
export async function timePhase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const began = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = (timings[name] ?? 0) + (performance.now() - began) / 1000;
  }
}
