// atOnce: tasks side by side up to the limit, every started one to its end, the first error after.
import assert from "node:assert/strict";
import { atOnce } from "../../lib/runtime/at_once.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("atOnce: never more than the limit at a time, all of them run, in their order", async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const tasks = Array.from({ length: 7 }, (_, i) => async () => {
    started.push(i);
    most = Math.max(most, ++running);
    await tick(5 + (i % 3) * 5);
    running--;
  });
  await atOnce(tasks, 3);
  assert.equal(most, 3);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
  await atOnce(tasks.slice(0, 2), 8);
  assert.equal(started.length, 9, "a limit above the count runs each once");
});

Deno.test("atOnce: a throw starts nothing more, lets the running end, then throws the first", async () => {
  const ended: number[] = [];
  const tasks = [
    async () => {
      await tick(30);
      ended.push(0);
    },
    async () => {
      await tick(5);
      throw new Error("task 1");
    },
    async () => {
      await tick(10);
      throw new Error("task 2");
    },
    () => Promise.resolve(void ended.push(3)),
  ];
  await assert.rejects(atOnce(tasks, 3), /task 1/);
  assert.deepEqual(ended, [0], "the running one ended; the one after the throw never started");
});
