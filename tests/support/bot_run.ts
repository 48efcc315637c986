// Test helpers: run bot.ts as a user would, write a config for a fixture, edit-and-commit files.
import { stringify } from "yaml";
import type { Fixture } from "./fixture.ts";
import { $ } from "zx";

const BOT = new URL("../../bot.ts", import.meta.url).pathname;

/** `deno` arguments that start bot.ts as the README does: with deno.json's permission set (-P),
 * never -A, so a permission the bot lacks fails the test that needs it. */
export function botArgs(args: string[]): string[] {
  return ["run", "-P", BOT, ...args];
}

export interface BotRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The --json report (the last line of stdout), when there is one. */
  json: Record<string, unknown> | null;
}

export async function runBot(args: string[], env: Record<string, string> = {}): Promise<BotRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: botArgs(args),
    env,
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  let json = null;
  try {
    json = last.startsWith("{") ? JSON.parse(last) : null;
  } catch {
    // Not a JSON line: the test asserting on it will say so.
  }
  return { code: out.code, stdout, stderr: new TextDecoder().decode(out.stderr), json };
}

/** A pull request as the forge's API lists it, the fields the tests read. */
export interface ForgePull {
  number: number;
  title: string;
  body: string;
  state: string;
  head: { ref: string; sha: string };
}

/** A `run --json` report's packages by name; the run must have printed the report. */
export function runOutcomes<T extends { package: string }>(run: BotRun): Record<string, T> {
  if (!run.json) throw new Error(`no --json line\n${run.stdout}\n${run.stderr}`);
  return Object.fromEntries((run.json.packages as T[]).map((p) => [p.package, p]));
}

/** A config for the fixture: its offline <nixpkgs>, the given builder, and any overrides. */
export async function writeConfig(
  fixture: Fixture,
  builder: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const path = `${fixture.root}/upgrade-bot-${crypto.randomUUID()}.yaml`;
  // build and lock are merged into these, so a test names only the settings it changes.
  const { build, lock, ...rest } = extra as {
    build?: Record<string, unknown>;
    lock?: Record<string, unknown>;
  };
  const config = {
    builder,
    build: { args: fixture.buildArgs, max_jobs: 5, ...build },
    log_dir: `${fixture.root}/logs`,
    lock: { dir: `${fixture.root}/locks`, wait_seconds: 5, ...lock },
    // The fixture has no deployment manifest: no follow-through unless a test asks for it.
    deploy: null,
    ...rest,
  };
  await Deno.writeTextFile(path, stringify(config));
  return path;
}

/** Edits a file of the target repository and commits it as its human owner would. */
export async function commitEdit(
  repo: string,
  path: string,
  edit: (text: string) => string,
): Promise<void> {
  const file = `${repo}/${path}`;
  const before = await Deno.readTextFile(file);
  const after = edit(before);
  if (after === before) throw new Error(`commitEdit: ${path} did not change`);
  await Deno.writeTextFile(file, after);
  await $({
    cwd: repo,
    quiet: true,
  })`git -c user.name=Human -c user.email=h@example.org commit -qam ${"edit " + path}`;
}

export async function git(repo: string, ...args: string[]): Promise<string> {
  return (await $({ cwd: repo, quiet: true })`git ${args}`).stdout.trim();
}
