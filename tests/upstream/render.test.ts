// The pull request's upstream section: compare link and count, notes (important first, the rest
// folded and cut), dependency changes under their hashes, all within the budget; and lockFeeds.
import assert from "node:assert/strict";
import { BODY_LIMIT, upstreamSection, upstreamText } from "../../lib/upstream/render.ts";
import { lockFeeds, type MirrorChanges } from "../../lib/upstream/changes.ts";
import { AUTHENTIK_NOTES } from "./samples.ts";

const MIRROR: MirrorChanges = {
  repo: "mirrors/authentik",
  from: "version/2026.2.0",
  to: "version/2026.5.1",
  compare: "https://forge.example/mirrors/authentik/compare/version/2026.2.0...version/2026.5.1",
  commits: 1234,
  notes: [{
    releases: ["2026.5.0", "2026.5.1"],
    source: "file",
    title: "website/docs/releases/2026/v2026.5.md",
    url:
      "https://forge.example/mirrors/authentik/src/tag/version/2026.5.1/website/docs/releases/2026/v2026.5.md",
    text: AUTHENTIK_NOTES,
  }],
  dependencies: [
    {
      hash: "python-deps",
      file: "uv.lock",
      changes: [
        { name: "django", from: "5.2.11", to: "6.0.2" },
        { name: "gunicorn", from: null, to: "24.0.0" },
      ],
    },
    {
      hash: null,
      file: "website/package-lock.json",
      changes: Array.from(
        { length: 20 },
        (_, i) => ({ name: `pkg${i}`, from: "1.0.0", to: "1.1.0" }),
      ),
    },
  ],
  problems: [],
};

/** Lines outside fenced code blocks. */
function outsideFences(text: string): string[] {
  let open: string | null = null;
  return text.split("\n").filter((line) => {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open === null && m) {
      open = m[1];
      return false;
    }
    if (open !== null) {
      if (m && m[1][0] === open[0] && m[1].length >= open.length) open = null;
      return false;
    }
    return true;
  });
}

Deno.test("upstreamSection: compare link with the commit count, notes, dependencies under hashes", () => {
  const text = upstreamSection([MIRROR], BODY_LIMIT).join("\n");
  assert.match(
    text,
    /^#### `mirrors\/authentik`: `version\/2026\.2\.0` -> `version\/2026\.5\.1`$/m,
  );
  assert.match(
    text,
    /^\[Compare `version\/2026\.2\.0\.\.\.version\/2026\.5\.1`\]\(<https:\/\/forge\.example\/mirrors\/authentik\/compare\/version\/2026\.2\.0\.\.\.version\/2026\.5\.1>\): 1234 commits\.$/m,
  );
  assert.match(
    text,
    /^##### 2026\.5\.0, 2026\.5\.1: `website\/docs\/releases\/2026\/v2026\.5\.md` at the new tag$/m,
  );
  // Breaking changes and upgrading first, in full, outside the fold; the rest folded.
  const fold = text.indexOf(
    "<details><summary>Other sections: introduction, Highlights, New features, Fixed in 2026.5.1</summary>",
  );
  assert.ok(fold > 0, text);
  assert.ok(text.indexOf("The `/api/v2` endpoints are gone.") < fold);
  assert.ok(text.indexOf("This release does not introduce any new requirements.") < fold);
  assert.ok(text.indexOf("Passkeys everywhere") > fold);
  assert.match(text, /^`python-deps` reads `uv\.lock`: 1 changed, 1 added$/m);
  assert.match(text, /^- `django` `5\.2\.11` -> `6\.0\.2`$/m);
  assert.match(text, /^- added `gunicorn` `24\.0\.0`$/m);
  // 20 packages: folded.
  assert.match(
    text,
    /^`website\/package-lock\.json`: 20 changed\n\n<details><summary>20 packages<\/summary>$/m,
  );
  // Every <details> is closed, outside code.
  const outside = outsideFences(text).join("\n");
  assert.equal(
    (outside.match(/<details>/g) ?? []).length,
    (outside.match(/<\/details>/g) ?? []).length,
  );
});

