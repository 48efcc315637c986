import assert from "node:assert/strict";
import { compareVersions, isPrerelease, parseVersion } from "../lib/versions.ts";

Deno.test("authentik versions parse and order as semver", () => {
  assert.equal(parseVersion("2026.5.0"), "2026.5.0");
  assert.ok(compareVersions("2026.10.0", "2026.5.0") > 0, "10 sorts after 5 numerically");
  assert.ok(compareVersions("2026.5.0-rc1", "2026.5.0") < 0);
  assert.ok(isPrerelease("2026.5.0-rc1"));
  assert.ok(!isPrerelease("2026.5.0"));
});

Deno.test("anything else is rejected with the value named", () => {
  for (
    const bad of [
      "v2026.5.0",
      "2026.5",
      "2026.5.0; rm -rf /",
      "../2026.5.0",
      "2026.5.0\n",
      "9".repeat(70) + ".1.1",
    ]
  ) {
    assert.throws(
      () => parseVersion(bad, "--version"),
      /--version ".*" is not a release version/,
      bad,
    );
  }
});
