import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  type BuildFailureFacts,
  changelogFragment,
  changelogPath,
  closeCard,
  finalizeCard,
  mikadoGraph,
  parseFrontMatter,
  planGoalCard,
  prerequisiteCard,
  updateServiceVersions,
  type UpgradeFacts,
  versionMentions,
} from "../lib/cards.ts";
import { buildCard, serviceVersionsYaml } from "./fixture.ts";

// The fixture's service-versions.yaml and overview card, at 2026.2.0.
const SERVICE_VERSIONS = serviceVersionsYaml("2026.2.0");
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

const FACTS: UpgradeFacts = {
  package: "authentik",
  chain: "upgrade-authentik",
  from: "2026.2.0",
  to: "2026.5.0",
  date: "2026-11-22",
  pkgDir: "containers/authentik",
  hashes: [
    {
      name: "src",
      file: "sources.nix",
      old: "sha256-Sx1vHnPx6Sm6QEXbGuLvAu9AGG/nn+xWB7bknGI2Dbo=",
      new: "sha256-8VHBzl8Ei8U16T8pY1LXv3GxTqq1wVYVpc0uEU2Nq0Y=",
      unchanged: false,
      otherSystems: [],
    },
    {
      name: "python-deps",
      file: "python-deps.nix",
      old: "sha256-l3ZdPzlf2Qq1kr3MO8dqJ9PL8T3O5Ekd1u4sbdTM5sM=",
      new: null,
      unchanged: false,
      otherSystems: [],
    },
    {
      name: "webui-deps",
      file: "webui-deps.nix",
      old: "sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=",
      new: "sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=",
      unchanged: true,
      otherSystems: [{
        system: "aarch64-linux",
        value: "sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=",
      }],
    },
  ],
};

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
  const card = planGoalCard(null, FACTS, [], GOAL_PATH);
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
  );
  assert.deepEqual(frontMatter(withReqs).requires, ["upgrade-authentik-authentik-python-deps"]);
  assert.match(withReqs, /^requires:\n {2}- upgrade-authentik-authentik-python-deps$/m);
});

