// Release notes: the path per version, sections, what is made safe, and cutting to size.
import assert from "node:assert/strict";
import {
  cutMarkdown,
  isImportant,
  notesPath,
  safeMarkdown,
  sections,
} from "../../lib/upstream/notes.ts";
import { AUTHENTIK_RELEASE_NOTES } from "../../lib/site/defaults.ts";
import { AUTHENTIK_NOTES } from "./samples.ts";

Deno.test("notesPath: authentik's pattern per version", () => {
  assert.equal(
    notesPath(AUTHENTIK_RELEASE_NOTES, "2026.5.1"),
    "website/docs/releases/2026/v2026.5.md",
  );
  assert.equal(notesPath("CHANGES-{version}.md", "1.2.3-rc1"), "CHANGES-1.2.3-rc1.md");
  assert.equal(notesPath("docs/{major}.{minor}.{patch}.md", "3.4.5"), "docs/3.4.5.md");
});

Deno.test("sections: front matter dropped, ## sections, a heading in a code block is not one", () => {
  const found = sections(AUTHENTIK_NOTES);
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

Deno.test("safeMarkdown: no raw HTML, no mention or issue reference, headings moved down", () => {
  const hostile = [
    "## Title",
    "</details><script>alert(1)</script><!-- hide the rest",
    "fixes #12, closes owner/repo#3, thanks @erich",
    "inline `</details>` stays literal in code",
    "a & b, &amp; kept",
  ].join("\n");
  const safe = safeMarkdown(hostile, 6);
  assert.equal(
    safe,
    [
      "###### Title",
      "&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- hide the rest",
      "fixes #&#8203;12, closes owner/repo#&#8203;3, thanks @&#8203;erich",
      "inline `</details>` stays literal in code",
      "a &amp; b, &amp; kept",
    ].join("\n"),
  );
  assert.ok(!/<\/?details/i.test(safe.replace(/`[^`]*`/g, "")));
});

Deno.test("safeMarkdown: a fence left open is closed; code inside keeps its text", () => {
  const safe = safeMarkdown("text\n````sh\n</details>\n```\nstill code");
  assert.equal(safe, "text\n````sh\n</details>\n```\nstill code\n````");
  assert.equal(safeMarkdown("~~~\nx\n~~~\n<b>"), "~~~\nx\n~~~\n&lt;b&gt;");
});

Deno.test("cutMarkdown: at a line boundary, within the budget, closing a fence it cut", () => {
  const text = ["intro", "```", ...Array.from({ length: 50 }, (_, i) => `line ${i}`), "```"]
    .join("\n");
  const cut = cutMarkdown(text, 100);
  assert.ok(cut.cut);
  assert.ok(cut.text.length <= 100, `${cut.text.length}`);
  assert.ok(cut.text.endsWith("\n```"));
  assert.match(cut.text, /^intro\n```\nline 0\n/);
  assert.deepEqual(cutMarkdown("short", 100), { text: "short", cut: false });
});
