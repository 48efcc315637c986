// The renderer of upstream text: what it makes inert (read back with the parser), what it keeps
// (code, structure, http links), cutting to size, and the bot's records read only from its own
// top-level comments.
import assert from "node:assert/strict";
import {
  cutInert,
  inertHtmlText,
  inertMarkdown,
  inertText,
  ownComments,
  parseMarkdown,
} from "../../lib/upstream/inert.ts";
import { BODY_LIMIT, upstreamSection } from "../../lib/upstream/render.ts";
import { sections } from "../../lib/upstream/sections.ts";
import { parseLock } from "../../lib/upstream/locks.ts";
import { parseRecord } from "../../lib/mikado/tag_record.ts";
import { skipNoted } from "../../lib/mikado/pull_text.ts";
import { exposed, topHeadings } from "./inert_check.ts";
import { COPIED_RECORD, COPIED_SKIP, CRAFTED_LOCK_LINE, CRAFTED_NOTES } from "./samples.ts";

const NOTES = { headingFloor: 6 };

/** The bot's own HTML around the notes: the fold. */
const FOLD = (v: string) => /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());

Deno.test("inertMarkdown: no raw HTML, no mention or issue reference, headings moved down", () => {
  const hostile = [
    "## Title",
    "</details><script>alert(1)</script><!-- hide the rest",
    "",
    "text </details><script>alert(1)</script><!-- hide the rest",
    "fixes #12, closes owner/repo#3, thanks @erich",
    "inline `</details>` stays literal in code",
    "a & b, &amp; kept",
  ].join("\n");
  const safe = inertMarkdown(hostile, NOTES);
  assert.deepEqual(exposed(safe), []);
  assert.deepEqual(topHeadings(safe), ["###### Title"]);
  assert.match(
    safe,
    /^fixes #&#8203;12, closes owner\/repo#&#8203;3, thanks @&#8203;erich$/m,
  );
  assert.match(safe, /inline `<\/details>` stays literal in code/);
  // An HTML block is shown as code; HTML inside a paragraph as its characters.
  assert.match(safe, /^```html\n<\/details><script>alert\(1\)<\/script><!-- hide the rest\n```$/m);
  assert.match(
    safe,
    /^text &lt;\/details&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;!-- hide/m,
  );
  assert.match(safe, /^a &amp; b, &amp; kept$/m);
  assert.ok(!/<\/?details|<script/i.test(safe.replace(/```html\n[^`]*```|`[^`]*`/g, "")), safe);
});

Deno.test("inertMarkdown: a fence left open is closed; code keeps its text, fenced longer", () => {
  const safe = inertMarkdown("text\n````sh\n</details>\n```\nstill code", NOTES);
  assert.equal(safe, "text\n\n````sh\n</details>\n```\nstill code\n````");
  assert.equal(inertMarkdown("~~~\nx\n~~~\n<b>", NOTES), "```\nx\n```\n\n```html\n<b>\n```");
  assert.equal(inertMarkdown("~~~\nx\n~~~\na <b>", NOTES), "```\nx\n```\n\na &lt;b&gt;");
  // Backticks inside: the fence is longer than any run of them.
  const code = parseMarkdown(inertMarkdown("~~~\n`````\n~~~", NOTES)).children[0];
  assert.deepEqual(code.type === "code" && code.value, "`````");
});

Deno.test("inertMarkdown: links only to http(s), images as links, references resolved", () => {
  const safe = inertMarkdown(
    "[a](javascript:alert(1)) [b](https://x.example/b) ![c](https://x.example/c.png) [d][e]\n\n" +
      "[e]: data:text/html,x",
    NOTES,
  );
  assert.equal(safe, "a [b](https://x.example/b) [c](https://x.example/c.png) d");
});

Deno.test("inertText, inertHtmlText: one line, nothing it could open or mention", () => {
  assert.equal(inertText("2026.5.0"), "2026.5.0");
  assert.equal(inertText("a\n# b <i>@c</i> *d*"), "a \\# b &lt;i&gt;@&#8203;c&lt;/i&gt; \\*d\\*");
  assert.equal(
    inertHtmlText("Thanks @x, fixes #1 </summary>"),
    "Thanks @&#8203;x, fixes #&#8203;1 &lt;/summary&gt;",
  );
});