Deno.test("planGoalCard: an existing finalized card keeps its title, keys, comments and body", () => {
  const card = planGoalCard(FINALIZED_GOAL, FACTS, ["a-card", "b-card"], GOAL_PATH);
  assert.equal(bodyOf(card), bodyOf(FINALIZED_GOAL));
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
  const again = planGoalCard(card, { ...FACTS, date: "2026-11-23" }, ["c-card"], GOAL_PATH);
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
    () => planGoalCard("no front matter here\n", FACTS, [], GOAL_PATH),
    {
      name: "InputError",
      message: /^docs\/how-to\/authentik\/upgrade-authentik\.md: no front matter/,
    },
  );
  assert.throws(() => planGoalCard("---\n- x\n---\n", FACTS, [], "cards/goal.md"), {
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
  const planned = planGoalCard(FINALIZED_GOAL, DONE, ["a-card"], GOAL_PATH);
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
  const first = finalizeCard(planGoalCard(null, DONE, [], GOAL_PATH), DONE, true, "goal.md");
  assert.match(first, /## Upgrade history\n\n- 2026-11-22: `2026\.2\.0` → `2026\.5\.0`\n/);
  const later = { ...DONE, from: "2026.5.0", to: "2026.8.0", date: "2027-02-01" };
  const second = finalizeCard(planGoalCard(first, later, [], GOAL_PATH), later, true, "goal.md");
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

/** Lines of `after` that differ from `before` at the same index (both must have as many). */
function changedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  assert.equal(b.length, a.length);
  return b.filter((l, i) => l !== a[i]);
}

Deno.test("updateServiceVersions: only the authentik current-version line changes", () => {
  const out = updateServiceVersions(
    SERVICE_VERSIONS,
    "service-versions.yaml",
    "authentik",
    "2026.5.0",
  );
  assert.deepEqual(changedLines(SERVICE_VERSIONS, out), ['  current-version: "2026.5.0"']);
  assert.equal(out, SERVICE_VERSIONS.replace('"2026.2.0"', '"2026.5.0"'));
});

Deno.test("updateServiceVersions: the scalar style and a trailing comment are kept", () => {
  const yaml = (v: string) => `- name: authentik\n  current-version: ${v}   # pinned\n  other: 1\n`;
  const set = (text: string, version: string) =>
    updateServiceVersions(text, "sv.yaml", "authentik", version);
  assert.equal(set(yaml("2026.2.0"), "2026.5.0"), yaml("2026.5.0"));
  assert.equal(set(yaml("'2026.2.0'"), "2026.5.0"), yaml("'2026.5.0'"));
  assert.equal(set(yaml('"2026.2.0"'), "2026.5.0-rc1"), yaml('"2026.5.0-rc1"'));
  // A plain value that would read back as a number is quoted instead.
  const numeric = set(yaml("1.4.0"), "1.5");
  assert.equal(parse(numeric)[0]["current-version"], "1.5");
  const flow = "[{name: authentik, current-version: 2026.2.0}]\n";
  assert.equal(set(flow, "2026.5.0"), "[{name: authentik, current-version: 2026.5.0}]\n");
});

Deno.test("updateServiceVersions: errors name the file", () => {
  const cases: [string, string, RegExp][] = [
    ["name: authentik\n", "2026.5.0", /^sv\.yaml: expected a list of services$/],
    [
      "- name: argocd\n  current-version: x\n",
      "2026.5.0",
      /^sv\.yaml: no service named "authentik"$/,
    ],
    ["- name: authentik\n", "2026.5.0", /^sv\.yaml: service "authentik" has no current-version/],
    [
      "- name: authentik\n  current-version: [1]\n",
      "2026.5.0",
      /^sv\.yaml: service "authentik" has no current-version/,
    ],
    [
      "- name: authentik\n  current-version: |\n    2026.2.0\n",
      "2026.5.0",
      /^sv\.yaml: current-version of "authentik" is a block scalar/,
    ],
    ["- name: [unclosed\n", "2026.5.0", /^sv\.yaml: not valid YAML/],
    [SERVICE_VERSIONS, "2026.5.0\n- name: evil", /^sv\.yaml: version .* spans lines$/],
  ];
  for (const [text, version, expected] of cases) {
    assert.throws(() => updateServiceVersions(text, "sv.yaml", "authentik", version), {
      name: "InputError",
      message: expected,
    });
  }
});

Deno.test("versionMentions: whole version tokens only, with line numbers", () => {
  const text = [
    "authentik 2026.2.0 is built from source", // 1: yes
    "client-go tag v3.2026.2.0", // 2: yes
    "upgraded to 2026.2.0.", // 3: yes, end of a sentence
    'version = "2026.2.0";', // 4: yes
    "2026.2.01 is another version", // 5
    "12026.2.0 too", // 6
    "2026.2.0.1 and 2026.2.0-rc1 and 2026.2.0a1", // 7
    "2026x2y0 is not a version", // 8: dots are literal
    "", // 9
    "and at the end 2026.2.0", // 10: yes
  ].join("\n");
  const found = versionMentions(
    [{ path: "docs/a.md", text }, { path: "b.md", text: "none\r\n" }],
    "2026.2.0",
  );
  assert.deepEqual(found.map((m) => m.line), [1, 2, 3, 4, 10]);
  assert.deepEqual(found[0], {
    path: "docs/a.md",
    line: 1,
    text: "authentik 2026.2.0 is built from source",
  });
  assert.deepEqual(
    versionMentions([{ path: "c.md", text: BUILD_CARD }], "2026.2.0"),
    [{
      path: "c.md",
      line: 12,
      text: "authentik 2026.2.0 is built from source with plain Nix files in",
    }],
  );
});

Deno.test("mikadoGraph: a tree with states, shared prerequisites, a missing card and a cycle", () => {
  const graph = mikadoGraph([
    { stem: "upgrade-authentik", requires: ["server", "webui", "gone"], active: true },
    { stem: "server", requires: ["client", "python"], active: true },
    { stem: "webui", requires: ["client"], active: false },
    { stem: "client", requires: ["codegen"], active: true },
    { stem: "codegen", requires: ["server"], active: false },
    { stem: "python", requires: [], active: false },
  ], "upgrade-authentik");
  assert.equal(
    graph,
    `upgrade-authentik (goal, active)
├── server (active)
│   ├── client (active)
│   │   └── codegen (done)
│   │       └── server (active) ← cycle
│   └── python (done)
├── webui (done)
│   └── client (active) ← see above
└── gone (missing card)`,
  );
});

Deno.test("mikadoGraph: a lone goal, a missing goal and a self-requiring card", () => {
  assert.equal(mikadoGraph([{ stem: "g", requires: [], active: false }], "g"), "g (goal, done)");
  assert.equal(mikadoGraph([], "g"), "g (goal, missing card)");
  assert.equal(
    mikadoGraph([{ stem: "g", requires: ["g"], active: true }], "g"),
    "g (goal, active)\n└── g (active) ← cycle",
  );
});
