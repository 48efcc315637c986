// Benchmark: the bot's harvest against the one-hash-at-a-time baseline, on the fixture with FOD
// builders that sleep to stand for download time. Prints figures and the targets they meet.
import { join } from "node:path";
import { makeFixture } from "./fixture.ts";
import { startForge } from "../forge/server.ts";
import { runBot, writeConfig } from "./botrun.ts";
import { parseConfig } from "../../lib/runtime/config.ts";
import { makeBuilder } from "../../lib/harvest/builders/builder.ts";
import { buildExpression } from "../../lib/harvest/rounds.ts";
import { bumpVersion, resetHashes } from "../../lib/harvest/literals.ts";
import { findHash, replaceLiteral } from "../../lib/nix/edit.ts";
import { parseNixLog } from "../../lib/nix/log.ts";
import { setQuiet } from "../../lib/runtime/log.ts";

const SLEEP_SECONDS = Number(Deno.env.get("BENCH_FOD_SLEEP") ?? "2");
const TO = "2026.5.0";

interface Figures {
  runs: number;
  wall: number;
  outside: number;
}

/** The bot as a user runs it: bot.ts in its own process, timed from outside. */
async function botHarvest(): Promise<Figures> {
  const f = await makeFixture();
  try {
    // Builds see a clean environment: the stand-in's sleep has to be named in build.env.
    const config = await writeConfig(f, "local", { build: { env: ["UPGRADE_BOT_FOD_SLEEP"] } });
    const began = performance.now();
    const run = await runBot(
      ["upgrade", "--repo", f.repo, "--version", TO, "--config", config, "--json"],
      { UPGRADE_BOT_FOD_SLEEP: String(SLEEP_SECONDS) },
    );
    const wall = (performance.now() - began) / 1000;
    if (run.code !== 0 || !run.json?.verified) {
      throw new Error(`bot failed:\n${run.stdout}\n${run.stderr}`);
    }
    return {
      runs: run.json.builds as number,
      wall,
      outside: wall - (run.json.buildSeconds as number),
    };
  } finally {
    await f.cleanup();
  }
}

/** What nix-update does: one FOD at a time, in dependency order, then a verifying build. */
async function baseline(): Promise<Figures> {
  const f = await makeFixture();
  try {
    const config = parseConfig(await Deno.readTextFile(await writeConfig(f, "local")), "bench");
    const dir = join(f.repo, config.package.dir);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    const builder = makeBuilder("local", config.ssh, ["UPGRADE_BOT_FOD_SLEEP"]);
    const system = await builder.system();
    Deno.env.set("UPGRADE_BOT_FOD_SLEEP", String(SLEEP_SECONDS));
    setQuiet(true);
    const began = performance.now();
    let runs = 0;
    let inside = 0;
    await bumpVersion(dir, config, TO);
    await resetHashes(dir, config, system);
    const build = async (only: typeof config) => {
      const result = await builder.build({
        dir,
        files,
        expr: buildExpression(only),
        args: [...config.build.args, "--max-jobs", "5"],
        timeoutSeconds: 600,
        heartbeatSeconds: 600,
        logFile: join(f.root, "baseline.log"),
        label: `baseline ${runs + 1}`,
      });
      runs++;
      inside += result.seconds;
      return result;
    };
    for (const spec of config.hashes) {
      const result = await build({
        ...config,
        hashes: [spec],
        build: { ...config.build, verify: [] },
      });
      const mismatch = parseNixLog(result.output).mismatches[0];
      if (!mismatch) throw new Error(`baseline: no mismatch for ${spec.name}:\n${result.output}`);
      const path = join(dir, spec.file);
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(
        path,
        replaceLiteral(text, findHash(text, spec, system).literal, mismatch.got),
      );
    }
    const verify = await build({ ...config, hashes: [] });
    if (verify.exitCode !== 0) {
      throw new Error(`baseline: verifying build failed:\n${verify.output}`);
    }
    const wall = (performance.now() - began) / 1000;
    return { runs, wall, outside: wall - inside };
  } finally {
    Deno.env.delete("UPGRADE_BOT_FOD_SLEEP");
    setQuiet(false);
    await f.cleanup();
  }
}

