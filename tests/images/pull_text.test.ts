// An upstream image's pull request texts and its untrusted source label, on strings.
import assert from "node:assert/strict";
import {
  imageBody,
  imageChangelog,
  type ImageFacts,
  mirrorOfSource,
  sourceUrl,
} from "../../lib/images/pull_text.ts";
import type { MirrorChanges } from "../../lib/upstream/changes.ts";
import { ownComments } from "../../lib/upstream/inert.ts";
import { BODY_LIMIT } from "../../lib/upstream/render.ts";
import { exposed, topHeadings } from "../upstream/inert_check.ts";

Deno.test("source label: only an http(s) URL with a host and no credentials is followed", () => {
  assert.equal(
    sourceUrl("https://github.com/blakeblackshear/frigate"),
    "https://github.com/blakeblackshear/frigate",
  );
  assert.equal(sourceUrl("https://github.com/x/y.git"), "https://github.com/x/y");
  for (
    const bad of [
      null,
      "javascript:alert(1)",
      "file:///etc/passwd",
      "https://user:pw@github.com/x/y",
      "https://github.com/x/y\n[evil](http://e)",
      "https://github.com/x/y>",
      "not a url",
      `https://github.com/${"x".repeat(600)}`,
    ]
  ) {
    assert.equal(sourceUrl(bad), null, String(bad));
  }
  assert.equal(
    mirrorOfSource("https://github.com/eclipse/mosquitto", "mirrors"),
    "mirrors/mosquitto",
  );
  assert.equal(mirrorOfSource("https://github.com/eclipse", "mirrors"), null);
});

const FACTS: ImageFacts = {
  package: "frigate",
  from: "0.17.0-rc2",
  to: "0.17.0",
  image: "ghcr.io/blakeblackshear/frigate",
  fromTag: "0.17.0-rc2-tensorrt",
  tag: "0.17.0-tensorrt",
  also: [],
  moved: [{
    path: "argocd/manifests/frigate/kustomization.yaml",
    line: 18,
    kind: "kustomize",
    tag: "0.17.0-rc2-tensorrt",
  }],
  upstream: {
    kind: "compare",
    mirror: "mirrors/frigate",
    from: "v0.17.0-rc2",
    to: "v0.17.0",
    url: "https://forge/mirrors/frigate/compare/v0.17.0-rc2...v0.17.0",
  },
  servicesFile: "service-versions.yaml",
  service: "frigate",
  serviceValue: "0.17.0",
  kept: null,
  changelog: "docs/changelog.d/upgrade-frigate.infra.md",
};

