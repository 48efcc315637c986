// Progress lines and phase timings of packages that run side by side are each package's own.
import assert from "node:assert/strict";
import {
  asPackage,
  escapeControls,
  phaseTimings,
  progress,
  timePhase,
  timings,
} from "../../lib/runtime/log.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What `progress` printed while `fn` ran. */
async function printed(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const write = console.error;
  console.error = (line: string) => lines.push(line);
  try {
    await fn();
  } finally {
    console.error = write;
  }
  return lines;
}

Deno.test("asPackage: each package's lines carry its name, through awaits and timers", async () => {
  const lines = await printed(() =>
    Promise.all(["ntfy", "loki"].map((name) =>
      asPackage(name, async () => {
        progress("cloning");
        await tick(5);
        await new Promise<void>((done) =>
          setTimeout(() => {
            progress("  round 1: building");
            done();
          }, 5)
        );
        progress(`${name}: up to date`);
      })
    ))
  );
  assert.deepEqual(lines.sort(), [
    "[loki]   round 1: building",
    "[loki] cloning",
    "[ntfy]   round 1: building",
    "[ntfy] cloning",
    "loki: up to date",
    "ntfy: up to date",
  ]);
  assert.deepEqual(await printed(() => Promise.resolve(progress("outside"))), ["outside"]);
});

Deno.test("asPackage: phases are timed apart per package, beside the run's own", async () => {
  timings.start = 0.5;
  const [a, b] = await Promise.all([
    asPackage("a", async () => {
      await timePhase("git", () => tick(40));
      return phaseTimings();
    }),
    asPackage("b", async () => {
      await timePhase("nix-build", () => tick(10));
      return phaseTimings();
    }),
  ]);
  assert.equal(a.start, 0.5);
  assert.ok(a.git >= 0.03 && a.git < 0.2, `a's git: ${a.git}`);
  assert.equal(a["nix-build"], undefined, "b's phase is not a's");
  assert.equal(b.git, undefined, "a's phase is not b's");
  assert.equal(timings.git, undefined, "nor the run's");
});

Deno.test("control characters in a progress line are written out, never acted on by the terminal", async () => {
  const tag = "version/2026.5.0\x1b[2K\r\x1b]8;;http://evil\x07ok\u202egnp.exe\x9b";
  const lines = await printed(() => Promise.resolve(progress(`tag ${tag}\tseen\nnext line`)));
  assert.deepEqual(lines, [
    "tag version/2026.5.0\\x1b[2K\\x0d\\x1b]8;;http://evil\\x07ok\\u202egnp.exe\\x9b\tseen\nnext line",
  ]);
  assert.equal(escapeControls("plain 2026.5.0 — ünïcode"), "plain 2026.5.0 — ünïcode");
});
