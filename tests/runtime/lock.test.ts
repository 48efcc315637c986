import assert from "node:assert/strict";
import { acquireLock, lockPath } from "../../lib/runtime/lock.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-lock-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const options = (dir: string, waitSeconds = 0) => ({
  dir,
  repo: "eblume/blumeops",
  command: "run",
  waitSeconds,
  staleSeconds: 3600,
});

Deno.test("a second run waits a bounded time, then gives up naming the holder", async () => {
  await withDir(async (dir) => {
    const first = await acquireLock(options(dir));
    assert.ok(first);
    const lines: string[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => lines.push(a.join(" "));
    const began = performance.now();
    let second;
    try {
      second = await acquireLock(options(dir, 1));
    } finally {
      console.error = original;
    }
    assert.equal(second, null);
    assert.ok(performance.now() - began >= 1000);
    assert.ok(
      lines.some((l) => l.includes(`pid ${Deno.pid}`) && l.includes("(run, since")),
      lines.join("\n"),
    );
    await first.release();
    const third = await acquireLock(options(dir));
    assert.ok(third, "free again after release");
    await third.release();
  });
});

Deno.test("a waiting run gets the lock when the holder releases it", async () => {
  await withDir(async (dir) => {
    const first = (await acquireLock(options(dir)))!;
    setTimeout(() => first.release(), 700);
    const second = await acquireLock(options(dir, 10));
    assert.ok(second);
    await second.release();
  });
});

Deno.test("a lock left by a crashed run (its process is gone) is broken", async () => {
  await withDir(async (dir) => {
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    await Deno.writeTextFile(
      lockPath(dir, "eblume/blumeops"),
      JSON.stringify({
        pid: dead.pid,
        host: Deno.hostname(),
        command: "run",
        since: new Date().toISOString(),
      }),
    );
    const lock = await acquireLock(options(dir));
    assert.ok(lock, "stale lock broken");
    await lock.release();
    await Deno.writeTextFile(lockPath(dir, "eblume/blumeops"), "{half-writ");
    assert.ok(await acquireLock(options(dir)), "an unreadable lock is stale too");
  });
});

Deno.test("a lock older than stale_seconds is broken even if its process lives", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      lockPath(dir, "eblume/blumeops"),
      JSON.stringify({
        pid: Deno.pid,
        host: Deno.hostname(),
        command: "serve",
        since: "2020-01-01T00:00:00Z",
      }),
    );
    assert.ok(await acquireLock(options(dir)));
  });
});

Deno.test("lock names cannot leave the lock directory", () => {
  assert.equal(lockPath("/run/x", "../../etc/passwd"), "/run/x/upgrade-bot-.._.._etc_passwd.lock");
});