Deno.test("upstreamSection: hostile notes cannot leave their fold or open a fence over the body", () => {
  const hostile = "## New features\n\n</details>\n\n# Injected\n\n```\nnever closed\n";
  const text = upstreamSection([{
    ...MIRROR,
    notes: [{ ...MIRROR.notes[0], text: hostile }],
    dependencies: [],
  }], BODY_LIMIT).join("\n") + "\n### Next section";
  const outside = outsideFences(text);
  assert.ok(
    outside.includes("### Next section"),
    "the body after the notes is not in a code block",
  );
  assert.deepEqual(outside.filter((l) => /<\/?details/.test(l)), [
    "<details><summary>Other sections: New features</summary>",
    "</details>",
  ]);
  assert.ok(!outside.some((l) => /^#{1,5} Injected/.test(l)), "no heading above the section's");
});

Deno.test("upstreamSection: long notes are cut to the budget, important sections kept first", () => {
  const long = AUTHENTIK_NOTES.replace(
    "## New features\n",
    "## New features\n\n" + Array.from({ length: 3000 }, (_, i) => `- feature ${i}`).join("\n") +
      "\n",
  );
  const budget = 8000;
  const text = upstreamSection([{ ...MIRROR, notes: [{ ...MIRROR.notes[0], text: long }] }], budget)
    .join("\n");
  assert.ok(text.length <= budget, `${text.length} > ${budget}`);
  assert.match(text, /The `\/api\/v2` endpoints are gone\./);
  assert.match(text, /\*\(cut here: the rest is in the whole notes\)\*/);
  assert.match(text, /\[The whole notes\]\(<https:\/\/forge\.example\/.*v2026\.5\.md>\)/);
});

Deno.test("upstreamSection: no mirrors, nothing; problems and an uncounted mirror are said", () => {
  assert.deepEqual(upstreamSection([], BODY_LIMIT), []);
  const text = upstreamSection([{
    ...MIRROR,
    commits: null,
    notes: [],
    dependencies: [],
    problems: ["no release notes at x.md in version/2026.5.1"],
  }], BODY_LIMIT).join("\n");
  assert.match(text, /: commits not counted\./);
  assert.match(text, /^- Not shown: no release notes at x\.md in version\/2026\.5\.1$/m);
});

Deno.test("upstreamText: one line per mirror, notes and lock file", () => {
  assert.deepEqual(upstreamText([{ ...MIRROR, dependencies: MIRROR.dependencies.slice(0, 1) }]), [
    `upstream mirrors/authentik version/2026.2.0...version/2026.5.1: 1234 commits ${MIRROR.compare}`,
    `  notes for 2026.5.0, 2026.5.1: website/docs/releases/2026/v2026.5.md (${AUTHENTIK_NOTES.length} characters)`,
    "  python-deps <- uv.lock: django 5.2.11 -> 6.0.2, gunicorn (new) -> 24.0.0",
  ]);
});

Deno.test("lockFeeds: each hash's lock file from its fetcher and source root", () => {
  const feeds = lockFeeds([
    {
      name: "python-deps",
      text:
        "stdenv.mkDerivation {\n  src = sources.src;\n  buildPhase = ''\n    uv sync --frozen\n  '';\n}",
    },
    {
      name: "webui-deps",
      text:
        'mkDerivation {\n  sourceRoot = "${sources.src.name}/web";\n  buildPhase = "npm ci --ignore-scripts";\n}',
    },
    {
      name: "authentik-server-go-modules",
      text: 'pkgs.buildGoModule {\n  vendorHash = "sha256-x";\n}',
    },
    { name: "src", text: 'pkgs.fetchgit { url = "x"; hash = "sha256-y"; }' },
    { name: "cli", text: 'buildGoModule { modRoot = "./cmd/cli"; vendorHash = "x"; }' },
  ]);
  assert.deepEqual(Object.fromEntries(feeds), {
    "uv.lock": "python-deps",
    "web/package-lock.json": "webui-deps",
    "go.sum": "authentik-server-go-modules",
    "cmd/cli/go.sum": "cli",
  });
});

Deno.test("upstreamSection: notes longer than twice the body: within the budget, the cut said", () => {
  const line = "- a change in the notes, one of very many\n";
  const huge = "## Breaking changes\n\n" +
    line.repeat(Math.ceil((2 * BODY_LIMIT + 5000) / line.length));
  const text = upstreamSection([{ ...MIRROR, notes: [{ ...MIRROR.notes[0], text: huge }] }], 20_000)
    .join("\n");
  assert.ok(text.length <= 20_000, `${text.length}`);
  assert.match(text, /\*\(cut here: the rest is in the whole notes\)\*/);
});
