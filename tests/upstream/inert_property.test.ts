// Property tests of the renderer (fast-check): for generated Markdown mixing mentions, references,
// closing keywords, character references, fences, code spans, lists, quotes, HTML and copies of
// the bot's records at any nesting, what is rendered and parsed back exposes none of them outside
// code, the bot's sections after the notes are still headings, and its records are only its own.
import assert from "node:assert/strict";
import fc from "fast-check";
import { cutInert, inertMarkdown } from "../../lib/upstream/inert.ts";
import { pullBody, type PullFacts, skipNoted } from "../../lib/mikado/pull_text.ts";
import { parseRecord } from "../../lib/mikado/tag_record.ts";
import { ownComments } from "../../lib/upstream/inert.ts";
import { UPGRADE_FACTS } from "../support/mikado.ts";
import { exposed, topHeadings } from "./inert_check.ts";
import { COPIED_RECORD, COPIED_SKIP } from "./samples.ts";

/** Cases per property (the whole body's are slower, parsed several times): set
 * UPGRADE_BOT_PROPERTY_RUNS for a longer search. */
const RUNS = Number(Deno.env.get("UPGRADE_BOT_PROPERTY_RUNS") ?? 400);
const BODY_RUNS = Math.ceil(RUNS / 4);

/** Inline pieces: what Forgejo acts on, written every way Markdown can spell it, and syntax. */
const atom = fc.constantFrom(
  "@name",
  "@na_me-1",
  "#12",
  "!12",
  "owner/repo#3",
  "fixes #1",
  "Closes: #2",
  "resolved owner/repo!4",
  "fixes https://forge.example/eblume/blumeops/issues/1",
  "&#x40;name",
  "&#64;name",
  "&commat;name",
  "&num;12",
  "&#35;12",
  "&excl;12",
  "&amp;#64;x",
  "&lt;img&gt;",
  "<img src=x>",
  "</details>",
  "<details>",
  "<summary>",
  "<script>",
  "<!--",
  "-->",
  COPIED_RECORD,
  COPIED_SKIP,
  "`",
  "``",
  "\\`",
  "\\",
  "*",
  "_",
  "~~",
  "|",
  "[x](javascript:alert(1))",
  "[y](https://x.example/@name)",
  "![i](https://x.example/i.png)",
  "<https://x.example/#1>",
  "[r]",
  "[^1]",
  "$x$",
  "text",
  "word",
  " ",
  "  ",
  "\t",
);

/** Block openers a line may start with. */
const lead = fc.constantFrom(
  "",
  "",
  "",
  "- ",
  "* ",
  "1. ",
  "2) ",
  "> ",
  "## ",
  "# ",
  "###### ",
  "    ",
  "  ",
  "```",
  "````",
  "~~~",
  "```html ",
  "---",
  "===",
  "| a | b |\n|---|---|\n| ",
  "[r]: ",
  "[^1]: ",
  "<details>\n\n",
  "<div>",
);

const line = fc.tuple(lead, fc.array(atom, { maxLength: 8 })).map(([l, a]) => l + a.join(" "));

/** Markdown nested to any depth: plain lines, list items, quotes, fences, details blocks. */
const { markdown } = fc.letrec((tie) => ({
  markdown: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.array(line, { minLength: 1, maxLength: 6 }).map((ls) => ls.join("\n")),
    fc.array(tie("markdown"), { minLength: 1, maxLength: 4 }).chain((parts) =>
      fc.constantFrom("\n", "\n\n").map((sep) => (parts as string[]).join(sep))
    ),
    fc.tuple(fc.constantFrom("- ", "1. ", "> ", "  ", "    "), tie("markdown")).map(
      ([prefix, inner]) => {
        const pad = prefix.startsWith(">") ? "> " : " ".repeat(prefix.length);
        return (inner as string).split("\n").map((l, i) => (i === 0 ? prefix : pad) + l).join(
          "\n",
        );
      },
    ),
    fc.tuple(fc.constantFrom("```", "~~~", "````", "```yaml"), tie("markdown"), fc.boolean()).map(
      ([fence, inner, closed]) => `${fence}\n${inner}${closed ? `\n${fence.slice(0, 3)}` : ""}`,
    ),
    tie("markdown").map((inner) => `<details>\n\n${inner}\n\n</details>`),
  ),
}));

