import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../lib/runtime/duration.ts";

Deno.test("durations parse from the units people write", () => {
  assert.equal(parseDuration("3d"), 3 * 86400);
  assert.equal(parseDuration("12h"), 12 * 3600);
  assert.equal(parseDuration("1d12h"), 36 * 3600);
  assert.equal(parseDuration("90m"), 5400);
  assert.equal(parseDuration("2w"), 14 * 86400);
  assert.equal(parseDuration("45s"), 45);
  for (const bad of ["", "3", "d", "3 days", "12h3d", "-1d", "1.5d", "3D", "1d 2h"]) {
    assert.equal(parseDuration(bad), null, bad);
  }
});

Deno.test("durations print as their two largest units", () => {
  assert.equal(formatDuration(2 * 86400 + 4 * 3600 + 59), "2d 4h");
  assert.equal(formatDuration(5 * 3600 + 12 * 60), "5h 12m");
  assert.equal(formatDuration(40), "40s");
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(-5), "0s");
});
