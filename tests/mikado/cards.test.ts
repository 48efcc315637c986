import assert from "node:assert/strict";
import { addToIndex, categoryIndexPath } from "../../lib/mikado/category_index.ts";
import {
  type BuildFailureFacts,
  closeCard,
  finalizeCard,
  planGoalCard,
  prerequisiteCard,
  type UpgradeFacts,
} from "../../lib/mikado/cards.ts";
import { changelogFragment } from "../../lib/mikado/changelog.ts";
import { changelogPath } from "../../lib/site/defaults.ts";
import { parseFrontMatter } from "../../lib/mikado/front_matter.ts";
import { tidyText, wikiLinkTargets } from "../../lib/mikado/markdown.ts";
import { buildCard } from "../support/fixture.ts";
import { UPGRADE_FACTS } from "../support/mikado.ts";

// The fixture's overview card, at 2026.2.0.
const BUILD_CARD = buildCard("2026.2.0");

// A goal card left finalized by an earlier upgrade, with a key and comments of the user's own.
const FINALIZED_GOAL = `---
title: Upgrade Authentik # renamed by hand
modified: 2026-08-02
last-reviewed: 2026-08-02
# reviewed on ringtail
tags: [how-to, authentik, nix]
---

# Upgrade Authentik

Bump, re-harvest, verify. See [[build-authentik-from-source]].

## Upgrade history

- 2026-08-02: \`2025.12.4\` → \`2026.2.0\`
  - \`src\` (\`sources.nix\`): \`sha256-older\`

## Related

- [[deploy-authentik]]
`;

const GOAL_PATH = "docs/how-to/authentik/upgrade-authentik.md";
// The card on how the package is built, which a new goal card links when it exists.
const OVERVIEW = "build-authentik-from-source";

const FACTS = UPGRADE_FACTS;

/** All hashes harvested, as at finalize. */
const DONE: UpgradeFacts = {
  ...FACTS,
  hashes: FACTS.hashes.map((h) => ({
    ...h,
    new: h.new ?? "sha256-newPythonDepsHashAAAAAAAAAAAAAAAAAAAAAAA=",
  })),
};

const HOSTILE_LOG = [
  "building '/nix/store/xyz-authentik-python-deps-2026.5.0.drv'...",
  "```",
  "---",
  "  ```markdown",
  "## Injected heading",
  "\x1b[31merror:\x1b[0m uv sync failed\r",
  "two\nlines",
];

const FAILURE: BuildFailureFacts = {
  drv: "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-authentik-python-deps-2026.5.0.drv",
  message: "builder for '...authentik-python-deps-2026.5.0.drv' failed with exit code 1",
  logTail: HOSTILE_LOG,
  kind: "build",
};

const frontMatter = (text: string) => parseFrontMatter(text, "card.md").map.toJSON();
const bodyOf = (text: string) => parseFrontMatter(text, "card.md").body;

/** The lines of each fenced code block, as a CommonMark reader finds them: a block opened by
 * N backticks ends at the next line of at least N backticks and nothing else. */
