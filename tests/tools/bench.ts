// Benchmark: the bot's harvest against the one-hash-at-a-time baseline and the critical path, on the
// fixture and on the real repository's layout, with FOD builders that sleep to stand for download
// time and the machine's own nix.conf (no max-jobs passed); then a cron run with nothing new
// against mirrors of real size, and a cron run over two packages against the two run one at a time.
// Prints figures and the targets they meet.
import { join } from "node:path";
import { stringify } from "yaml";
import { $ } from "zx";
import { makeFixture } from "../support/fixture.ts";
import { ntfyMirror, realRepoSource, realWorld } from "../support/real_world.ts";
import { startForge } from "../forge/server.ts";
import { runBot } from "../support/bot_run.ts";
import { packageSpecs, parseConfig } from "../../lib/runtime/config.ts";
import { loadPackage } from "../../lib/flow/read_package.ts";
import { makeBuilder } from "../../lib/harvest/builders/make.ts";
import { buildExpression } from "../../lib/harvest/expression.ts";
import { bumpVersion, resetHashes, writeHash } from "../../lib/harvest/literals.ts";
import { placeholderHash } from "../../lib/nix/hash.ts";
import { parseNixLog } from "../../lib/nix/build_log.ts";
import { setQuiet } from "../../lib/runtime/log.ts";
import { startSystemBuilder, systemBuilderSkip } from "../support/system_builder.ts";
import { wholeWorld } from "../support/whole_world.ts";

const SLEEP_SECONDS = Number(Deno.env.get("BENCH_FOD_SLEEP") ?? "2");
/** Tags per mirror in the cron benchmark: authentik has hundreds of version/* tags. */
const MIRROR_TAGS = Number(Deno.env.get("BENCH_MIRROR_TAGS") ?? "650");
const FROM = "2026.2.0";
const TO = "2026.5.0";

/** A target repository to benchmark on: the generated fixture or the real layout. */
interface World {
  name: string;
  root: string;
  repo: string;
  /** The forge stand-in's root (owner/name.git below it). */
  forgeRoot: string;
  /** Environment for the bot and nix-build (the world's Nix settings, the FOD sleep). */
  env: Record<string, string>;
  /** A config file: only where logs, locks and the world's nixpkgs are; no performance setting. */
  config(extra?: Record<string, unknown>): Promise<string>;
  cleanup(): Promise<void>;
}

async function writeYaml(root: string, config: Record<string, unknown>): Promise<string> {
  const path = join(root, `upgrade-bot-${crypto.randomUUID()}.yaml`);
  await Deno.writeTextFile(path, stringify(config));
  return path;
}

async function fixtureWorld(current = FROM): Promise<World> {
  const f = await makeFixture({ current });
  await Deno.mkdir(`${f.root}/tmp`);
  return {
    name: "fixture",
    root: f.root,
    repo: f.repo,
    forgeRoot: f.mirrorsDir,
    env: { NIX_UPGRADE_BOT_FOD_SLEEP: String(SLEEP_SECONDS), TMPDIR: `${f.root}/tmp` },
    config: ({ build, ...extra }: Record<string, unknown> = {}) =>
      writeYaml(f.root, {
        builder: "local",
        build: { args: f.buildArgs, ...build as Record<string, unknown> },
        log_dir: `${f.root}/logs`,
        lock: { dir: `${f.root}/locks`, wait_seconds: 5 },
        ...extra,
      }),
    cleanup: f.cleanup,
  };
}

/** `onlyCurrent`: the mirrors hold only the repository's own release (nothing new); `ntfy`: a
 * mirror of ntfy with these releases too. */
async function realLayoutWorld(
  { onlyCurrent = false, ntfy = [] }: { onlyCurrent?: boolean; ntfy?: string[] } = {},
): Promise<World> {
  const w = await realWorld({
    fodSleep: SLEEP_SECONDS,
    releases: onlyCurrent ? [{ version: FROM }] : undefined,
  });
  await Deno.mkdir(`${w.root}/tmp`, { recursive: true });
  if (ntfy.length) await ntfyMirror(w, ntfy);
  return {
    name: "real layout",
    root: w.root,
    repo: w.repo,
    forgeRoot: `${w.root}/git`,
    env: { ...w.env, TMPDIR: `${w.root}/tmp` },
    config: (extra = {}) =>
      writeYaml(w.root, {
        builder: "local",
        log_dir: `${w.root}/logs`,
        lock: { dir: `${w.root}/locks`, wait_seconds: 5 },
        ...extra,
      }),
    cleanup: w.cleanup,
  };
}

