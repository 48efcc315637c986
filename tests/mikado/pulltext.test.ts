import assert from "node:assert/strict";
import { mikadoGraph } from "../../lib/mikado/graph.ts";
import {
  parsePullTitle,
  pullBody,
  type PullFacts,
  pullTitle,
  skipNoted,
} from "../../lib/mikado/pulltext.ts";
import { parseRecord } from "../../lib/mikado/tagrecord.ts";
import { UPGRADE_FACTS } from "../support/mikado.ts";

const FORGE = "https://forge.ops.eblu.me";

const GRAPH = mikadoGraph([
  {
    stem: "upgrade-authentik",
    requires: ["upgrade-authentik-authentik-python-deps"],
    active: true,
  },
  { stem: "upgrade-authentik-authentik-python-deps", requires: [], active: true },
], "upgrade-authentik");

const [SRC, PYTHON_DEPS, WEBUI_DEPS] = UPGRADE_FACTS.hashes;

const FACTS: PullFacts = {
  ...UPGRADE_FACTS,
  // The table's rows in this order, the pending hash in a file not named after it.
  hashes: [SRC, WEBUI_DEPS, { ...PYTHON_DEPS, name: "go-modules", file: "authentik-server.nix" }],
  mirrors: [
    {
      repo: "mirrors/authentik",
      tag: "version/2026.5.0",
      url: `${FORGE}/mirrors/authentik/src/tag/version/2026.5.0`,
    },
    {
      repo: "mirrors/authentik-client-go",
      tag: "v3.2026.5.0",
      url: `${FORGE}/mirrors/authentik-client-go/src/tag/v3.2026.5.0`,
    },
  ],
  builds: 5,
  seconds: 3725.4,
  builder: "ringtail",
  verified: true,
  failure: null,
  graph: GRAPH,
  mentions: [
    {
      path: "docs/how-to/authentik/build-authentik-from-source.md",
      line: 12,
      text: "authentik 2026.2.0 is built from source with plain Nix files in",
    },
  ],
  prerequisite: null,
};

const FAILED: PullFacts = {
  ...FACTS,
  verified: false,
  failure: {
    drv: "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-authentik-python-deps-2026.5.0.drv",
    message: "builder for 'authentik-python-deps-2026.5.0.drv' failed with exit code 1",
    logTail: ["uv sync", "```", "---", "## Injected heading", "| a | b |"],
    kind: "build",
  },
  prerequisite: "upgrade-authentik-authentik-python-deps",
};

/** Table cells the way GFM splits a row: at `|` not escaped by a backslash (a backslash escapes
 * whatever character follows it, including another backslash). */
function gfmCells(row: string): string[] {
  const cells: string[] = [];
  let cell = "";
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\" && i + 1 < row.length) {
      cell += row[i] + row[++i];
    } else if (row[i] === "|") {
      cells.push(cell);
      cell = "";
    } else cell += row[i];
  }
  cells.push(cell);
  return cells.slice(1, -1).map((c) => c.trim());
}

/** Each line with whether it is outside fenced code blocks (a block opened by N backticks ends at
 * a line of N or more backticks and nothing else), as a CommonMark reader sees them. */
function fenceState(markdown: string): { line: string; outside: boolean }[] {
  let width = 0;
  const state = markdown.split("\n").map((line) => {
    const fence = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
    if (width === 0 && fence) width = fence[1].length;
    else if (width > 0 && fence && fence[1].length >= width && fence[2].trim() === "") width = 0;
    else return { line, outside: width === 0 };
    return { line, outside: false };
  });
  assert.equal(width, 0, "every fence is closed");
  return state;
}

const outsideFences = (markdown: string) =>
  fenceState(markdown).filter((l) => l.outside).map((l) => l.line);

