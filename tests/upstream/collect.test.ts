// Which releases an upgrade crosses (their notes are shown): pure, from the mirror's tags.
import assert from "node:assert/strict";
import { crossedVersions, type UpstreamQuery } from "../../lib/upstream/collect.ts";

const QUERY: UpstreamQuery = {
  mirrors: [{ repo: "mirrors/authentik", tag: "version/{version}" }],
  releaseNotes: null,
  from: "2026.2.0",
  to: "2026.5.1",
  tags: [
    "version/2026.2.0",
    "version/2026.2.1",
    "version/2026.5.0-rc1",
    "version/2026.5.0",
    "version/2026.5.1",
    "version/2026.8.0",
    "version/not-a-version",
  ],
  prereleases: false,
  feeds: new Map(),
  changelog: false,
};

Deno.test("crossedVersions: above the deployed one up to the new one, oldest first, no later one", () => {
  assert.deepEqual(crossedVersions(QUERY), ["2026.2.1", "2026.5.0", "2026.5.1"]);
  assert.deepEqual(crossedVersions({ ...QUERY, prereleases: true }), [
    "2026.2.1",
    "2026.5.0-rc1",
    "2026.5.0",
    "2026.5.1",
  ]);
  // A forced version the tags do not list (yet) is crossed all the same.
  assert.deepEqual(crossedVersions({ ...QUERY, to: "2026.5.2", tags: [] }), ["2026.5.2"]);
  // A forced release candidate brings the candidates before it.
  assert.deepEqual(crossedVersions({ ...QUERY, to: "2026.5.0-rc1" }), ["2026.2.1", "2026.5.0-rc1"]);
});
