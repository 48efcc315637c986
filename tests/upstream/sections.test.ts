// Release notes in sections: from the syntax tree, front matter only for files, what comes first.
import assert from "node:assert/strict";
import { isImportant, sections } from "../../lib/upstream/sections.ts";
import { AUTHENTIK_NOTES } from "./samples.ts";

Deno.test("sections: front matter dropped, ## sections, a heading in a code block is not one", () => {
  const found = sections(AUTHENTIK_NOTES, "file");
  assert.deepEqual(found.map((s) => s.title), [
    null,
    "Highlights",
    "Breaking changes",
    "New features",
    "Upgrading",
    "Fixed in 2026.5.1",
  ]);
  assert.match(found[0].text, /^import Tabs/);
  assert.ok(!found[0].text.includes("slug:"));
  assert.match(found[3].text, /# not a heading/);
  assert.deepEqual(found.filter((s) => isImportant(s.title)).map((s) => s.title), [
    "Breaking changes",
    "Upgrading",
  ]);
  assert.ok(isImportant("Security fixes") && isImportant("Fixed CVE-2026-1234"));
  assert.ok(!isImportant(null) && !isImportant("New features"));
});

Deno.test("sections: a forge release's body has no front matter: an opening --- is Markdown", () => {
  const body = "---\n\n## Breaking changes\n\n- the API is gone\n\n---\n\n## Fixes\n\n- one";
  const found = sections(body, "release");
  assert.deepEqual(found.map((s) => s.title), [null, "Breaking changes", "Fixes"]);
  assert.match(found[1].text, /the API is gone/);
  // The same text as a file loses what its "front matter" held: files only.
  assert.deepEqual(sections(body, "file").map((s) => s.title), ["Fixes"]);
});

Deno.test("sections: headings from the tree: setext, not in HTML or an unclosed fence", () => {
  const text = "Intro\n\nSetext\n------\n\nx\n\n<div>\n## not in html\n</div>\n\n```\n## in code";
  assert.deepEqual(sections(text, "release").map((s) => s.title), [null, "Setext"]);
});
