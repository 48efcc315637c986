// A Dockerfile package's pull request texts: the title and its inverse, the body's promises, the
// changelog fragment and the note on failing checks; what changed upstream, from a hostile changelog.
import assert from "node:assert/strict";
import {
  checksFailedNote,
  checksMarker,
  dockerBody,
  dockerChangelog,
  type DockerFacts,
  dockerTitle,
  parseDockerTitle,
} from "../../lib/docker/pull_text.ts";
import { changelogSections } from "../../lib/upstream/changelog.ts";
import type { MirrorChanges } from "../../lib/upstream/changes.ts";
import { ownComments } from "../../lib/upstream/inert.ts";
import { BODY_LIMIT } from "../../lib/upstream/render.ts";
import { exposed, topHeadings } from "../upstream/inert_check.ts";

const FACTS: DockerFacts = {
  package: "player",
  dir: "containers/player",
  from: "0.9.1",
  to: "0.10.0",
  argValue: "v0.10.0",
  serviceValue: "v0.10.0",
  service: "player",
  servicesFile: "service-versions.yaml",
  changelog: "docs/changelog.d/upgrade-player.infra.md",
  mirrors: [{ repo: "mirrors/player", tag: "v0.10.0", url: "https://forge.example.org/t" }],
};

Deno.test("the title reads back, a draft marker allowed; other titles are not the bot's", () => {
  const title = dockerTitle(FACTS);
  assert.equal(title, "Upgrade player from 0.9.1 to 0.10.0");
  assert.deepEqual(parseDockerTitle(title), { package: "player", from: "0.9.1", to: "0.10.0" });
  assert.deepEqual(parseDockerTitle(`WIP: ${title}`)?.to, "0.10.0");
  assert.equal(parseDockerTitle("C2(upgrade-player): player 0.9.1 -> 0.10.0"), null);
  assert.equal(parseDockerTitle("Upgrade player to 0.10.0"), null);
});

Deno.test("the body says what moved and that the repository's workflow builds the image", () => {
  const body = dockerBody(FACTS);
  assert.match(body, /`containers\/player\/Dockerfile`: `ARG CONTAINER_APP_VERSION=v0\.10\.0`/);
  assert.match(body, /`service-versions\.yaml`: `player` at `v0\.10\.0`/);
  assert.match(
    body,
    /built by the repository's workflow \(`\.forgejo\/workflows\/build-container\.yaml`\), not by\s+upgrade-bot/,
  );
  assert.match(body, /C1: this branch and pull request, no Mikado cards/);
  assert.match(body, /\[`mirrors\/player` at `v0\.10\.0`\]\(<https:\/\/forge\.example\.org\/t>\)/);
  // After merge the bot pins the built image's tag; with `deploy: null` a person does.
  assert.match(
    body,
    /^2\. Once the image is in the registry, upgrade-bot opens a pull request pinning/m,
  );
  assert.match(body, /\(branch `deploy-player`\)/);
  assert.doesNotMatch(body, /Update the image tag/);
  assert.match(dockerBody(FACTS, false), /^2\. Update the image tag in .*: the bot does not\)\.$/m);
});

Deno.test("the changelog fragment: its line added, every other line kept (an earlier upgrade's too)", () => {
  const first = dockerChangelog(null, FACTS);
  assert.equal(
    first,
    "Upgrade player from 0.9.1 to 0.10.0 (Dockerfile, built from the forge mirror mirrors/player " +
      "at v0.10.0).\n",
  );
  // The base branch holds the earlier upgrade's line, merged and not released yet: it stays.
  const later = dockerChangelog(`Someone's note.\n${first}`, {
    ...FACTS,
    from: "0.10.0",
    to: "0.11.0",
  });
  assert.equal(
    later,
    `Someone's note.\n${first}` +
      "Upgrade player from 0.10.0 to 0.11.0 (Dockerfile, built from the forge mirror " +
      "mirrors/player at v0.10.0).\n",
  );
  // The same line is not written twice.
  assert.equal(dockerChangelog(later, { ...FACTS, from: "0.10.0", to: "0.11.0" }), later);
});

Deno.test("the failing-checks note names each failing check once, with the head's marker", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  const note = checksFailedNote(sha, [
    { context: "lint", state: "success", description: "ok", url: "" },
    { context: "checks", state: "failure", description: "version\nmismatch", url: "http://ci/7" },
    { context: "build", state: "error", description: "", url: "" },
  ]);
  assert.ok(note.startsWith(checksMarker(sha)));
  assert.match(note, /^- `checks` failure: version mismatch \(\[details\]\(<http:\/\/ci\/7>\)\)$/m);
  assert.match(note, /^- `build` error$/m);
  assert.doesNotMatch(note, /`lint`/);
});