/** The text under a heading, up to the next heading outside code blocks. */
function section(markdown: string, heading: string): string {
  const lines = fenceState(markdown);
  const start = lines.findIndex((l) => l.outside && l.line === heading);
  assert.ok(start >= 0, `no section ${heading}`);
  const end = lines.findIndex((l, i) => i > start && l.outside && /^#{1,6} /.test(l.line));
  return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.line).join("\n").trim();
}

Deno.test("pullTitle: the C2 title, and the Forgejo draft prefix on failure", () => {
  assert.equal(pullTitle(FACTS), "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0");
  assert.equal(pullTitle(FAILED), "WIP: C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0");
});

Deno.test("parsePullTitle: round-trips pullTitle, drafts included", () => {
  const expected = {
    chain: "upgrade-authentik",
    package: "authentik",
    from: "2026.2.0",
    to: "2026.5.0",
  };
  assert.deepEqual(parsePullTitle(pullTitle(FACTS)), { ...expected, draft: false });
  assert.deepEqual(parsePullTitle(pullTitle(FAILED)), { ...expected, draft: true });
  const rc = { ...FACTS, to: "2026.5.0-rc1", chain: "upgrade-authentik-2" };
  assert.deepEqual(parsePullTitle(pullTitle(rc)), {
    ...expected,
    chain: "upgrade-authentik-2",
    to: "2026.5.0-rc1",
    draft: false,
  });
  // A title with whitespace in a value still comes back as one title of the same shape.
  const spaced = parsePullTitle(pullTitle({ ...FACTS, to: "2026.5.0\nrc 1" }));
  assert.equal(spaced?.to, "2026.5.0_rc_1");
});

Deno.test("parsePullTitle: Forgejo's other draft prefix, and titles that are not the bot's", () => {
  assert.deepEqual(parsePullTitle("[WIP] C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0"), {
    chain: "upgrade-authentik",
    package: "authentik",
    from: "2026.2.0",
    to: "2026.5.0",
    draft: true,
  });
  for (
    const title of [
      "C2: Build authentik from source (Mikado chain)",
      "C2(upgrade-authentik): plan upgrade cards",
      "Upgrade authentik 2026.2.0 -> 2026.5.0",
      "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0 and more",
      "",
    ]
  ) {
    assert.equal(parsePullTitle(title), null, title);
  }
});

Deno.test("pullBody: heading, versions and links to both mirror tags", () => {
  const body = pullBody(FACTS);
  assert.ok(body.startsWith("## Mikado Chain: upgrade-authentik\n\n"));
  assert.match(body, /^Upgrade authentik from `2026\.2\.0` to `2026\.5\.0`/m);
  assert.ok(
    body.includes(
      `- [\`mirrors/authentik\` at \`version/2026.5.0\`](<${FORGE}/mirrors/authentik/src/tag/version/2026.5.0>)`,
    ),
  );
  assert.ok(
    body.includes(
      `- [\`mirrors/authentik-client-go\` at \`v3.2026.5.0\`](<${FORGE}/mirrors/authentik-client-go/src/tag/v3.2026.5.0>)`,
    ),
  );
});

Deno.test("pullBody: the hash table marks unchanged and pending hashes, lists other systems", () => {
  assert.equal(
    section(pullBody(FACTS), "### Hashes"),
    `| hash | file | old | new |
| --- | --- | --- | --- |
| \`src\` | \`sources.nix\` | \`sha256-Sx1vHnPx6Sm6QEXbGuLvAu9AGG/nn+xWB7bknGI2Dbo=\` | \`sha256-8VHBzl8Ei8U16T8pY1LXv3GxTqq1wVYVpc0uEU2Nq0Y=\` |
| \`webui-deps\` | \`webui-deps.nix\` | \`sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=\` | unchanged |
| \`go-modules\` | \`authentik-server.nix\` | \`sha256-l3ZdPzlf2Qq1kr3MO8dqJ9PL8T3O5Ekd1u4sbdTM5sM=\` | pending |

Per-system entries left stale (not built on any machine of that system: check them by hand):
- \`webui-deps\` for \`aarch64-linux\`: left at \`sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=\`; no machine builds aarch64-linux (config build.builders names none)`,
  );
});

