// Release notes: the path per version.
import assert from "node:assert/strict";
import { notesPath } from "../../lib/upstream/notes.ts";
import { AUTHENTIK_RELEASE_NOTES } from "../../lib/site/defaults.ts";

Deno.test("notesPath: authentik's pattern per version", () => {
  assert.equal(
    notesPath(AUTHENTIK_RELEASE_NOTES, "2026.5.1"),
    "website/docs/releases/2026/v2026.5.md",
  );
  assert.equal(notesPath("CHANGES-{version}.md", "1.2.3-rc1"), "CHANGES-1.2.3-rc1.md");
  assert.equal(notesPath("docs/{major}.{minor}.{patch}.md", "3.4.5"), "docs/3.4.5.md");
});
