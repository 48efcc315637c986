import assert from "node:assert/strict";
import { acquireLock, isHeld, lockPath } from "../../lib/runtime/lock.ts";
import { lockHolder } from "../support/lock_holder.ts";

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

/** Captures progress lines (stderr) while `fn` runs. */
async function said<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { value: await fn(), lines };
  } finally {
    console.error = original;
  }
}

Deno.test("a lock held by another process holds; killed (SIGKILL), it is free at once", async () => {
  await withDir(async (dir) => {
    const child = await lockHolder(options(dir));
    const { value: blocked, lines } = await said(() => acquireLock(options(dir)));
    assert.equal(blocked, null, "held by a live process: not taken");
    assert.ok(lines.some((l) => l.includes(`pid ${child.pid} on `)), lines.join("\n"));
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel();
    const lock = await acquireLock(options(dir));
    assert.ok(lock, "the kernel released the dead process's lock");
    await lock.release();
  });
});

Deno.test("a lock file still empty (taken, holder not yet written) is not broken", async () => {
  await withDir(async (dir) => {
    const path = lockPath(dir, "eblume/blumeops");
    await Deno.writeTextFile(path, "");
    // flock(1) holds the kernel lock on the empty file, as a run does between taking it and
    // writing who it is.
    const child = new Deno.Command("flock", {
      args: ["--exclusive", path, "sleep", "30"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      for (let i = 0; i < 50 && !(await isHeld(path)); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const { value, lines } = await said(() => acquireLock(options(dir)));
      assert.equal(value, null, "not taken");
      assert.ok(lines.some((l) => l.includes("a run that is just starting")), lines.join("\n"));
      assert.equal(await Deno.readTextFile(path), "", "left as it was");
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  });
});

Deno.test("a holder older than stale_seconds is not broken: the message says to stop it", async () => {
  await withDir(async (dir) => {
    const first = (await acquireLock(options(dir)))!;
    const { value, lines } = await said(() => acquireLock({ ...options(dir), staleSeconds: 0 }));
    assert.equal(value, null);
    assert.ok(lines.some((l) => l.includes(`if it hangs, stop pid ${Deno.pid}`)), lines.join("\n"));
    await first.release();
  });
});

Deno.test("lock names cannot leave the lock directory", () => {
  assert.equal(lockPath("/run/x", "../../etc/passwd"), "/run/x/upgrade-bot-.._.._etc_passwd.lock");
});
