// The pin pull request's text: the image, the commit, every reference moved, the record, automerge.
import assert from "node:assert/strict";
import { pinBody } from "../../lib/pins/pull_text.ts";
import { pinTitle } from "../../lib/site/defaults.ts";
import type { BuiltImage } from "../../lib/pins/images.ts";

const IMAGE: BuiltImage = {
  name: "player",
  dir: "containers/player",
  image: "registry.example/site/player",
  kind: "dockerfile",
  version: "1.2.0",
  references: [
    {
      path: "argocd/manifests/a/kustomization.yaml",
      line: 8,
      kind: "kustomize",
      tag: "v1.1.0-aaaaaaa",
    },
    { path: "argocd/manifests/b/deployment.yaml", line: 31, kind: "value", tag: "v1.2.0-bbbbbbb" },
  ],
};

Deno.test("pin pull request: title as the repository words its pins, every change listed", () => {
  assert.equal(pinTitle("player", "v1.2.0-0123456"), "Pin player image tag to v1.2.0-0123456");
  const facts = {
    image: IMAGE,
    tag: "v1.2.0-0123456",
    sha: "0123456789abcdef0123456789abcdef01234567",
    base: "main",
    moved: IMAGE.references,
    service: null,
    automerge: false,
  };
  const body = pinBody(facts);
  assert.match(body, /^Pins `registry\.example\/site\/player:v1\.2\.0-0123456`/);
  assert.match(body, /`\.forgejo\/workflows\/build-container\.yaml`\) built from `0123456`/);
  assert.match(body, /newest commit on `main` that changed `containers\/player\/`/);
  assert.match(
    body,
    /^- `argocd\/manifests\/a\/kustomization\.yaml` line 9: newTag `v1\.1\.0-aaaaaaa` → `v1\.2\.0-0123456`$/m,
  );
  assert.match(body, /^- `argocd\/manifests\/b\/deployment\.yaml` line 32: the image in a value /m);
  assert.match(body, /No changelog fragment/);
  assert.doesNotMatch(body, /service-versions|merge this pull request once/);
  const recorded = pinBody({
    ...facts,
    automerge: true,
    service: { file: "service-versions.yaml", name: "player", from: "1.1.0", to: "1.2.0" },
  });
  assert.match(recorded, /^- `service-versions\.yaml`: `player` at `1\.2\.0` \(was `1\.1\.0`\)/m);
  assert.match(recorded, /asked Forgejo to merge this pull request once its checks pass/);
});