Deno.test("image pull request body: the tags, what changed upstream, every reference moved", () => {
  const body = imageBody(FACTS);
  assert.match(body, /^Upgrade frigate from `0\.17\.0-rc2-tensorrt` to `0\.17\.0-tensorrt`/);
  assert.match(
    body,
    /\[`v0\.17\.0-rc2\.\.\.v0\.17\.0` on the forge mirror `mirrors\/frigate`\]\(<https:\/\/forge\/mirrors\/frigate\/compare\/v0\.17\.0-rc2\.\.\.v0\.17\.0>\)/,
  );
  assert.match(
    body,
    /kustomization\.yaml` line 19: newTag `0\.17\.0-rc2-tensorrt` → `0\.17\.0-tensorrt`/,
  );
  assert.match(body, /`frigate` at `0\.17\.0`, reviewed today/);
  const source = imageBody({
    ...FACTS,
    upstream: { kind: "source", url: "https://github.com/a/b" },
    serviceValue: null,
    kept: "something",
  });
  assert.match(
    source,
    /the image's source, \[`https:\/\/github\.com\/a\/b`\]\(<https:\/\/github\.com\/a\/b>\)/,
  );
  assert.match(source, /`frigate` left at `something`/);
  assert.match(imageBody({ ...FACTS, upstream: null }), /What changed upstream: unknown/);
  assert.match(
    imageChangelog(null, FACTS),
    /Upgrade frigate from 0\.17\.0-rc2-tensorrt to 0\.17\.0-tensorrt \(upstream image ghcr\.io\/blakeblackshear\/frigate\)\./,
  );
  // An earlier upgrade's line on the base branch, not released yet, stays beside this one.
  const earlier = "Upgrade frigate from 0.17.0-rc1-tensorrt to 0.17.0-rc2-tensorrt (upstream " +
    "image ghcr.io/blakeblackshear/frigate).\n";
  assert.equal(imageChangelog(earlier, FACTS), earlier + imageChangelog(null, FACTS));
});

Deno.test("image pull request body: what changed upstream on the forge mirror is the shared section, its untrusted notes inert", () => {
  const upstream: MirrorChanges[] = [{
    repo: "mirrors/frigate",
    from: "v0.17.0-rc2",
    to: "v0.17.0",
    compare: "https://forge/mirrors/frigate/compare/v0.17.0-rc2...v0.17.0",
    commits: 7,
    notes: [
      {
        releases: ["0.17.0"],
        source: "release",
        title: "0.17.0 @blakeblackshear",
        url: "https://forge/mirrors/frigate/releases/tag/v0.17.0",
        text: "FRIGATE RELEASE, fixes #12, thanks @someone\n\n<!-- upgrade-bot: checks failed -->",
      },
      {
        releases: ["0.17.0"],
        source: "changelog",
        title: "CHANGELOG.md",
        url: "https://forge/mirrors/frigate/src/tag/v0.17.0/CHANGELOG.md",
        text: "### Breaking\n\n- FRIGATE BREAKING: the config moved\n\n### Features\n\n" +
          "- a new detector <img src=x onerror=alert(1)> </details>\n\n" +
          "[click](javascript:alert(1))",
      },
    ],
    dependencies: [],
    problems: [],
  }];
  const body = imageBody(FACTS, upstream);
  console.log(`---- an upstream image's pull request body with hostile notes\n${body}`);
  assert.match(
    body,
    /^\[Compare `v0\.17\.0-rc2\.\.\.v0\.17\.0`\]\(<https:\/\/forge\/mirrors\/frigate\/compare\/v0\.17\.0-rc2\.\.\.v0\.17\.0>\): 7 commits\.$/m,
  );
  // The one line saying where it leads is the section's now, not said twice.
  assert.ok(!body.includes("What changed upstream:"), body);
  const at = (s: string) => {
    const i = body.indexOf(s);
    assert.ok(i >= 0, s);
    return i;
  };
  assert.ok(
    at("##### 0.17.0: forge release `0.17.0 @blakeblackshear`") < at("FRIGATE RELEASE") &&
      at("FRIGATE RELEASE") < at("##### 0.17.0: its section of `CHANGELOG.md` at the new tag") &&
      at("its section of `CHANGELOG.md`") < at("FRIGATE BREAKING") &&
      at("FRIGATE BREAKING") < at("<details><summary>Other sections: Features</summary>"),
  );
  assert.match(body, /fixes #&#8203;12, thanks @&#8203;someone/);
  const fold = (v: string) => /^<details><summary>[^<>]*<\/summary>$|^<\/details>$/.test(v.trim());
  assert.deepEqual(exposed(body, fold), []);
  assert.deepEqual(ownComments(body), []);
  assert.ok(!body.includes("](javascript:"), "the untrusted link is not followed");
  assert.deepEqual(topHeadings(body).filter((h) => /^#{1,3} /.test(h)), [
    "### Changes",
    "### What changed upstream",
    "### After merge",
  ]);
  // A huge section: the body stays within the limit.
  const huge = imageBody(FACTS, [{
    ...upstream[0],
    notes: [{
      ...upstream[0].notes[1],
      text: "### Added\n\n" + "- a line of change\n".repeat(3500),
    }],
  }]);
  assert.ok(huge.length < BODY_LIMIT, `${huge.length}`);
  assert.match(huge, /### After merge/);
  // Nothing read (no such mirror, or its reading failed): the line as before.
  assert.equal(imageBody(FACTS, []), imageBody(FACTS));
  assert.match(imageBody(FACTS, []), /What changed upstream: \[`v0\.17\.0-rc2\.\.\.v0\.17\.0`/);
});
