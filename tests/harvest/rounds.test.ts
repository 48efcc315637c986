// The job settings of each round: every pending FOD at once, the verifying round left alone.
import assert from "node:assert/strict";
import { jobArgs } from "../../lib/harvest/rounds.ts";

Deno.test("a harvesting round runs a job per pending hash, with the cores divided among them", () => {
  assert.deepEqual(jobArgs(5, null, 2), ["--max-jobs", "5", "--cores", "1"]);
  assert.deepEqual(jobArgs(2, null, 16), ["--max-jobs", "2", "--cores", "8"]);
  // More jobs configured than hashes pending: the configured number stays.
  assert.deepEqual(jobArgs(3, 8, 16), ["--max-jobs", "8", "--cores", "2"]);
  assert.deepEqual(jobArgs(3, "auto", 4), ["--max-jobs", "4", "--cores", "1"]);
});

Deno.test("the verifying round keeps the builder's nix.conf, or build.max_jobs", () => {
  assert.deepEqual(jobArgs(0, null, 16), []);
  assert.deepEqual(jobArgs(0, 4, 16), ["--max-jobs", "4"]);
  assert.deepEqual(jobArgs(0, "auto", 16), ["--max-jobs", "auto"]);
});