function fencedBlocks(markdown: string): { lines: string[]; outside: string[] } {
  const blocks: string[][] = [];
  const outside: string[] = [];
  let open: { width: number; lines: string[] } | null = null;
  for (const line of markdown.split("\n")) {
    if (open === null) {
      const m = /^ {0,3}(`{3,})[^`]*$/.exec(line);
      if (m) open = { width: m[1].length, lines: [] };
      else outside.push(line);
      continue;
    }
    const close = /^ {0,3}(`{3,})\s*$/.exec(line);
    if (close && close[1].length >= open.width) {
      blocks.push(open.lines);
      open = null;
    } else open.lines.push(line);
  }
  assert.equal(open, null, "every fence is closed");
  return { lines: blocks.flat(), outside };
}

Deno.test("parseFrontMatter: errors name the file and what is wrong", () => {
  const cases: [string, RegExp][] = [
    ["# no front matter\n", /^docs\/x\.md: no front matter/],
    ["---\ntitle: [unclosed\n---\nbody\n", /^docs\/x\.md: front matter is not valid YAML/],
    ["---\n- a list\n---\n", /^docs\/x\.md: front matter is not a YAML mapping/],
    ["---\n---\n", /^docs\/x\.md: front matter is not a YAML mapping/],
    ["---\ntitle: never closed\n", /^docs\/x\.md: no front matter/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parseFrontMatter(text, "docs/x.md"), {
      name: "InputError",
      message: expected,
    });
  }
});

Deno.test("parseFrontMatter: the body after the closing line is kept byte for byte", () => {
  const fm = parseFrontMatter(BUILD_CARD, "c.md");
  assert.equal(fm.body, BUILD_CARD.slice(BUILD_CARD.indexOf("\n---\n") + 5));
  assert.deepEqual(fm.map.toJSON(), {
    title: "Build Authentik from Source",
    modified: "2026-03-01",
    tags: ["how-to", "authentik", "nix"],
  });
});

Deno.test("planGoalCard: a new goal card", () => {
  const card = planGoalCard(null, FACTS, [], GOAL_PATH, OVERVIEW);
  assert.ok(card.startsWith(`---
title: Upgrade authentik
modified: 2026-11-22
status: active
branch: mikado/upgrade-authentik
requires: []
tags:
  - how-to
  - authentik
  - nix
---
`));
  const body = bodyOf(card);
  assert.match(body, /^# Upgrade authentik$/m);
  assert.match(body, /`containers\/authentik\/sources\.nix`/);
  assert.match(body, /\[\[build-authentik-from-source\]\]/);
  assert.match(body, /re-harvest the\nfixed-output hashes/);
  assert.match(body, /\n## Upgrade history\n$/, "the history section is last and still empty");

  const withReqs = planGoalCard(
    null,
    FACTS,
    ["upgrade-authentik-authentik-python-deps"],
    GOAL_PATH,
    OVERVIEW,
  );
  assert.deepEqual(frontMatter(withReqs).requires, ["upgrade-authentik-authentik-python-deps"]);
  assert.match(withReqs, /^requires:\n {2}- upgrade-authentik-authentik-python-deps$/m);
});

Deno.test("planGoalCard: an existing finalized card keeps its title, keys, comments and body", () => {
  const card = planGoalCard(FINALIZED_GOAL, FACTS, ["a-card", "b-card"], GOAL_PATH, OVERVIEW);
  // The body is kept; only the prerequisites list is added, before the history.
  assert.equal(
    bodyOf(card),
    bodyOf(FINALIZED_GOAL).replace(
      "## Upgrade history\n",
      "## Prerequisites\n\n- [[a-card]]\n- [[b-card]]\n\n## Upgrade history\n",
    ),
  );
  assert.equal(
    card.slice(0, card.indexOf("\n---\n") + 5),
    `---
title: Upgrade Authentik # renamed by hand
modified: 2026-11-22
status: active
branch: mikado/upgrade-authentik
requires:
  - a-card
  - b-card
last-reviewed: 2026-08-02
# reviewed on ringtail
tags: [how-to, authentik, nix]
---
`,
  );
  // Planning again (a new prerequisite) replaces the Mikado fields instead of adding more.
  const again = planGoalCard(
    card,
    { ...FACTS, date: "2026-11-23" },
    ["c-card"],
    GOAL_PATH,
    OVERVIEW,
  );
  assert.deepEqual(frontMatter(again), {
    title: "Upgrade Authentik",
    modified: "2026-11-23",
    status: "active",
    branch: "mikado/upgrade-authentik",
    requires: ["c-card"],
    "last-reviewed": "2026-08-02",
    tags: ["how-to", "authentik", "nix"],
  });
});

Deno.test("planGoalCard: a broken existing card is an error naming the goal card", () => {
  assert.throws(
    () => planGoalCard("no front matter here\n", FACTS, [], GOAL_PATH, OVERVIEW),
    {
      name: "InputError",
      message: /^docs\/how-to\/authentik\/upgrade-authentik\.md: no front matter/,
    },
  );
  assert.throws(() => planGoalCard("---\n- x\n---\n", FACTS, [], "cards/goal.md", null), {
    name: "InputError",
    message: /^cards\/goal\.md: front matter is not a YAML mapping$/,
  });
});

Deno.test("closeCard: removes status only and sets modified", () => {
  const { text } = prerequisiteCard(FACTS, FAILURE);
  const leaf = text.replace("status: active\n", "status: active\nrequires: [x]\n");
  const closed = closeCard(leaf, "2026-11-24", "leaf.md");
  assert.deepEqual(Object.keys(frontMatter(closed)), ["title", "modified", "requires", "tags"]);
  assert.equal(frontMatter(closed).modified, "2026-11-24");
  assert.equal(bodyOf(closed), bodyOf(leaf));
  assert.throws(() => closeCard("x", "2026-11-24", "leaf.md"), {
    name: "InputError",
    message: /^leaf\.md: no front matter/,
  });
});

Deno.test("finalizeCard: removes every Mikado field; the goal card records the upgrade", () => {
  const planned = planGoalCard(FINALIZED_GOAL, DONE, ["a-card"], GOAL_PATH, OVERVIEW);
  const done = finalizeCard(planned, DONE, true, "goal.md");
  assert.deepEqual(frontMatter(done), {
    title: "Upgrade Authentik",
    modified: "2026-11-22",
    "last-reviewed": "2026-08-02",
    tags: ["how-to", "authentik", "nix"],
  });
  assert.match(done, /# renamed by hand\n/);
  assert.match(done, /# reviewed on ringtail\n/);
  const history = bodyOf(done).split("## Upgrade history\n")[1];
  assert.equal(
    history,
    `
- 2026-11-22: \`2026.2.0\` → \`2026.5.0\`
  - \`src\` (\`sources.nix\`): \`sha256-8VHBzl8Ei8U16T8pY1LXv3GxTqq1wVYVpc0uEU2Nq0Y=\`
  - \`python-deps\` (\`python-deps.nix\`): \`sha256-newPythonDepsHashAAAAAAAAAAAAAAAAAAAAAAA=\`
  - \`webui-deps\` (\`webui-deps.nix\`): \`sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=\` (unchanged; \`aarch64-linux\` left at \`sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=\`)
- 2026-08-02: \`2025.12.4\` → \`2026.2.0\`
  - \`src\` (\`sources.nix\`): \`sha256-older\`

## Related

- [[deploy-authentik]]
`,
  );
});