Deno.test("pullBody: another system's harvested entry gets its own row in the hash table", () => {
  const harvested = {
    ...FACTS,
    hashes: FACTS.hashes.map((h) => ({
      ...h,
      otherSystems: h.otherSystems.map((o) => ({
        ...o,
        new: "sha256-Ja2AaZd9ulFOmZ3A2jr4NEsOR5Q8sJyRV4oFxYk/Nkw=",
        stale: null,
      })),
    })),
  };
  const table = section(pullBody(harvested), "### Hashes");
  assert.match(
    table,
    /^\| `webui-deps \(aarch64-linux\)` \| `webui-deps.nix` \| `sha256-2nDEj[^|]*` \| `sha256-Ja2AaZd9[^|]*` \|$/m,
  );
  assert.doesNotMatch(table, /left stale/);
});

Deno.test("pullBody: a | or \\| in a value stays inside its cell", () => {
  const hostile = {
    ...FACTS,
    hashes: [{ ...FACTS.hashes[0], file: "we|rd.nix", old: "sha256-a\\|b", new: "x|y|z\nnext" }],
  };
  const rows = section(pullBody(hostile), "### Hashes").split("\n");
  assert.equal(rows.length, 3, "header, delimiter and one row");
  const cells = gfmCells(rows[2]);
  assert.equal(cells.length, 4);
  assert.deepEqual(cells.slice(0, 2), ["`src`", "`we\\|rd.nix`"]);
  assert.match(cells[3], /^`x\\\|y\\\|z next`$/);
});

Deno.test("pullBody: builds, time, builder and verification", () => {
  assert.equal(
    section(pullBody(FACTS), "### Builds"),
    "5 nix-build runs on `ringtail`, 1h02m05s in total. The whole build was verified.",
  );
  const short = { ...FACTS, builds: 1, seconds: 45.2, verified: false };
  assert.equal(
    section(pullBody(short), "### Builds"),
    "1 nix-build run on `ringtail`, 45.2s in total. The whole build is not verified yet.",
  );
  assert.match(pullBody({ ...FACTS, seconds: 754 }), /, 12m34s in total/);
});

Deno.test("pullBody: the graph in a fenced block, mentions as path:line", () => {
  const body = pullBody(FACTS);
  assert.equal(
    section(body, "### Dependency Graph"),
    "```text\nupgrade-authentik (goal, active)\n└── upgrade-authentik-authentik-python-deps (active)\n```",
  );
  assert.equal(
    section(body, "### Cards that still mention `2026.2.0`"),
    "- `docs/how-to/authentik/build-authentik-from-source.md:12`: " +
      "`authentik 2026.2.0 is built from source with plain Nix files in`",
  );
  assert.equal(
    section(pullBody({ ...FACTS, mentions: [] }), "### Cards that still mention `2026.2.0`"),
    "none",
  );
});

Deno.test("pullBody: after merge, the workflow's build is not a manual step", () => {
  const body = pullBody(FACTS);
  // The repository's workflow builds and pushes on every merge, follow-through or not.
  assert.equal(
    section(body, "### After merge"),
    `By itself:

- The repository's workflow (\`.forgejo/workflows/build-container-nix.yaml\`) builds the container from the merge commit and pushes it to the registry as \`authentik:v2026.5.0-<sha7>-nix\` (the merge commit's first 7 characters).

Left to a person:

1. Once the workflow has pushed the image, set its tag in \`argocd/manifests/authentik/kustomization.yaml\`.
2. Verify the deployment: ArgoCD sync, UI login.

*Opened by upgrade-bot.*`,
  );
  assert.ok(!body.includes("mise run"), "no manual container build");
  assert.ok(body.endsWith("\n*Opened by upgrade-bot.*\n"));
  assert.ok(!body.includes("### Build failure"), "no failure section without a failure");
  // With the follow-through on, the image tag is the bot's next pull request, not a manual step.
  const followed = section(pullBody({ ...FACTS, followThrough: true }), "### After merge");
  assert.match(
    followed,
    /^By itself:\n\n- The repository's workflow .* If it fails, the bot says so here\.$/m,
  );
  assert.match(
    followed,
    /^- Once the image is in the registry, the bot opens a pull request setting its tag in `argocd\/manifests\/authentik\/kustomization\.yaml`\.$/m,
  );
  assert.match(followed, /Left to a person:\n\n1\. Merge that pull request, then verify/);
});

