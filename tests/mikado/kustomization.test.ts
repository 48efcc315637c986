// The deployment's image tag in a kustomization, and the deployed tag in the goal card's history.
import assert from "node:assert/strict";
import { imageTag, recordDeployment, setImageTag } from "../../lib/mikado/kustomization.ts";

const KUSTOMIZATION = `---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: registry.ops.eblu.me/blumeops/authentik
    newTag: v2026.2.0-2d4098e-nix
  - name: docker.io/library/redis
    newTag: "7-alpine" # pinned
`;

Deno.test("newTag of one image: read, and set with only that line changed", () => {
  const image = "registry.ops.eblu.me/blumeops/authentik";
  assert.equal(imageTag(KUSTOMIZATION, image, "k.yaml"), "v2026.2.0-2d4098e-nix");
  assert.equal(imageTag(KUSTOMIZATION, "docker.io/library/redis", "k.yaml"), "7-alpine");
  const after = setImageTag(KUSTOMIZATION, image, "v2026.5.0-1234567-nix", "k.yaml");
  const a = KUSTOMIZATION.split("\n"), b = after.split("\n");
  assert.equal(a.length, b.length);
  const changed = a.map((l, i) => [l, b[i]]).filter(([x, y]) => x !== y);
  assert.deepEqual(changed, [[
    "    newTag: v2026.2.0-2d4098e-nix",
    "    newTag: v2026.5.0-1234567-nix",
  ]]);
  const redis = setImageTag(KUSTOMIZATION, "docker.io/library/redis", "8", "k.yaml");
  assert.match(redis, /newTag: "8" # pinned/);
});

Deno.test("a missing image or newTag is an error naming the file and the image", () => {
  assert.throws(
    () => imageTag(KUSTOMIZATION, "registry.ops.eblu.me/blumeops/ntfy", "argocd/k.yaml"),
    /argocd\/k\.yaml: no images entry named "registry\.ops\.eblu\.me\/blumeops\/ntfy"/,
  );
  const noTag = "images:\n  - name: x/y\n    newName: z\n  - name: a/b\n    newTag: t\n";
  assert.throws(() => setImageTag(noTag, "x/y", "1", "k.yaml"), /"x\/y" has no newTag line/);
});

const CARD = `---
title: Upgrade ntfy
modified: 2026-03-01
tags:
  - how-to
---

# Upgrade ntfy

## Upgrade history

- 2026-03-01: \`2.17.0\` → \`2.18.0\`
  - \`src\` (\`default.nix\`): \`sha256-x\`
- 2026-01-01: \`2.16.0\` → \`2.17.0\`
`;

Deno.test("the deployed tag goes under its upgrade's history entry", () => {
  const out = recordDeployment(CARD, "2.18.0", "v2.18.0-abcdef1-nix", "2026-03-05", "c.md");
  assert.match(out, /modified: 2026-03-05/);
  assert.ok(
    out.includes(
      "- 2026-03-01: `2.17.0` → `2.18.0`\n  - `src` (`default.nix`): `sha256-x`\n" +
        "  - deployed as `v2.18.0-abcdef1-nix` (2026-03-05)\n- 2026-01-01",
    ),
    out,
  );
  const other = recordDeployment(CARD, "2.19.0", "v2.19.0-0000000-nix", "2026-03-05", "c.md");
  assert.match(other, /## Upgrade history\n\n- 2026-03-05: `2\.19\.0`\n {2}- deployed as/);
});