/** A hostile CHANGELOG.md: mentions, closing keywords, raw HTML that would close the fold, copies
 * of the bot's records, a heading that mentions, a release candidate and the deployed release. */
const HOSTILE_CHANGELOG = [
  "# Changelog",
  "",
  "## [0.11.0-rc.1]",
  "",
  "- not crossed",
  "",
  "## [0.10.0] - 2026-02-20 @maintainer fixes #7",
  "",
  "### Added",
  "",
  "- Playlists, thanks @someone (closes #12), see https://example.org/x and !3",
  "- fixes https://forge.example.org/eblume/blumeops/issues/1",
  "",
  "<img src=x onerror=alert(1)> </details>",
  "",
  "</details>",
  "",
  checksMarker("0123456789abcdef0123456789abcdef01234567"),
  "",
  "### Breaking changes",
  "",
  "- The `--music` flag is gone; use `--library`.",
  "",
  `> ${checksMarker("0123456789abcdef0123456789abcdef01234567")}`,
  "",
  "## [0.9.2] - 2026-02-01",
  "",
  "### Security",
  "",
  "- CVE-2026-1111: a path traversal, fixes #99",
  "",
  "## [0.9.1] - 2026-01-10",
  "",
  "- the deployed release",
  "",
].join("\n");

Deno.test("the body with what changed upstream: compare, commits, release and changelog sections, inert and within the limit", () => {
  const found = changelogSections(HOSTILE_CHANGELOG, ["0.10.0", "0.9.2"]);
  const url = "https://forge.example.org/mirrors/player/src/tag/v0.10.0/CHANGELOG.md";
  const upstream: MirrorChanges[] = [{
    repo: "mirrors/player",
    from: "v0.9.1",
    to: "v0.10.0",
    compare: "https://forge.example.org/mirrors/player/compare/v0.9.1...v0.10.0",
    commits: 42,
    notes: [
      {
        releases: ["0.10.0"],
        source: "release",
        title: "v0.10.0 @releaser",
        url: "https://forge.example.org/mirrors/player/releases/tag/v0.10.0",
        text: "Big release, resolves #5.\n\n<!-- upgrade-bot: checks failed on abc -->",
      },
      ...found.sections.map((s) => ({
        releases: [s.version],
        source: "changelog" as const,
        title: "CHANGELOG.md",
        url,
        text: s.text,
      })),
    ],
    dependencies: [],
    problems: [],
  }];
  const body = dockerBody({ ...FACTS, upstream });
  console.log(`---- a Dockerfile pull request's body with a hostile changelog\n${body}`);
  assert.match(
    body,
    /^\[Compare `v0\.9\.1\.\.\.v0\.10\.0`\]\(<https:\/\/forge\.example\.org\/mirrors\/player\/compare\/v0\.9\.1\.\.\.v0\.10\.0>\): 42 commits\.$/m,
  );
  // Newest first: the release's forge notes, its changelog section, then the older release's.
  const order = [
    "##### 0.10.0: forge release `v0.10.0 @releaser`",
    "##### 0.10.0: its section of `CHANGELOG.md` at the new tag",
    "##### 0.9.2: its section of `CHANGELOG.md` at the new tag",
  ].map((h) => body.indexOf(h));
  assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1])), `${order}`);
  // Breaking changes whole and before the fold; the rest folded; security unfolded.
  const release = body.slice(order[1], order[2]);
  assert.ok(
    release.indexOf("is gone; use") < release.indexOf("<details><summary>Other sections: Added"),
  );
  assert.match(release, /Playlists/);
  assert.match(body.slice(order[2]), /CVE-2026-1111: a path traversal, fixes #&#8203;99/);
  assert.ok(!body.includes("not crossed") && !body.includes("the deployed release"));
  // Nothing mentions, references, closes, links elsewhere or hides; no record but the bot's.
  const fold = (v: string) => /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());
  assert.deepEqual(exposed(body, fold), []);
  assert.deepEqual(ownComments(body), []);
  assert.deepEqual(topHeadings(body).filter((h) => /^#{1,3} /.test(h)), [
    "### Changes",
    "### What changed upstream",
    "### Build",
    "### After merge",
  ]);
  // A huge changelog section: the body stays within the limit, the rest linked.
  const huge = dockerBody({
    ...FACTS,
    upstream: [{
      ...upstream[0],
      notes: [{
        ...upstream[0].notes[1],
        text: "### Added\n\n" + "- a line of change\n".repeat(3500),
      }],
    }],
  });
  assert.ok(huge.length < BODY_LIMIT, `${huge.length}`);
  assert.match(huge, /cut here: the rest is in the whole notes/);
  assert.match(huge, /### After merge/);
  // No upstream read (a mirror-less kind): the body as before.
  assert.equal(dockerBody({ ...FACTS, upstream: [] }), dockerBody(FACTS));
});
