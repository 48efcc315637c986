// A mirror's changelog: the sections of the releases an upgrade crosses, found by their headings
// in the syntax tree (pure), hostile changelogs included.
import assert from "node:assert/strict";
import {
  changelogNotes,
  changelogSections,
  MAX_CHANGELOG,
  namesVersion,
} from "../../lib/upstream/changelog.ts";
import { isImportant, sections } from "../../lib/upstream/sections.ts";
import { COPIED_RECORD, CRAFTED_NOTES } from "./samples.ts";

/** Keep a Changelog's shape: `## [x.y.z] - date`, `###` kinds of change, links at the end. */
const KEEP_A_CHANGELOG = [
  "# Changelog",
  "",
  "All notable changes to this project are documented here.",
  "",
  "## [Unreleased]",
  "",
  "- work in progress",
  "",
  "## [3.8.0-rc.1] - 2026-03-01",
  "",
  "- a candidate",
  "",
  "## [3.7.0] - 2026-02-20",
  "",
  "### Breaking changes",
  "",
  "- The `limits` block moved under `server`.",
  "",
  "### Added",
  "",
  "- A new query planner.",
  "",
  "```sh",
  "# not a heading: 3.6.9",
  "loki -config.file=x",
  "```",
  "",
  "## [3.6.9] - 2026-02-01",
  "",
  "### Security",
  "",
  "- CVE-2026-0001 fixed.",
  "",
  "## [3.6.5] - 2026-01-10",
  "",
  "- the deployed release",
  "",
  "[3.7.0]: https://github.com/grafana/loki/compare/v3.6.9...v3.7.0",
  "",
].join("\n");

Deno.test("namesVersion: the version or a v before it, never inside a longer version", () => {
  assert.ok(namesVersion("[3.7.0] - 2026-02-20", "3.7.0"));
  assert.ok(namesVersion("v3.7.0 (2026-02-20)", "3.7.0"));
  assert.ok(namesVersion("Release 3.7.0.", "3.7.0"));
  assert.ok(namesVersion("helm-chart-2.1.0", "2.1.0"));
  assert.ok(namesVersion("loki 3.7.0 / 2026-02-20", "v3.7.0"));
  for (const other of ["13.7.0", "3.7.0.1", "3.7.0-rc.1", "3.7.01", "3.7.0+build", "x3.7.0"]) {
    assert.ok(!namesVersion(other, "3.7.0"), other);
  }
  // A version's dots are dots, not any character.
  assert.ok(!namesVersion("3x7y0", "3.7.0"));
});

