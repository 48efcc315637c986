// An upstream image's tag shape and the newer tags of that shape, on strings.
import assert from "node:assert/strict";
import { newerTags, tagShape, writtenLike, writtenVersion } from "../../lib/images/tags.ts";
import { compareReleases, looseVersion } from "../../lib/nix/versions.ts";

Deno.test("tag shape: v, parts, pre-release and suffix taken apart; other tags have none", () => {
  assert.deepEqual(tagShape("0.17.0-rc2-tensorrt"), {
    prefix: "",
    written: "0.17.0-rc2",
    parts: 3,
    prerelease: "rc2",
    suffix: "-tensorrt",
    version: "0.17.0-rc2",
  });
  assert.deepEqual(tagShape("v1.94.2"), {
    prefix: "v",
    written: "1.94.2",
    parts: 3,
    prerelease: null,
    suffix: "",
    version: "1.94.2",
  });
  assert.equal(tagShape("18.3")?.version, "18.3.0");
  assert.equal(tagShape("27-dind")?.suffix, "-dind");
  assert.equal(tagShape("7-alpine")?.version, "7.0.0");
  for (const none of ["latest", "stable", "17-0.5.0", "kustomized", "v", "1.2.3.4", "01.2.3"]) {
    assert.equal(tagShape(none), null, none);
  }
  assert.equal(tagShape("1".repeat(200)), null, "too long");
});

Deno.test("newer tags: the same prefix, parts and suffix; pre-releases only after a pre-release", () => {
  const mosquitto = ["2.0.21", "2.0.22", "2.0", "2", "2.0.23", "2.0.23-openssl", "2.1.0-rc1"];
  assert.deepEqual(newerTags(mosquitto, "2.0.22"), ["2.0.23"]);
  assert.deepEqual(newerTags(mosquitto, "2.0.22", true), ["2.1.0-rc1", "2.0.23"]);
  const frigate = [
    "0.16.3-tensorrt",
    "0.17.0-rc2-tensorrt",
    "0.17.0-rc3-tensorrt",
    "0.17.0-rc10-tensorrt",
    "0.17.0-tensorrt",
    "0.17.0",
    "0.18.0-beta1",
  ];
  assert.deepEqual(newerTags(frigate, "0.17.0-rc2-tensorrt"), [
    "0.17.0-tensorrt",
    "0.17.0-rc10-tensorrt",
    "0.17.0-rc3-tensorrt",
  ]);
  assert.deepEqual(newerTags(["v1.94.2", "v1.96.0", "1.96.0", "v1.96"], "v1.94.2"), ["v1.96.0"]);
  assert.deepEqual(newerTags(["18.3", "18.4", "18.4-bookworm", "18.4.1", "19.0"], "18.3"), [
    "19.0",
    "18.4",
  ]);
  assert.deepEqual(newerTags(["latest", "2.0.23"], "latest"), [], "no shape: nothing newer");
});

Deno.test("versions: loose versions padded, pre-release numbers ordered as numbers", () => {
  assert.equal(looseVersion("18"), "18.0.0");
  assert.equal(looseVersion("18.3"), "18.3.0");
  assert.equal(looseVersion("0.17.0-rc2"), "0.17.0-rc2");
  assert.equal(looseVersion("1.2.3.4"), null);
  assert.equal(looseVersion("v1.2.3"), null);
  assert.ok(compareReleases("0.17.0-rc10", "0.17.0-rc2") > 0);
  assert.ok(compareReleases("0.17.0", "0.17.0-rc10") > 0);
  assert.equal(compareReleases("1.0.0", "1.0.0"), 0);
  assert.throws(() => compareReleases("latest", "1.0.0"), /not a release version/);
});

Deno.test("a version written as its tag writes it: the parts the tag has, its pre-release kept", () => {
  // Each tag's version, written back with the tag's parts, is the tag's own text.
  for (
    const tag of ["18.3", "18", "27-dind", "v1.94.2", "0.17.0-rc2-tensorrt", "18-rc1", "7-alpine"]
  ) {
    const shape = tagShape(tag)!;
    assert.equal(writtenVersion(shape.version, shape.parts), shape.written, tag);
  }
  assert.equal(writtenVersion("18.4.0", 2), "18.4");
  assert.equal(writtenVersion("19.0.0", 1), "19");
  // A part the tag's shape has no room for is never dropped.
  assert.equal(writtenVersion("18.4.1", 2), "18.4.1");
  assert.equal(writtenVersion("2026.2.0", 3), "2026.2.0");
  assert.equal(writtenVersion("not a version", 2), "not a version");
  assert.equal(writtenLike("18.3")("18.4.0"), "18.4");
  assert.equal(writtenLike("17-alpine")("18.0.0"), "18");
  assert.equal(writtenLike("v1.94.2")("1.96.0"), "1.96.0");
  assert.equal(writtenLike(undefined)("18.4.0"), "18.4.0");
  assert.equal(writtenLike("latest")("18.4.0"), "18.4.0");
});