interface Figures {
  runs: number;
  wall: number;
  /** Wall time outside nix (nix-build and the bot's evaluation before any change). */
  outside: number;
  /** The bot's rounds: seconds and how many mismatches each harvested. */
  rounds?: { seconds: number; mismatches: string[] }[];
  /** The bot's own phases, from its --json `timings`. */
  timings?: Record<string, number>;
}

/** The bot as a user runs it: bot.ts in its own process, timed from outside. */
async function botHarvest(
  w: World,
  extra: { config?: Record<string, unknown>; env?: Record<string, string> } = {},
): Promise<Figures> {
  const config = await w.config(extra.config);
  const began = performance.now();
  const run = await runBot(
    ["upgrade", "--repo", w.repo, "--version", TO, "--config", config, "--json"],
    { ...w.env, ...extra.env },
  );
  const wall = (performance.now() - began) / 1000;
  if (run.code !== 0 || !run.json?.verified) {
    throw new Error(`bot failed:\n${run.stdout}\n${run.stderr}`);
  }
  const json = run.json as {
    builds: number;
    buildSeconds: number;
    rounds: { seconds: number; mismatches: string[] }[];
    timings?: Record<string, number>;
  };
  // The evaluation before any change runs beside the bot's git work: only the wait for it counts.
  const nix = json.buildSeconds + (json.timings?.["evaluation-wait"] ?? 0);
  return {
    runs: json.builds,
    wall,
    outside: wall - nix,
    rounds: json.rounds,
    timings: json.timings,
  };
}

/** What nix-update does: one hash at a time. Each run builds until the first FOD fails its hash
 * check (no --keep-going), that one hash is written back, and so on until the build passes. */
async function baseline(w: World): Promise<Figures> {
  const config0 = parseConfig(await Deno.readTextFile(await w.config()), "bench");
  const dir = join(w.repo, config0.package.dir);
  const pkg = await loadPackage(packageSpecs(config0)[0], dir);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name);
  const builder = makeBuilder("local", config0.ssh);
  const saved = Object.fromEntries(Object.keys(w.env).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(w.env)) Deno.env.set(k, v);
  setQuiet(true);
  try {
    const system = await builder.system();
    const began = performance.now();
    let runs = 0;
    let inside = 0;
    await bumpVersion(dir, pkg, TO);
    await resetHashes(dir, pkg, system);
    const byPlaceholder = new Map(pkg.hashes.map((h) => [placeholderHash(h.name), h]));
    for (;;) {
      const result = await builder.build({
        dir,
        files,
        ...await buildExpression(pkg),
        args: [...config0.build.args, "--option", "keep-going", "false"],
        timeoutSeconds: 600,
        heartbeatSeconds: 600,
        logFile: join(w.root, "baseline.log"),
        label: `baseline ${runs + 1}`,
      });
      runs++;
      inside += result.seconds;
      if (result.exitCode === 0) break;
      const mismatch = parseNixLog(result.output).mismatches[0];
      const spec = mismatch && byPlaceholder.get(mismatch.specified);
      if (!spec) {
        throw new Error(`baseline: run ${runs} failed without a mismatch:\n${result.output}`);
      }
      await writeHash(dir, spec, system, mismatch.got);
      if (runs > 12) throw new Error("baseline: no end in sight");
    }
    const wall = (performance.now() - began) / 1000;
    return { runs, wall, outside: wall - inside };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
    setQuiet(false);
  }
}

const pct = (part: number, whole: number) => `${(100 * part / whole).toFixed(1)}%`;

function row(name: string, x: Figures): string {
  return `${name.padEnd(28)} ${String(x.runs).padStart(5)} ${x.wall.toFixed(2).padStart(8)}s ` +
    `${x.outside.toFixed(2).padStart(8)}s ${pct(x.outside, x.wall).padStart(7)}`;
}