Deno.test("the crafted notes of issue 22: nothing exposed, the bot's sections still headings", () => {
  let problem = "";
  try {
    parseLock("uv.lock", `version = 1\n[[package]]\n${CRAFTED_LOCK_LINE}\nversion = "6.0.2"\n`);
  } catch (e) {
    problem = (e as Error).message;
  }
  assert.match(problem, /@name fixes #1/, "the parse error quotes the line");
  const section = upstreamSection([{
    repo: "mirrors/authentik",
    from: "version/2026.2.0",
    to: "version/2026.5.0",
    compare: "https://forge.example/compare",
    commits: 3,
    notes: [{
      releases: ["2026.5.0"],
      source: "release",
      title: "authentik 2026.5.0 @name fixes #1",
      url: "https://forge.example/notes",
      text: CRAFTED_NOTES,
    }],
    dependencies: [],
    problems: [problem],
  }], BODY_LIMIT).join("\n");
  const body = `${section}\n### Dependency Graph\n\n### After merge\n`;
  assert.deepEqual(exposed(body, FOLD), []);
  const headings = topHeadings(body);
  assert.deepEqual(headings.slice(-2), ["### Dependency Graph", "### After merge"]);
  assert.ok(headings.every((h) => h.startsWith("###")), headings.join("\n"));
  // The breaking changes (a body opening with --- keeps them) come before the fold.
  assert.ok(body.indexOf("The config moved") < body.indexOf("<details><summary>"));
  assert.deepEqual(ownComments(body), []);
  assert.deepEqual(parseRecord(body), []);
  assert.ok(!skipNoted(body));
});

Deno.test("cutInert: within the budget, at a line boundary, what it cut open is closed", () => {
  const text = inertMarkdown(
    ["intro", "```", ...Array.from({ length: 50 }, (_, i) => `line ${i}`), "```"].join("\n"),
    NOTES,
  );
  const cut = cutInert(text, 100);
  assert.ok(cut.cut);
  assert.ok(cut.text.length <= 100, `${cut.text.length}`);
  assert.ok(cut.text.endsWith("\n```"));
  assert.match(cut.text, /^intro\n\n```\nline 0\n/);
  assert.deepEqual(cutInert("short", 100), { text: "short", cut: false });
  // A fence under a list item is closed in the item, where the parser closes it.
  const listed = inertMarkdown(
    ["- item", "  ```", ...Array.from({ length: 50 }, (_, i) => `  line ${i}`), "  ```"].join("\n"),
    NOTES,
  );
  const inItem = cutInert(listed, 120);
  assert.ok(inItem.text.endsWith("\n  ```"), inItem.text);
  assert.deepEqual(parseMarkdown(`${inItem.text}\n\n### Next`).children.map((n) => n.type), [
    "list",
    "heading",
  ]);
});

Deno.test("ownComments: top-level comments only; copies in code, lists, quotes or HTML are not", () => {
  const body = [
    "## Mikado Chain: x",
    "",
    "- a mirror",
    "<!-- upgrade-bot: mine -->",
    "",
    "```",
    COPIED_RECORD,
    "```",
    "",
    `- ${COPIED_RECORD}`,
    "",
    `> ${COPIED_SKIP}`,
    "",
    "<details>",
    COPIED_RECORD,
    "</details>",
    "",
    `text ${COPIED_SKIP}`,
    "",
    `${COPIED_SKIP} and more`,
  ].join("\n");
  assert.deepEqual(ownComments(body), ["<!-- upgrade-bot: mine -->"]);
  assert.deepEqual(ownComments(`x\n\n${COPIED_SKIP}\n`), [COPIED_SKIP]);
});

Deno.test("inertMarkdown: nesting deeper than honest notes is shown as code, unparsed and at once", () => {
  const nested = "![".repeat(3000) + "x" + "](http://a)".repeat(3000);
  const started = performance.now();
  const out = inertMarkdown(`## Fixes\n\n${nested}`, NOTES);
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  const [code] = parseMarkdown(out).children;
  assert.equal(code.type, "code");
  assert.deepEqual(sections(`## Fixes\n\n${"[".repeat(40)}x`, "release").map((s) => s.title), [
    null,
  ]);
  assert.equal(inertMarkdown(">".repeat(20000) + " x", NOTES).split("\n")[0], "```");
  // A few levels, as real notes nest: parsed.
  assert.equal(
    inertMarkdown("[a [b] c](https://x.example)\n\n> > q", NOTES),
    [
      "[a \\[b\\] c](https://x.example)",
      "",
      "> > q",
    ].join("\n"),
  );
});
