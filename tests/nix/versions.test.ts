import assert from "node:assert/strict";
import {
  compareVersions,
  isPrerelease,
  newerVersions,
  orderableVersion,
  parseVersion,
  pathCandidates,
  releaseSeries,
  seriesSkipped,
  stepsAhead,
  tagFor,
  versionOfTag,
} from "../../lib/nix/versions.ts";
import { InputError } from "../../lib/runtime/errors.ts";

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

Deno.test("tags map to versions under their mirror's format, and nothing else does", () => {
  assert.equal(tagFor("v3.{version}", "2026.5.0"), "v3.2026.5.0");
  assert.equal(versionOfTag("version/{version}", "version/2026.5.0"), "2026.5.0");
  assert.equal(versionOfTag("v3.{version}", "v3.2026.5.0-rc1"), "2026.5.0-rc1");
  for (
    const hostile of [
      "version/2026.5.0;rm -rf /",
      "version/../../2026.5.0",
      "version/$(id)",
      "v2026.5.0",
      "version/" + "1".repeat(300),
      "version/2026.5.0\n",
    ]
  ) {
    assert.equal(versionOfTag("version/{version}", hostile), null, hostile);
  }
});

Deno.test("newer versions are sorted newest first, without pre-releases unless asked", () => {
  const tags = [
    "version/2026.2.0",
    "version/2026.5.0",
    "version/2026.10.1",
    "version/2026.11.0-rc1",
    "junk",
    "version/2025.12.4",
  ];
  assert.deepEqual(newerVersions(tags, "version/{version}", "2026.2.0", false), [
    "2026.10.1",
    "2026.5.0",
  ]);
  assert.deepEqual(newerVersions(tags, "version/{version}", "2026.2.0", true), [
    "2026.11.0-rc1",
    "2026.10.1",
    "2026.5.0",
  ]);
  assert.deepEqual(newerVersions(tags, "version/{version}", "2026.10.1", false), []);
});

Deno.test("a release series is major.minor, for calendar versions and semver alike", () => {
  assert.equal(releaseSeries("2026.5.1"), "2026.5");
  assert.equal(releaseSeries("2026.5.0-rc1"), "2026.5");
  assert.equal(releaseSeries("2026.10.0"), "2026.10");
  assert.equal(releaseSeries("1.4.2"), "1.4");
});

Deno.test("stepwise proposes the next release series only; latest all of them", () => {
  const newer = ["2026.8.0", "2026.5.1", "2026.5.0"];
  assert.deepEqual(pathCandidates(newer, "2026.2.0", "stepwise"), ["2026.5.1", "2026.5.0"]);
  assert.deepEqual(pathCandidates(newer, "2026.2.0", "latest"), newer);
  // Once 2026.5.1 is on the base, the next series is 2026.8.
  assert.deepEqual(pathCandidates(["2026.8.0"], "2026.5.1", "stepwise"), ["2026.8.0"]);
  // A patch of the current series when no later series exists; not before a later series.
  assert.deepEqual(pathCandidates(["2026.2.1"], "2026.2.0", "stepwise"), ["2026.2.1"]);
  assert.deepEqual(
    pathCandidates(["2026.5.0", "2026.2.1"], "2026.2.0", "stepwise"),
    ["2026.5.0"],
  );
  // Numeric, not textual: 2026.10 comes after 2026.9; a new year after its December.
  assert.deepEqual(
    pathCandidates(["2027.1.0", "2026.10.0", "2026.9.2"], "2026.8.0", "stepwise"),
    ["2026.9.2"],
  );
  // A pre-release (when asked for) belongs to its series.
  assert.deepEqual(
    pathCandidates(["2026.8.0-rc1", "2026.5.0", "2026.5.0-rc1"], "2026.2.0", "stepwise"),
    ["2026.5.0", "2026.5.0-rc1"],
  );
  assert.deepEqual(pathCandidates([], "2026.2.0", "stepwise"), []);
});

Deno.test("the steps ahead and the series a forced version skips", () => {
  const all = ["2026.5.0", "2026.8.0", "2026.5.1", "2026.11.0", "2026.8.1"];
  assert.deepEqual(stepsAhead(all, "2026.5.1"), ["2026.8.1", "2026.11.0"]);
  assert.deepEqual(stepsAhead(all, "2026.5.0"), ["2026.8.1", "2026.11.0"]);
  assert.deepEqual(stepsAhead(all, "2026.11.0"), []);
  assert.deepEqual(seriesSkipped(all, "2026.2.0", "2026.11.0"), ["2026.5.1", "2026.8.1"]);
  assert.deepEqual(seriesSkipped(all, "2026.2.0", "2026.5.0"), []);
  assert.deepEqual(seriesSkipped(all, "2026.5.1", "2026.8.0"), []);
});

Deno.test("a version read from people's text: orderable or null, and a comparison names what it cannot order", () => {
  assert.equal(orderableVersion("2026.5.0-rc1"), "2026.5.0-rc1");
  for (const bad of ["2026.5", "v2026.5.0", "2026.5.0+build", "", "9".repeat(70) + ".1.1"]) {
    assert.equal(orderableVersion(bad), null, bad);
  }
  // Not semver's TypeError: an InputError naming the value (one package's clear line).
  assert.throws(
    () => compareVersions("2026.5", "2026.2.0"),
    (e: Error) => e instanceof InputError && /"2026.5" is not a release version/.test(e.message),
  );
});