let allMet = true;
function check(text: string, ok: boolean) {
  allMet &&= ok;
  console.log(`${ok ? "meets " : "MISSES"} ${text}`);
}

async function harvestBench(make: () => Promise<World>) {
  const w1 = await make();
  let bot: Figures;
  try {
    bot = await botHarvest(w1);
  } finally {
    await w1.cleanup();
  }
  const w2 = await make();
  let base: Figures;
  try {
    base = await baseline(w2);
  } finally {
    await w2.cleanup();
  }
  const levels = bot.rounds!.filter((r) => r.mismatches.length > 0).length;
  const verify = bot.rounds!.at(-1)!.seconds;
  const critical = levels * SLEEP_SECONDS + verify;
  console.log(
    `\nharvest on the ${w1.name}: ${FROM} -> ${TO}, every FOD sleeps ${SLEEP_SECONDS}s, ` +
      `this machine's nix.conf (no max-jobs given)`,
  );
  console.log(
    `${"strategy".padEnd(28)} ${"runs".padStart(5)} ${"wall".padStart(9)} ${
      "outside nix".padStart(9)
    } ${"share".padStart(7)}`,
  );
  console.log(row("upgrade-bot (rounds, -k)", bot));
  console.log(row("one hash at a time", base));
  console.log(
    `  bot rounds: ${bot.rounds!.map((r) => `${r.seconds.toFixed(2)}s`).join(", ")}; ` +
      `critical path ${levels} x ${SLEEP_SECONDS}s + verifying build ${verify.toFixed(2)}s = ` +
      `${critical.toFixed(2)}s`,
  );
  if (bot.timings) {
    console.log(
      `  the bot's own time: ${
        Object.entries(bot.timings).filter(([k]) => !k.startsWith("evaluation")).map((
          [k, v],
        ) => `${k} ${v.toFixed(2)}s`).join(", ")
      } (start: Deno's start and module loading); evaluation before any change ${
        (bot.timings.evaluation ?? 0).toFixed(2)
      }s, of which ${(bot.timings["evaluation-wait"] ?? 0).toFixed(2)}s waited for`,
    );
  }
  check(`nix-build runs: ${bot.runs} (target 3) vs ${base.runs}`, bot.runs === 3);
  check(
    `wall time vs one hash at a time: ${(bot.wall / base.wall).toFixed(2)}x (target <= 0.40x)`,
    bot.wall / base.wall <= 0.4,
  );
  check(
    `wall time vs critical path: ${(bot.wall / critical).toFixed(2)}x (target <= 1.20x)`,
    bot.wall / critical <= 1.2,
  );
  check(
    `bot's own time outside nix: ${pct(bot.outside, bot.wall)} of wall (target < 5%)`,
    bot.outside / bot.wall < 0.05,
  );
}

/** `count` old release tags in every mirror under `forgeRoot` (real mirrors hold hundreds). */
async function growMirrors(forgeRoot: string, count: number) {
  for (const [name, format] of [["authentik", "version/"], ["authentik-client-go", "v3."]]) {
    const repo = join(forgeRoot, "mirrors", `${name}.git`);
    const head = (await $({ cwd: repo, quiet: true })`git rev-parse HEAD`).stdout.trim();
    const lines = [];
    for (let i = 0; i < count; i++) {
      // Older than any release the worlds hold (2010.1.0 ... 2022.10.4 for 650): nothing new.
      const version = `${2010 + Math.floor(i / 50)}.${1 + Math.floor(i / 5) % 10}.${i % 5}`;
      lines.push(`create refs/tags/${format}${version} ${head}`);
    }
    await $({ cwd: repo, quiet: true, input: lines.join("\n") + "\n" })`git update-ref --stdin`;
  }
}

/** A forge stand-in serving the world's repositories to the bot's token, and a config naming it
 * (with `extra`) for `fn`; stopped after. No follow-through: the worlds have no deployment
 * manifest or registry (and it is not what the benchmark measures). */