function row(name: string, x: Figures): string {
  return `${name.padEnd(28)} ${String(x.runs).padStart(5)} ${x.wall.toFixed(2).padStart(8)}s ` +
    `${x.outside.toFixed(2).padStart(8)}s ${(100 * x.outside / x.wall).toFixed(1).padStart(6)}%`;
}

/** A cron run with nothing new against the stand-in: the forge requests it makes and its time,
 * less Deno's own start (measured as `bot.ts --help`, which loads the same modules). */
async function cronNothingNew(openPull: boolean) {
  const f = await makeFixture({ current: openPull ? "2026.2.0" : "2026.5.0" });
  const token = crypto.randomUUID();
  const forge = await startForge({
    root: f.mirrorsDir,
    users: [{ login: "bot", token, permission: "admin" }],
  });
  try {
    const config = await writeConfig(f, "local", {
      forge: { url: forge.url, repo: "eblume/blumeops", base: "main" },
    });
    if (openPull) await runBot(["run", "--config", config], { FORGE_TOKEN: token });
    const startup = await timed(() => runBot(["--help"]));
    forge.requests.length = 0;
    const wall = await timed(async () => {
      const run = await runBot(["run", "--config", config], { FORGE_TOKEN: token });
      if (run.code !== 0 || !/nothing to do/.test(run.stdout)) {
        throw new Error(`cron failed:\n${run.stdout}${run.stderr}`);
      }
    });
    const requests = forge.requests.filter((r) => r.path.startsWith("/api/")).length;
    return { requests, wall, startup };
  } finally {
    await forge.stop();
    await f.cleanup();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await fn();
  return (performance.now() - began) / 1000;
}

console.log(
  `harvest benchmark: fixture 2026.2.0 -> ${TO}, every FOD sleeps ${SLEEP_SECONDS}s, max-jobs 5`,
);
const bot = await botHarvest();
const base = await baseline();
console.log(
  `${"strategy".padEnd(28)} ${"runs".padStart(5)} ${"wall".padStart(9)} ${"outside".padStart(9)} ${
    "own".padStart(7)
  }`,
);
console.log(row("upgrade-bot (rounds, -k)", bot));
console.log(row("one hash at a time", base));
const checks = [
  [
    `nix-build runs: ${bot.runs} (target 3) vs ${base.runs} (target >= 6)`,
    bot.runs === 3 && base.runs >= 6,
  ],
  [
    `wall time ratio: ${(bot.wall / base.wall).toFixed(2)} (target <= 0.50)`,
    bot.wall / base.wall <= 0.5,
  ],
  [
    `bot's own time outside nix-build: ${
      (100 * bot.outside / bot.wall).toFixed(1)
    }% of wall (target < 10%)`,
    bot.outside / bot.wall < 0.1,
  ],
] as const;
for (const [text, ok] of checks) console.log(`${ok ? "meets " : "MISSES"} ${text}`);

console.log(`\ncron benchmark: a run with nothing new against the Forgejo stand-in`);
let cronOk = true;
for (const openPull of [false, true]) {
  const c = await cronNothingNew(openPull);
  const own = c.wall - c.startup;
  const what = openPull ? "its pull request open already" : "base at the newest release";
  console.log(
    `  ${what.padEnd(32)} requests ${c.requests}, wall ${c.wall.toFixed(2)}s, Deno start ` +
      `${c.startup.toFixed(2)}s, the run itself ${own.toFixed(2)}s`,
  );
  cronOk &&= c.requests <= 5 && own < 1; // 5: GET /user when its pull request is open
}
console.log(
  `${
    cronOk ? "meets " : "MISSES"
  } cron with nothing new: at most 5 requests, under 1 s apart from Deno's start`,
);
