// Test helper: a fixture served by the Forgejo stand-in, with a config for cron runs against it.
import assert from "node:assert/strict";
import { $ } from "zx";
import { type Fixture, type FixtureOptions, makeFixture } from "./fixture.ts";
import { type Forge, type ForgeSettings, type ForgeUser, startForge } from "../forge/server.ts";
import { runBot, writeConfig } from "./bot_run.ts";

export interface ForgeWorld {
  f: Fixture;
  forge: Forge;
  /** writeConfig's config, pointed at the forge's eblume/blumeops with base main. */
  config: string;
  /** Another config like it, with `more` on top (its `forge` section merged too). */
  configWith: (more: Record<string, unknown>) => Promise<string>;
  /** The forge's API as the bot: the JSON answer, or null for 204. */
  api: (path: string, init?: RequestInit) => Promise<unknown>;
  /** The bot runs' TMPDIR (their clones, and what a killed run leaves), this world's own. */
  tmp: string;
  /** `bot.ts run --json` with that config, the bot's token and TMPDIR `tmp`. */
  cron: (...args: string[]) => ReturnType<typeof runBot>;
  /** A fresh clone of the target repository as the forge has it now. */
  clone: () => Promise<string>;
}

export interface ForgeWorldOptions {
  /** The bot's token; the bot logs in as "bot". */
  token: string;
  botPermission?: "write" | "admin";
  /** Users besides the bot. */
  people?: ForgeUser[];
  settings?: Partial<ForgeSettings>;
  fixture?: FixtureOptions;
  builder?: string;
  /** More config; its `forge` section is merged into the one pointing at the stand-in. */
  config?: Record<string, unknown>;
}

/** Runs `fn` in a fresh world, then checks that every forge reply followed the swagger (the
 * stand-in validates them all), and removes the world whatever happened. */
export async function withForgeWorld(
  o: ForgeWorldOptions,
  fn: (w: ForgeWorld) => Promise<void>,
): Promise<void> {
  const f = await makeFixture(o.fixture);
  const forge = await startForge({
    root: f.mirrorsDir,
    users: [
      { login: "bot", token: o.token, permission: o.botPermission ?? "admin" },
      ...o.people ?? [],
    ],
    validate: true,
    settings: o.settings,
  });
  try {
    const configWith = (more: Record<string, unknown> = {}) =>
      writeConfig(f, o.builder ?? "local", {
        ...o.config,
        ...more,
        forge: {
          url: forge.url,
          repo: "eblume/blumeops",
          base: "main",
          ...o.config?.forge as Record<string, unknown>,
          ...more.forge as Record<string, unknown>,
        },
      });
    const config = await configWith();
    const api = async (path: string, init: RequestInit = {}) => {
      const r = await fetch(`${forge.url}/api/v1${path}`, {
        ...init,
        headers: { Authorization: `token ${o.token}`, "Content-Type": "application/json" },
      });
      return r.status === 204 ? null : await r.json();
    };
    const tmp = `${f.root}/tmp`;
    await Deno.mkdir(tmp);
    const cron = (...args: string[]) =>
      runBot(["run", "--config", config, "--json", ...args], { FORGE_TOKEN: o.token, TMPDIR: tmp });
    const clone = async () => {
      const dir = await Deno.makeTempDir({ dir: f.root, prefix: "clone-" });
      await $({ quiet: true })`git clone -q ${`${f.mirrorsDir}/eblume/blumeops.git`} ${dir}`;
      return dir;
    };
    await fn({ f, forge, config, configWith, api, tmp, cron, clone });
    assert.deepEqual(forge.violations, [], "every response followed the swagger");
  } finally {
    await forge.stop();
    await f.cleanup();
  }
}