async function withForge<T>(
  w: World,
  extra: Record<string, unknown>,
  fn: (
    forge: Awaited<ReturnType<typeof startForge>>,
    config: string,
    env: Record<string, string>,
  ) => Promise<T>,
): Promise<T> {
  const token = crypto.randomUUID();
  const forge = await startForge({
    root: w.forgeRoot,
    users: [{ login: "bot", token, permission: "admin" }],
  });
  try {
    const config = await w.config({
      forge: { url: forge.url, repo: "eblume/blumeops", base: "main" },
      deploy: null,
      // Upstream images (registries) are not benched yet: their own test measures a run.
      registries: null,
      sources: null,
      ...extra,
    });
    return await fn(forge, config, { ...w.env, FORGE_TOKEN: token });
  } finally {
    await forge.stop();
  }
}

/** A cron run with nothing new: the forge requests it makes (API and git) and its time, less
 * Deno's own start (measured as `bot.ts --help`, which loads the same modules). */
async function cronNothingNew(w: World) {
  await growMirrors(w.forgeRoot, MIRROR_TAGS);
  // One configured package, as the targets are set for: with no package named, the run first
  // scans the base for every container built from a mirror (a shallow clone, and each mirror's
  // tags), measured per package in tests/acceptance/whole_repo.test.ts and by wholeBench below.
  return await withForge(w, { package: { name: "authentik" } }, async (forge, config, env) => {
    // A first run opens the dashboard issue (and, asked for, the pull request): what follows is
    // the run with nothing new.
    const first = await runBot(["run", "--config", config], env);
    if (first.code !== 0) throw new Error(`cron (the first run) failed:\n${first.stderr}`);
    // Three runs, the median counts: the first run after the bot's code changed also compiles its
    // modules again (Deno's code cache), which a cron run every few minutes does once.
    const runs: { requests: number; wall: number; startup: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const startup = await timed(() => runBot(["--help"]));
      forge.requests.length = 0;
      const wall = await timed(async () => {
        const run = await runBot(["run", "--config", config], env);
        if (run.code !== 0 || !/nothing to do/.test(run.stdout)) {
          throw new Error(`cron failed:\n${run.stdout}${run.stderr}`);
        }
      });
      runs.push({ requests: forge.requests.length, wall, startup });
    }
    const own = (r: { wall: number; startup: number }) => r.wall - r.startup;
    return { ...runs.sort((a, b) => own(a) - own(b))[1], all: runs.map(own) };
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await fn();
  return (performance.now() - began) / 1000;
}

async function cronBench(name: string, make: (openPull: boolean) => Promise<World>) {
  console.log(
    `\ncron on the ${name}: a run with nothing new, ${MIRROR_TAGS} tags per mirror`,
  );
  for (const openPull of [false, true]) {
    const w = await make(openPull);
    try {
      const c = await cronNothingNew(w);
      const own = c.wall - c.startup;
      const what = openPull ? "its pull request open already" : "base at the newest release";
      console.log(
        `  ${what.padEnd(32)} requests ${c.requests}, wall ${c.wall.toFixed(2)}s, Deno start ` +
          `${c.startup.toFixed(2)}s, the run itself ${own.toFixed(2)}s (median of ${
            c.all.map((s) => s.toFixed(2)).join(", ")
          })`,
      );
      // With its pull request open, one more: the client-go mirror's tag of its version, which
      // must still name the commit harvested (a moved tag; the own mirror's comes with its list).
      const target = openPull ? 7 : 6;
      check(
        `${what}: ${c.requests} forge requests (target <= ${target}), ${own.toFixed(2)}s apart ` +
          `from Deno's start (target < 0.5s)`,
        c.requests <= target && own < 0.5,
      );
    } finally {
      await w.cleanup();
    }
  }
}

/** What a cron run with nothing new asks per run, whatever the number of services: the token's
 * user, the dashboard's issues, the open pull requests, the run's one clone of the base (the ref
 * advertisement, the pack, the base's files), the Nix packages' reads (each one's version file and
 * the follow-through's deployment manifest), and a `GET /v2/` and a token per registry host (five
 * here). */
const WHOLE_CONSTANT = 20;

/** A cron run with nothing new over the whole real repository (tests/support/whole_world.ts: every
 * forge mirror, registry and source the scan finds, each at what the repository pins), with the
 * settings a user would have: no package named (the scan finds them), the pins and the dashboard
 * on; only where the registries and sources are reached, since they are stand-ins here (the
 * flake's inputs are on GitHub: off). Every HTTP request counted where it arrives (the forge,
 * git's included; the registries' token fronts; the sources' stand-in). */
async function wholeBench() {
  const token = crypto.randomUUID();
  const world = await wholeWorld({ token });
  try {
    const config = await world.config({}, "bench");
    const cron = async () => {
      const run = await runBot(["run", "--config", config, "--json"], world.env);
      if (run.code !== 0 || !run.json) throw new Error(`cron failed:\n${run.stdout}${run.stderr}`);
      return run.json as {
        packages: { package: string; outcome: string }[];
        timings: Record<string, number>;
      };
    };
    // The first run draws the dashboard; then three with nothing new, the median counts.
    const watched = (await cron()).packages.length;
    const runs: {
      wall: number;
      startup: number;
      timings: Record<string, number>;
      forge: number;
      git: number;
      registry: number;
      sources: number;
    }[] = [];
    for (let i = 0; i < 3; i++) {
      const startup = await timed(() => runBot(["--help"]));
      const forgeFrom = world.forge.requests.length;
      const registryFrom = world.registryRequests();
      const sourcesFrom = world.standIn.requests.length;
      let timings: Record<string, number> = {};
      const wall = await timed(async () => {
        const json = await cron();
        const moved = json.packages.filter((p) => p.outcome !== "up to date");
        if (moved.length) throw new Error(`not nothing new: ${JSON.stringify(moved)}`);
        timings = json.timings;
      });
      const asked = world.forge.requests.slice(forgeFrom);
      const git = asked.filter((r) => /\.git\/(info\/refs|git-upload-pack)/.test(r.path)).length;
      runs.push({
        wall,
        startup,
        timings,
        forge: asked.length - git,
        git,
        registry: world.registryRequests() - registryFrom,
        sources: world.standIn.requests.length - sourcesFrom,
      });
      if (asked.some((r) => r.method !== "GET" && !r.path.endsWith("/git-upload-pack"))) {
        throw new Error(`a run with nothing new wrote: ${JSON.stringify(asked)}`);
      }
    }
    const own = (r: { wall: number; startup: number }) => r.wall - r.startup;
    const c = [...runs].sort((a, b) => own(a) - own(b))[1];
    const requests = c.forge + c.git + c.registry + c.sources;
    const target = 2 * watched + WHOLE_CONSTANT;
    console.log(
      `\ncron on the whole real repository: a run with nothing new, zero config, ${watched} ` +
        `watched services (load average ${Deno.loadavg()[0].toFixed(1)})`,
    );
    console.log(
      `  requests ${requests}: forge API ${c.forge}, git ${c.git}, registries ${c.registry}, ` +
        `sources ${c.sources}; wall ${c.wall.toFixed(2)}s, Deno start ${c.startup.toFixed(2)}s, ` +
        `the run itself ${own(c).toFixed(2)}s (median of ${
          runs.map((r) => own(r).toFixed(2)).join(", ")
        })`,
    );
    // Where the median run's time went (the run's --json timings: `scan` holds the clone and the
    // reading of its files; `git` sums git's processes, some side by side).
    console.log(
      `  its phases: ${
        Object.entries(c.timings).map(([k, v]) => `${k} ${v.toFixed(2)}s`).join(", ")
      }`,
    );
    check(
      `whole repository: ${requests} requests (target <= 2 x ${watched} watched + ` +
        `${WHOLE_CONSTANT} = ${target}), ${
          own(c).toFixed(2)
        }s apart from Deno's start (target < 1s)`,
      requests <= target && own(c) < 1,
    );
  } finally {
    await world.cleanup();
  }
}

/** The fixture's per-system webui-deps with an aarch64-linux machine (a second loopback sshd with a
 * store of its own): every system's hash in the same rounds, against the same critical path. */
async function systemsBench() {
  const skip = await systemBuilderSkip();
  if (skip) {
    console.log(`\nper-system hashes: skipped: ${skip}`);
    return;
  }
  const builder = await startSystemBuilder();
  const w = await fixtureWorld();
  try {
    const bot = await botHarvest(w, {
      config: { build: { builders: { [builder.system]: builder.uri } } },
      env: { NIX_SSHOPTS: builder.sshOpts },
    });
    const levels = bot.rounds!.filter((r) => r.mismatches.length > 0).length;
    const verify = bot.rounds!.at(-1)!.seconds;
    const critical = levels * SLEEP_SECONDS + verify;
    console.log(
      `\nper-system hashes on the fixture: webui-deps for x86_64-linux here and for ` +
        `${builder.system} on ${builder.uri} (every FOD sleeps ${SLEEP_SECONDS}s)`,
    );
    console.log(
      `  ${bot.runs} runs, wall ${bot.wall.toFixed(2)}s; rounds ${
        bot.rounds!.map((r) => `${r.seconds.toFixed(2)}s (${r.mismatches.join(", ") || "none"})`)
          .join("; ")
      }`,
    );
    check(
      `nix-build runs with the other system: ${bot.runs} (target 3: no extra round)`,
      bot.runs === 3,
    );
    // No target of its own: the remote machine's ssh session and the copies of inputs and outputs
    // come on top of the same critical path.
    console.log(
      `  wall time vs critical path (${critical.toFixed(2)}s): ${
        (bot.wall / critical).toFixed(2)
      }x`,
    );
  } finally {
    await w.cleanup();
    await builder.stop();
  }
}

/** The packages of the multi-package case: each as the config names it, and its upgrade. */
const PACKAGES = [
  {
    spec: {
      name: "authentik",
      dir: "containers/authentik",
      mirrors: [
        { repo: "mirrors/authentik", tag: "version/{version}" },
        { repo: "mirrors/authentik-client-go", tag: "v3.{version}" },
      ],
      // Straight to the newest release, as the harvest case goes (authentik's own path is
      // stepwise: 2026.3.0 first).
      upgrade_path: "latest",
    },
    from: FROM,
    to: TO,
  },
  {
    spec: {
      name: "ntfy",
      dir: "containers/ntfy",
      mirrors: [{ repo: "mirrors/ntfy", tag: "v{version}" }],
    },
    from: "2.17.0",
    to: "2.18.0",
  },
];

/** A package's part of a cron run's --json line. */
interface RunOutcome {
  package: string;
  outcome: string;
  verified: boolean;
  version: { from: string; to: string };
  rounds: { seconds: number; mismatches: string[] }[];
}

/** One cron run (`bot.ts run --json` in its own process, timed from outside, like botHarvest) in a
 * world of its own (a fresh clone, mirrors and forge stand-in); `only`: the one package it runs
 * (`--package`). A run that does not end with each package's pull request opened and its build
 * verified is an error, not a figure. */
async function cronPackages(only?: string): Promise<{ wall: number; packages: RunOutcome[] }> {
  const ntfy = PACKAGES.find((p) => p.spec.name === "ntfy")!;
  const w = await realLayoutWorld({ ntfy: [ntfy.from, ntfy.to] });
  const listed = { packages: PACKAGES.map((p) => p.spec) };
  try {
    return await withForge(w, listed, async (_forge, config, env) => {
      const args = ["run", "--config", config, "--json", ...only ? ["--package", only] : []];
      const began = performance.now();
      const run = await runBot(args, env);
      const wall = (performance.now() - began) / 1000;
      const packages = (run.json?.packages ?? []) as RunOutcome[];
      const expected = PACKAGES.filter((p) => only === undefined || p.spec.name === only);
      const done = (p: (typeof PACKAGES)[number]) =>
        packages.some((o) =>
          o.package === p.spec.name && o.outcome === "opened" && o.verified && o.version.to === p.to
        );
      if (run.code !== 0 || packages.length !== expected.length || !expected.every(done)) {
        throw new Error(
          `cron run ${only ? `--package ${only}` : "over every package"}: not every pull request ` +
            `opened and verified (${
              expected.map((p) => `${p.spec.name} ${p.from} -> ${p.to}`).join(", ")
            }), exit ${run.code}:\n${run.stdout}\n${run.stderr}`,
        );
      }
      // A round that harvests waits for the sleep of the FODs it builds: a shorter one means some
      // FOD did not sleep (or came from the store), and the figures would not stand for downloads.
      for (const o of packages) {
        const quick = o.rounds.find((r) => r.mismatches.length && r.seconds < SLEEP_SECONDS);
        if (quick) {
          throw new Error(
            `cron run: ${o.package} harvested ${quick.mismatches.join(", ")} in ` +
              `${quick.seconds.toFixed(2)}s, less than the FOD sleep (${SLEEP_SECONDS}s)`,
          );
        }
      }
      return { wall, packages };
    });
  } finally {
    await w.cleanup();
  }
}

/** The cron run over authentik and ntfy against the two run one at a time (`--package`), each run
 * in a fresh world. Every harvest round builds its FODs with placeholder hashes, so no run takes
 * another's FOD outputs from the store; what one run can leave to the next (the verifying build's
 * outputs, the same in every world) only helps the later runs: the run over both goes first. */
async function packagesBench() {
  const both = await cronPackages();
  const alone = new Map<string, Awaited<ReturnType<typeof cronPackages>>>();
  for (const p of PACKAGES) alone.set(p.spec.name, await cronPackages(p.spec.name));
  const sum = [...alone.values()].reduce((s, r) => s + r.wall, 0);
  const longer = Math.max(...[...alone.values()].map((r) => r.wall));
  const rounds = (r: { packages: RunOutcome[] }) =>
    r.packages.map((o) =>
      `${o.package} ${
        o.rounds.map((x) => `${x.seconds.toFixed(2)}s (${x.mismatches.length} harvested)`)
          .join(", ")
      }`
    ).join("; ");
  const line = (what: string, seconds: number, detail = "") =>
    console.log(
      `  ${what.padEnd(24)} ${seconds.toFixed(2).padStart(7)}s${detail && `  rounds: ${detail}`}`,
    );
  console.log(
    `\ncron over several packages on the real layout: ${
      PACKAGES.map((p) => `${p.spec.name} ${p.from} -> ${p.to}`).join(", ")
    }, every FOD sleeps ${SLEEP_SECONDS}s, this machine's nix.conf (no max-jobs given)`,
  );
  for (const [name, r] of alone) line(`${name} alone`, r.wall, rounds(r));
  line("one at a time, added up", sum);
  line("the longer alone", longer);
  line("both in one run", both.wall, rounds(both));
  console.log(
    `  one run over both vs the longer alone: ${(both.wall / longer).toFixed(2)}x (the limit, ` +
      `the longer alone vs the sum: ${(longer / sum).toFixed(2)}x)`,
  );
  check(
    `one run over both vs one at a time added up: ${(both.wall / sum).toFixed(2)}x ` +
      `(target <= 0.65x)`,
    both.wall / sum <= 0.65,
  );
}

const real = realRepoSource();
const only = Deno.args[0]; // "harvest", "systems", "cron", "whole" or "packages": one part only
if (only === undefined || only === "harvest") {
  await harvestBench(() => fixtureWorld());
  if ("skip" in real) console.log(`real layout: skipped: ${real.skip}`);
  else await harvestBench(() => realLayoutWorld());
}
if (only === undefined || only === "harvest" || only === "systems") await systemsBench();
if (only === undefined || only === "cron") {
  await cronBench("fixture", (open) => fixtureWorld(open ? FROM : TO));
  if ("source" in real) {
    await cronBench("real layout", (open) => realLayoutWorld({ onlyCurrent: !open }));
  }
}
if (only === undefined || only === "cron" || only === "whole") {
  if ("skip" in real) console.log(`whole repository: skipped: ${real.skip}`);
  else await wholeBench();
}
if (only === undefined || only === "packages") {
  if ("skip" in real) console.log(`several packages: skipped: ${real.skip}`);
  else await packagesBench();
}
console.log(allMet ? "\nevery target met" : "\nsome targets missed");