Deno.test("property: rendered notes, whole or cut, expose no HTML, mention, reference, closing or bad link", () => {
  const started = performance.now();
  fc.assert(
    fc.property(markdown, fc.nat({ max: 1500 }), (md, budget) => {
      const out = inertMarkdown(md, { headingFloor: 6 });
      assert.deepEqual(exposed(out), [], `${md}\n---- rendered:\n${out}`);
      assert.ok(topHeadings(out).every((h) => h.startsWith("###### ")), out);
      assert.deepEqual(ownComments(out), []);
      const cut = cutInert(out, budget);
      assert.ok(cut.text.length <= budget, `${cut.text.length} > ${budget}`);
      assert.deepEqual(exposed(cut.text), [], `${out}\n---- cut:\n${cut.text}`);
    }),
    { numRuns: RUNS },
  );
  console.log(`  ${RUNS} cases in ${Math.round(performance.now() - started)} ms`);
});

const A = "a".repeat(40);

const FACTS: PullFacts = {
  ...UPGRADE_FACTS,
  mirrors: [{
    repo: "mirrors/authentik",
    tag: "version/2026.5.0",
    url: "https://forge.example/mirrors/authentik/src/tag/version/2026.5.0",
    commit: A,
  }],
  builds: 1,
  seconds: 1,
  builder: "local",
  verified: true,
  failure: null,
  graph: "upgrade-authentik",
  mentions: [],
  prerequisite: null,
};

/** The bot's own HTML in a body: its record, the notes' fold. */
const own = (v: string) =>
  v.trim() === `<!-- upgrade-bot: harvested mirrors/authentik version/2026.5.0 ${A} -->` ||
  /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());

Deno.test("property: in the whole body, the bot's sections stay headings and its records its own", () => {
  const started = performance.now();
  fc.assert(
    fc.property(
      markdown,
      markdown,
      fc.constantFrom("file" as const, "release" as const, "changelog" as const),
      fc.string({ maxLength: 40 }),
      (breaking, rest, source, name) => {
        const text = `## Breaking changes\n\n${breaking}\n\n## Highlights\n\n${rest}\n`;
        const body = pullBody({
          ...FACTS,
          ahead: [name],
          upstream: [{
            repo: "mirrors/authentik",
            from: "version/2026.2.0",
            to: "version/2026.5.0",
            compare: "https://forge.example/compare",
            commits: 1,
            notes: [{
              releases: [name],
              source,
              title: name,
              url: "https://forge.example/notes",
              text,
            }],
            dependencies: [],
            problems: [`${name} ${breaking.slice(0, 200)}`],
          }],
        });
        const where = `${text}\n---- body:\n${body}`;
        assert.deepEqual(exposed(body, own), [], where);
        const headings = topHeadings(body);
        const notes = headings.indexOf("### What changed upstream");
        assert.ok(notes > 0, where);
        assert.deepEqual(
          headings.slice(notes).filter((h) => /^#{1,3} /.test(h)),
          [
            "### What changed upstream",
            "### Dependency Graph",
            "### Cards that still mention 2026.2.0",
            "### After merge",
          ],
          where,
        );
        assert.deepEqual(parseRecord(body), [
          { repo: "mirrors/authentik", tag: "version/2026.5.0", commit: A },
        ]);
        assert.ok(!skipNoted(body), where);
      },
    ),
    { numRuns: BODY_RUNS },
  );
  console.log(`  ${BODY_RUNS} cases in ${Math.round(performance.now() - started)} ms`);
});