Deno.test("finalizeCard: entries are newest first, also under an empty section", () => {
  const first = finalizeCard(
    planGoalCard(null, DONE, [], GOAL_PATH, OVERVIEW),
    DONE,
    true,
    "goal.md",
  );
  assert.match(first, /## Upgrade history\n\n- 2026-11-22: `2026\.2\.0` → `2026\.5\.0`\n/);
  const later = { ...DONE, from: "2026.5.0", to: "2026.8.0", date: "2027-02-01" };
  const second = finalizeCard(
    planGoalCard(first, later, [], GOAL_PATH, OVERVIEW),
    later,
    true,
    "goal.md",
  );
  const entries = [...second.matchAll(/^- (\S+): /gm)].map((m) => m[1]);
  assert.deepEqual(entries, ["2027-02-01", "2026-11-22"]);
  assert.match(second, /\S\n$/, "one final newline");
});

Deno.test("finalizeCard: an empty history section followed by another keeps a blank line", () => {
  const card =
    "---\ntitle: G\nmodified: 2026-01-01\ntags: [how-to]\n---\n\n## Upgrade history\n\n" +
    "## Related\n\n- [[deploy-authentik]]\n";
  const done = finalizeCard(card, DONE, true, "goal.md");
  assert.match(done, /\n {2}- `webui-deps` [^\n]*\n\n## Related\n\n- \[\[deploy-authentik\]\]\n$/);
});

Deno.test("finalizeCard: a goal card without history gets the section; other cards get none", () => {
  const goal = finalizeCard(BUILD_CARD, DONE, true, "goal.md");
  assert.ok(goal.startsWith(BUILD_CARD.replace("2026-03-01", "2026-11-22").trimEnd() + "\n\n"));
  assert.match(
    goal,
    /\n- \[\[deploy-authentik\]\] — deployment\n\n## Upgrade history\n\n- 2026-11-22/,
  );

  const leaf = prerequisiteCard(FACTS, FAILURE).text;
  const leafDone = finalizeCard(leaf, DONE, false, "leaf.md");
  assert.equal(bodyOf(leafDone), bodyOf(leaf));
  assert.deepEqual(Object.keys(frontMatter(leafDone)), ["title", "modified", "tags"]);
});

Deno.test("prerequisiteCard: stems from derivation names", () => {
  const stem = (drv: string | null) => prerequisiteCard(FACTS, { ...FAILURE, drv }).stem;
  assert.equal(stem(FAILURE.drv), "upgrade-authentik-authentik-python-deps");
  assert.equal(stem(null), "upgrade-authentik-evaluation");
  assert.equal(
    stem("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-authentik-server-2026.5.0-go-modules.drv"),
    "upgrade-authentik-authentik-server-go-modules",
  );
  assert.equal(
    stem("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-authentik-client-go-2026.5.0.drv"),
    "upgrade-authentik-authentik-client-go",
  );
  const long = stem(
    "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-Some_Very.Long-derivation-name-that-goes-on-and-on-1.0.drv",
  );
  assert.ok(long.length <= 60, long);
  assert.match(long, /^upgrade-authentik-some-very-long-derivation-name-that-goes-o[a-z0-9-]*$/);
  assert.match(long, /^[a-z0-9]+(-[a-z0-9]+)*$/);
});

Deno.test("prerequisiteCard: front matter, links, harvested and pending hashes, what to do", () => {
  const { text } = prerequisiteCard(FACTS, FAILURE);
  assert.deepEqual(frontMatter(text), {
    title: "Fix authentik-python-deps for authentik 2026.5.0",
    modified: "2026-11-22",
    status: "active",
    tags: ["how-to", "authentik", "nix"],
  });
  const body = bodyOf(text);
  assert.match(body, /\[\[upgrade-authentik\]\]/);
  assert.match(
    body,
    /`\/nix\/store\/0123456789abcdfghijklmnpqrsvwxyz-authentik-python-deps-2026\.5\.0\.drv`/,
  );
  assert.match(body, /failed with exit code 1/);
  const harvested = body.split("## Harvested before the failure\n\n")[1].split("\n\n")[0];
  assert.equal(
    harvested,
    "- `src`: `sha256-8VHBzl8Ei8U16T8pY1LXv3GxTqq1wVYVpc0uEU2Nq0Y=`\n" +
      "- `webui-deps`: `sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=` (unchanged)",
  );
  assert.equal(body.split("## Still pending\n\n")[1].split("\n\n")[0], "- `python-deps`");
  assert.match(
    body,
    /## What to do\n\n1\. Fix the derivation on the branch `mikado\/upgrade-authentik`/,
  );
  assert.match(body, /2\. Comment `\/rebuild` on the pull request/);
});

Deno.test("prerequisiteCard: a hostile log line cannot break out of the code block", () => {
  const { text } = prerequisiteCard(FACTS, FAILURE);
  // The front matter still ends where the card's own `---` line is.
  assert.equal(Object.keys(frontMatter(text)).join(), "title,modified,status,tags");
  const { lines, outside } = fencedBlocks(bodyOf(text));
  for (const l of ["## Injected heading", "---", "two", "lines", "error: uv sync failed"]) {
    assert.ok(lines.includes(l), `inside a block: ${l}`);
    assert.ok(!outside.includes(l), `not outside: ${l}`);
  }
  const headings = outside.filter((l) => l.startsWith("#"));
  assert.deepEqual(headings, [
    "# Fix authentik-python-deps for authentik 2026.5.0",
    "## Build log",
    "## Harvested before the failure",
    "## Still pending",
    "## What to do",
  ]);
  assert.ok(!text.includes("\x1b") && !text.includes("\r"), "no terminal escapes");
});

Deno.test("changelogFragment: one line, appended to an earlier upgrade's without duplicates", () => {
  const line =
    "Upgrade authentik from 2026.2.0 to 2026.5.0 (re-harvested the src and python-deps hashes; " +
    "webui-deps unchanged; whole build verified).";
  assert.equal(changelogFragment(null, DONE), line + "\n");
  const earlier = "Upgrade authentik from 2025.12.4 to 2026.2.0 (whole build verified).\n";
  const both = changelogFragment(earlier, DONE);
  assert.equal(both, earlier + line + "\n");
  assert.equal(changelogFragment(both, DONE), both);
  assert.equal(changelogFragment(line, DONE), line + "\n", "no trailing newline to begin with");

  const three = { ...DONE, hashes: [...DONE.hashes, { ...DONE.hashes[0], name: "go-modules" }] };
  assert.match(
    changelogFragment(null, three),
    /re-harvested the src, python-deps and go-modules hashes/,
  );
});

Deno.test("changelogPath: a flat fragment name", () => {
  assert.equal(
    changelogPath("upgrade-authentik"),
    "docs/changelog.d/mikado-upgrade-authentik.infra.md",
  );
  assert.equal(changelogPath("a/b/c"), "docs/changelog.d/mikado-a-b-c.infra.md");
});

// ------------------------------------------------------------ category index --

// The shape of the repository's docs/how-to/how-to.md: sections of wiki-link lists.
const INDEX = `---
title: How-To
modified: 2026-03-06
tags:
  - how-to
---

# How-To Guides

## Deployment

- [[deploy-k8s-service]]
- [[build-container-image]]

## Authentik

- [[deploy-authentik]]
- [[create-authentik-secrets]]

## Authentik Source Build

- [[build-authentik-from-source]]
- [[mirror-authentik-build-deps]]
- [[authentik-web-ui-derivation]]

## Grafana

- [[upgrade-grafana]]
`;

// The cards of docs/how-to/authentik/, the new goal card among them.
const AUTHENTIK_CARDS = [
  "authentik-web-ui-derivation",
  "build-authentik-from-source",
  "create-authentik-secrets",
  "deploy-authentik",
  "mirror-authentik-build-deps",
  "upgrade-authentik",
];

Deno.test("categoryIndexPath: docs/<category>/<category>.md for docs under docs/<category>/", () => {
  assert.equal(categoryIndexPath(GOAL_PATH), "docs/how-to/how-to.md");
  assert.equal(categoryIndexPath("docs/how-to/restart.md"), "docs/how-to/how-to.md");
  assert.equal(categoryIndexPath("./docs/reference/a/b/c.md"), "docs/reference/reference.md");
  assert.equal(categoryIndexPath("docs/how-to/how-to.md"), null, "the index itself");
  assert.equal(categoryIndexPath("docs/index.md"), null);
  assert.equal(categoryIndexPath("cards/upgrade-authentik.md"), null);
});

Deno.test("addToIndex: at the end of the section linking the most cards of the directory", () => {
  const out = addToIndex(INDEX, "upgrade-authentik", AUTHENTIK_CARDS, "authentik");
  assert.equal(
    out,
    INDEX.replace(
      "- [[authentik-web-ui-derivation]]\n",
      "- [[authentik-web-ui-derivation]]\n- [[upgrade-authentik]]\n",
    ),
  );
  // A prerequisite card later goes to the same section, after the goal card.
  const next = addToIndex(
    out,
    "upgrade-authentik-python-deps",
    [...AUTHENTIK_CARDS, "upgrade-authentik-python-deps"],
    "authentik",
  );
  assert.match(
    next,
    /- \[\[upgrade-authentik\]\]\n- \[\[upgrade-authentik-python-deps\]\]\n\n## Grafana\n/,
  );
  // The front matter is the index's own: no Mikado field, so it is no card to the invariant.
  assert.deepEqual(frontMatter(next), frontMatter(INDEX));
});

Deno.test("addToIndex: nothing to do when the index links the card already", () => {
  for (const link of ["[[upgrade-authentik]]", "[[upgrade-authentik|Upgrade]]"]) {
    const index = INDEX.replace("- [[upgrade-grafana]]", `- [[upgrade-grafana]]\n- ${link}`);
    assert.equal(addToIndex(index, "upgrade-authentik", AUTHENTIK_CARDS, "authentik"), index);
  }
  // A link in inline code does not count (nor does it for the repository's check).
  const code = INDEX.replace("# How-To Guides", "# How-To Guides\n\nLike `[[upgrade-authentik]]`.");
  assert.notEqual(addToIndex(code, "upgrade-authentik", AUTHENTIK_CARDS, "authentik"), code);
});

Deno.test("addToIndex: a section named after the package when no section links a sibling", () => {
  assert.equal(
    addToIndex(INDEX, "upgrade-forgejo-runner", ["upgrade-forgejo-runner"], "forgejo-runner"),
    INDEX + "\n## Forgejo Runner\n\n- [[upgrade-forgejo-runner]]\n",
  );
  // Trailing blank lines and a missing final newline do not add up.
  assert.equal(
    addToIndex("# Index\n\n- [[a]]\n\n\n", "x", [], "pkg"),
    "# Index\n\n- [[a]]\n\n## Pkg\n\n- [[x]]\n",
  );
  assert.equal(addToIndex("## Pkg\n\n- [[a]]", "x", [], "pkg"), "## Pkg\n\n- [[a]]\n- [[x]]\n");
  // An existing section of that name is used rather than a second one.
  assert.equal(
    addToIndex(INDEX, "grafana-sidecar", ["grafana-sidecar"], "grafana"),
    INDEX.replace("- [[upgrade-grafana]]\n", "- [[upgrade-grafana]]\n- [[grafana-sidecar]]\n"),
  );
});

Deno.test("addToIndex: list markers, continuation lines, prose-only sections, code fences", () => {
  const index = [
    "## A",
    "",
    "```markdown",
    "## Not a heading",
    "```",
    "",
    "* [[one]]",
    "  continued",
    "* [[two]]",
    "  continued",
    "",
    "Some prose.",
    "## B",
    "",
    "Only prose, links [[three]] and [[four]].",
    "## C",
    "- [[five]]",
    "",
  ].join("\n");
  assert.equal(
    addToIndex(index, "x", ["one", "two"], "pkg"),
    index.replace("* [[two]]\n  continued\n", "* [[two]]\n  continued\n* [[x]]\n"),
  );
  assert.equal(
    addToIndex(index, "x", ["three", "four", "five"], "pkg"),
    index.replace("[[four]].\n## C", "[[four]].\n\n- [[x]]\n\n## C"),
  );
  // A tie goes to the first section.
  assert.equal(
    addToIndex(index, "x", ["one", "five"], "pkg"),
    index.replace("* [[two]]\n  continued\n", "* [[two]]\n  continued\n* [[x]]\n"),
  );
});

// ------------------------------------------------------ links between cards --

Deno.test("planGoalCard: a new card links the overview only when it exists", () => {
  const without = planGoalCard(null, FACTS, [], GOAL_PATH, null);
  assert.deepEqual([...wikiLinkTargets(without)], []);
  assert.match(bodyOf(without), /verify the whole build\.\n\nA build that fails/);
  const withOverview = planGoalCard(null, FACTS, [], GOAL_PATH, OVERVIEW);
  assert.deepEqual([...wikiLinkTargets(withOverview)], [OVERVIEW]);
});

Deno.test("planGoalCard: the body links every prerequisite, kept after finalize", () => {
  const one = planGoalCard(null, FACTS, ["upgrade-authentik-python-deps"], GOAL_PATH, OVERVIEW);
  assert.match(
    bodyOf(one),
    /\n\n## Prerequisites\n\n- \[\[upgrade-authentik-python-deps\]\]\n\n## Upgrade history\n$/,
  );
  // A second reset adds to the list; a card linked already is not linked twice.
  const two = planGoalCard(
    one,
    FACTS,
    ["upgrade-authentik-python-deps", "upgrade-authentik-go-modules", OVERVIEW],
    GOAL_PATH,
    OVERVIEW,
  );
  assert.match(
    bodyOf(two),
    /## Prerequisites\n\n- \[\[upgrade-authentik-python-deps\]\]\n- \[\[upgrade-authentik-go-modules\]\]\n\n## Upgrade history/,
  );
  assert.equal(two.split(`[[${OVERVIEW}]]`).length, 2, "the overview is linked once");
  const done = finalizeCard(two, DONE, true, GOAL_PATH);
  for (const stem of ["upgrade-authentik-python-deps", "upgrade-authentik-go-modules"]) {
    assert.ok(wikiLinkTargets(done).has(stem), stem);
  }
  assert.match(done, /## Prerequisites\n(.|\n)*## Upgrade history\n\n- 2026-11-22/);
  // A card without a history section gets the list at its end.
  const bare = "---\ntitle: G\nmodified: 2026-01-01\ntags: [how-to]\n---\n\n# G\n\n\n";
  assert.equal(
    bodyOf(planGoalCard(bare, FACTS, ["p"], GOAL_PATH, null)),
    "\n# G\n\n## Prerequisites\n\n- [[p]]\n",
  );
});

// ----------------------------------------------------------- tidy files --

/** What `git diff --check` and the end-of-file-fixer / trailing-whitespace hooks refuse. */
function assertTidy(text: string, what: string) {
  text.split("\n").forEach((l, i) => {
    assert.doesNotMatch(l, /[ \t]$/, `${what}: line ${i + 1} ends in whitespace`);
    assert.doesNotMatch(l, / \t/, `${what}: line ${i + 1} has a space before a tab`);
  });
  assert.match(text, /[^\n]\n$/, `${what}: exactly one final newline`);
}

/** The repository's front matter check: `---`, keys, `---` at the top; title, tags, modified. */
function assertFrontMatterValid(text: string, what: string) {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(m, `${what}: front matter block`);
  const keys = new Set([...m[1].matchAll(/^([a-zA-Z][a-zA-Z0-9_-]*):/gm)].map((k) => k[1]));
  for (const key of ["title", "tags", "modified"]) assert.ok(keys.has(key), `${what}: ${key}`);
}

Deno.test("tidyText: no trailing whitespace, exactly one final newline", () => {
  assert.equal(tidyText("a  \nb\t\n\n\n"), "a\nb\n");
  assert.equal(tidyText("a"), "a\n");
  assert.equal(tidyText("a \r\nb \t"), "a\r\nb\n");
  assert.equal(tidyText("  keep indent\n"), "  keep indent\n");
  assert.equal(tidyText("\n\n"), "\n");
});

Deno.test("cards the bot writes are tidy and keep valid front matter", () => {
  const log = ["  compiling   ", "\tindented\t", " \tspace then tab", "trailing tab\t", "", "  "];
  const prereq = prerequisiteCard(FACTS, { ...FAILURE, message: "failed  \n", logTail: log }).text;
  const goal = planGoalCard(null, FACTS, ["upgrade-authentik-python-deps"], GOAL_PATH, OVERVIEW);
  // An existing card with trailing spaces and blank lines at its end, as a person may leave it.
  const messy = FINALIZED_GOAL.replace("# Upgrade Authentik\n", "# Upgrade Authentik   \n") +
    "\n\n";
  const cards: [string, string][] = [
    ["prerequisite", prereq],
    ["new goal", goal],
    ["replanned goal", planGoalCard(messy, FACTS, ["p"], GOAL_PATH, OVERVIEW)],
    ["closed", closeCard(prereq, "2026-11-24", "leaf.md")],
    ["finalized goal", finalizeCard(goal, DONE, true, GOAL_PATH)],
    ["finalized leaf", finalizeCard(prereq, DONE, false, "leaf.md")],
    ["finalized messy", finalizeCard(messy, DONE, true, GOAL_PATH)],
  ];
  for (const [what, text] of cards) {
    assertTidy(text, what);
    assertFrontMatterValid(text, what);
  }
  for (const [what, text] of cards.filter(([w]) => w.startsWith("finalized"))) {
    assert.doesNotMatch(text, /^(status|requires|branch):/m, `${what}: no Mikado field`);
  }
  // Log lines keep their text, with tabs as spaces.
  assert.ok(prereq.includes("\n  compiling\n        indented\n"), prereq);
  assert.equal(changelogFragment("Earlier line.  \n\n\n", DONE).split("\n").length, 3);
  assertTidy(changelogFragment("Earlier line.  \n\n\n", DONE), "changelog");
  assertTidy(addToIndex(INDEX, "upgrade-authentik", AUTHENTIK_CARDS, "authentik"), "index");
});

Deno.test("prerequisiteCard: log lines cannot make wiki-links for the link check", () => {
  const log = ['if [[ -f "$out" ]]; then', "see [[deploy-authentik]]", "[[x|y]]"];
  const { text } = prerequisiteCard(FACTS, { ...FAILURE, message: "[[a b]]", logTail: log });
  assert.deepEqual([...wikiLinkTargets(text)], ["upgrade-authentik"]);
  assert.ok(text.includes("see [\u200b[deploy-authentik]]"), "the text is still readable");
});
