// An upstream image's pull request texts and its untrusted source label, on strings.
import assert from "node:assert/strict";
import {
  imageBody,
  imageChangelog,
  type ImageFacts,
  mirrorOfSource,
  sourceUrl,
} from "../../lib/images/pull_text.ts";

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
