// Test support: another process holding the target's lock the way the bot does, until killed.
import assert from "node:assert/strict";
import type { LockOptions } from "../../lib/runtime/lock.ts";

/** Starts a process that takes the lock (`acquireLock`) and keeps it; returns once it holds it. */
export async function lockHolder(options: LockOptions): Promise<Deno.ChildProcess> {
  const lock = new URL("../../lib/runtime/lock.ts", import.meta.url).href;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { acquireLock } from ${JSON.stringify(lock)};
       await acquireLock(${JSON.stringify(options)});
       console.log("held");
       await new Promise(() => setInterval(() => {}, 1000));`,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), /held/);
  reader.releaseLock();
  return child;
}