Deno.test("pullBody: a failure names the derivation, the log and the card for a human", () => {
  const body = pullBody(FAILED);
  const failure = section(body, "### Build failure");
  assert.match(
    failure,
    /^A build failed for another reason than a hash mismatch \(`build`\), in `\/nix\/store\/0123456789abcdfghijklmnpqrsvwxyz-authentik-python-deps-2026\.5\.0\.drv`:/,
  );
  assert.match(
    failure,
    /```text\nbuilder for 'authentik-python-deps-2026\.5\.0\.drv' failed with exit code 1\n```/,
  );
  assert.match(failure, /Log excerpt:\n\n```text\nuv sync\n/);
  assert.match(failure, /Ready for a human: \[\[upgrade-authentik-authentik-python-deps\]\]\./);
  assert.match(failure, /comment `\/rebuild` here to re-run the harvest/);
  assert.ok(body.indexOf("### Build failure") < body.indexOf("### After merge"));

  const evaluation = pullBody({ ...FAILED, failure: { ...FAILED.failure!, drv: null } });
  assert.match(evaluation, /hash mismatch \(`build`\), in evaluation:/);
});

Deno.test("pullBody: hostile log lines and versions cannot add markdown structure", () => {
  const body = pullBody({ ...FAILED, to: "2026.5.0\n## Injected version", from: "2026.2.0`\n---" });
  const outside = outsideFences(body);
  assert.ok(!outside.some((l) => l.includes("Injected heading")), "log stays in its block");
  assert.ok(!outside.some((l) => /^#+ Injected/.test(l)), "version makes no heading");
  assert.ok(!outside.includes("---") && !outside.includes("| a | b |"));
  assert.deepEqual(outside.filter((l) => l.startsWith("#")), [
    "## Mikado Chain: upgrade-authentik",
    "### Hashes",
    "### Builds",
    "### Dependency Graph",
    "### Cards that still mention ``2026.2.0` ---``",
    "### Build failure",
    "### After merge",
  ]);
});

Deno.test("pullBody: the steps ahead, a forced skip, and each tag's harvested commit", () => {
  const a = "a".repeat(40), b = "b".repeat(40);
  const facts: PullFacts = {
    ...FACTS,
    mirrors: [{ ...FACTS.mirrors[0], commit: a }, { ...FACTS.mirrors[1], commit: b }],
    ahead: ["2026.8.0", "2026.11.1"],
  };
  const body = pullBody(facts);
  assert.ok(body.includes("Still ahead: next: 2026.8.0, then 2026.11.1."), body);
  assert.ok(body.includes(`at \`version/2026.5.0\`](`), body);
  assert.ok(body.includes(`, commit \`${a}\``));
  assert.deepEqual(parseRecord(body), [
    { repo: "mirrors/authentik", tag: "version/2026.5.0", commit: a },
    { repo: "mirrors/authentik-client-go", tag: "v3.2026.5.0", commit: b },
  ]);
  assert.ok(!skipNoted(body));
  const forced = pullBody({ ...facts, skipped: ["2026.3.1"], ahead: [] });
  assert.match(forced, /\*\*Skips a release series: 2026\.3\.1\.\*\* Forced with `--version`/);
  assert.doesNotMatch(forced, /Still ahead/);
  assert.ok(skipNoted(forced));
});