Deno.test("changelogSections: each crossed release's section, newest first, heading left out", () => {
  const { sections: found, cut } = changelogSections(KEEP_A_CHANGELOG, ["3.7.0", "3.6.9"]);
  assert.equal(cut, false);
  assert.deepEqual(found.map((s) => [s.version, s.heading]), [
    ["3.7.0", "[3.7.0] - 2026-02-20"],
    ["3.6.9", "[3.6.9] - 2026-02-01"],
  ]);
  // The section runs to the next heading as deep: its ### headings and its code are in it, the
  // `# ...` line in the code block is no heading, the next release is not.
  assert.match(found[0].text, /^### Breaking changes\n/);
  assert.match(found[0].text, /# not a heading: 3\.6\.9\nloki/);
  assert.ok(!found[0].text.includes("[3.6.9]") && !found[0].text.includes("3.6.5"));
  assert.equal(found[1].text, "### Security\n\n- CVE-2026-0001 fixed.");
  // Its sections are its ### headings: breaking first for the renderer.
  const parts = sections(found[0].text, "changelog");
  assert.deepEqual(parts.map((p) => p.title), ["Breaking changes", "Added"]);
  assert.deepEqual(parts.filter((p) => isImportant(p.title)).map((p) => p.title), [
    "Breaking changes",
  ]);
  // A release candidate's heading is not the release's; a version nothing names has none.
  assert.deepEqual(changelogSections(KEEP_A_CHANGELOG, ["3.8.0"]).sections, []);
  assert.deepEqual(changelogSections("no headings at all", ["3.7.0"]).sections, []);
});

Deno.test("changelogSections: setext and # headings, CRLF, a version's deeper mention skipped", () => {
  const text = [
    "v2.0.0",
    "======",
    "",
    "Upgrading from 1.x",
    "------------------",
    "",
    "- see the guide for 2.0.0",
    "",
    "v1.9.0",
    "======",
    "",
    "- old",
  ].join("\r\n");
  const [s] = changelogSections(text, ["2.0.0"]).sections;
  assert.equal(s.heading, "v2.0.0");
  assert.match(s.text, /^Upgrading from 1\.x\r?\n-+/);
  assert.ok(!s.text.includes("old"));
  // The shallowest heading naming it wins over a deeper one before it.
  const nested = "### Notes for 4.0.0\n\ntext\n\n# 4.0.0\n\n## Security\n\n- fixed\n\n# 3.9.0\n";
  const [n] = changelogSections(nested, ["4.0.0"]).sections;
  assert.equal(n.heading, "4.0.0");
  assert.equal(n.text, "## Security\n\n- fixed");
});

Deno.test("changelogSections: a heading in a quote, a list or HTML is none; the text is upstream's", () => {
  const hostile = [
    "> # 5.0.0",
    "> quoted: not the release",
    "",
    "- # 5.0.0 in a list item",
    "",
    "<h1>5.0.0</h1>",
    "",
    "# 5.0.0",
    "",
    // Its ## headings are the release's sections; its fences fool a line-by-line reading (an
    // indented fence closed by its list item), not the parser.
    CRAFTED_NOTES.replace(/^---\n/, ""),
    "",
    "# 4.9.0",
    "",
    "- the deployed one",
  ].join("\n");
  const [s] = changelogSections(hostile, ["5.0.0"]).sections;
  assert.equal(s.version, "5.0.0");
  // What it holds is as upstream wrote it (made inert only when rendered): the copied record too.
  assert.ok(s.text.includes(COPIED_RECORD));
  assert.ok(!s.text.includes("quoted: not the release"));
  assert.ok(!s.text.includes("the deployed one"));
  assert.deepEqual(sections(s.text, "changelog").map((p) => p.title), [
    "Breaking changes",
    "Thanks @name, fixes #1",
  ]);
});

Deno.test("changelogSections: only the crossed releases' part is read, at most MAX_CHANGELOG", () => {
  const filler = "- a change that takes up some room in the file\n".repeat(4000);
  const huge = `## 2.0.0\n\n${filler}\n## 1.0.0\n\n- old\n`;
  const { sections: found, cut } = changelogSections(huge, ["2.0.0"]);
  assert.equal(cut, true);
  assert.ok(found[0].text.length <= MAX_CHANGELOG, `${found[0].text.length}`);
  assert.ok(found[0].text.endsWith("file"));
  // Far below the crossed releases, a long history is never read (in good time).
  const history = Array.from({ length: 3000 }, (_, i) => `## 1.${3000 - i}.0\n\n- change ${i}\n`)
    .join("\n");
  const began = performance.now();
  const late = changelogSections(`## 2.0.0\n\n- new\n\n${history}`, ["2.0.0"]);
  assert.equal(late.sections[0].text, "- new");
  assert.ok(performance.now() - began < 1000, "the history was not parsed");
});

Deno.test("changelogNotes: one entry per crossed release with a section; a missing new one said", () => {
  const file = { path: "CHANGELOG.md", url: "https://forge.example/CHANGELOG.md", tag: "v3.7.0" };
  const found = changelogNotes(KEEP_A_CHANGELOG, file, ["3.7.0", "3.6.9"]);
  assert.deepEqual(found.problems, []);
  assert.deepEqual(found.notes.map((n) => [n.releases, n.source, n.title, n.url]), [
    [["3.7.0"], "changelog", "CHANGELOG.md", file.url],
    [["3.6.9"], "changelog", "CHANGELOG.md", file.url],
  ]);
  const missing = changelogNotes(KEEP_A_CHANGELOG, { ...file, tag: "v3.8.0" }, ["3.8.0", "3.7.0"]);
  assert.deepEqual(missing.problems, ["CHANGELOG.md at v3.8.0 has no section headed 3.8.0"]);
  assert.deepEqual(missing.notes.map((n) => n.releases), [["3.7.0"]]);
});
