// Every reference to an image's tag in a set of manifests, found and moved line by line.
import assert from "node:assert/strict";
import { findReferences, moveReferences, namedImages } from "../../lib/pins/references.ts";

const IMG = "registry.example/site/player";

const KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: registry.example/site/player-sidecar
    newTag: v1.0.0-1111111
  - name: ${IMG}
    newTag: "v2.1.0-aaaaaaa" # pinned after the merge
configMapGenerator:
  - name: x
    files:
      - newTag: not-an-image
`;

const RENAMED = `images:
  - name: upstream/player
    newName: ${IMG}
    newTag: v2.0.0-bbbbbbb
`;

const DEPLOYMENT = `spec:
  containers:
    - name: player
      image: ${IMG}:kustomized
`;

const RAW = `spec:
  containers:
    - image: "${IMG}:v1.9.0-ccccccc"
      env:
        - name: RUNNER_LABELS
          value: "k8s:docker://${IMG}:v1.9.0-ccccccc,other:docker://node:20"
    # image: ${IMG}:v0.0.1-0000000 (a comment, not a reference)
    - image: ${IMG}-extra:v9.9.9-9999999
`;

const MANIFESTS = new Map([
  ["argocd/manifests/a/kustomization.yaml", KUSTOMIZATION],
  ["argocd/manifests/a/deployment.yaml", DEPLOYMENT],
  ["argocd/manifests/b/kustomization.yaml", RENAMED],
  ["argocd/manifests/c/deployment.yaml", RAW],
]);

Deno.test("references: kustomize newTag by name or newName, image: lines not overridden, values", () => {
  const refs = findReferences(MANIFESTS, IMG);
  assert.deepEqual(
    refs.map((r) => `${r.path}:${r.line + 1} ${r.kind} ${r.tag}`),
    [
      // a's deployment.yaml `image:` line is overridden by a's kustomization: not a reference.
      "argocd/manifests/a/kustomization.yaml:9 kustomize v2.1.0-aaaaaaa",
      "argocd/manifests/b/kustomization.yaml:4 kustomize v2.0.0-bbbbbbb",
      "argocd/manifests/c/deployment.yaml:3 image v1.9.0-ccccccc",
      "argocd/manifests/c/deployment.yaml:6 value v1.9.0-ccccccc",
    ],
  );
  assert.deepEqual(findReferences(MANIFESTS, "registry.example/site/none"), []);
  // A longer name sharing the prefix is another image.
  assert.deepEqual(
    findReferences(MANIFESTS, `${IMG}-extra`).map((r) => r.tag),
    ["v9.9.9-9999999"],
  );
});

Deno.test("references: moved in place, quoting, comments and other lines kept", () => {
  const refs = findReferences(MANIFESTS, IMG);
  const k = moveReferences(
    KUSTOMIZATION,
    "argocd/manifests/a/kustomization.yaml",
    IMG,
    refs,
    "v2.2.0-ddddddd",
  );
  assert.equal(
    k,
    KUSTOMIZATION.replace(`"v2.1.0-aaaaaaa" #`, `"v2.2.0-ddddddd" #`),
    "only the tag changes",
  );
  const raw = moveReferences(
    RAW,
    "argocd/manifests/c/deployment.yaml",
    IMG,
    refs,
    "v2.2.0-ddddddd",
  );
  assert.equal(raw, RAW.replaceAll(`${IMG}:v1.9.0-ccccccc`, `${IMG}:v2.2.0-ddddddd`));
  assert.ok(raw.includes("v0.0.1-0000000") && raw.includes("docker://node:20"), "the rest kept");
  assert.equal(
    moveReferences(RENAMED, "argocd/manifests/elsewhere.yaml", IMG, refs, "x"),
    RENAMED,
    "another file's references do not touch this one",
  );
});

Deno.test("references: every image named with a tag, Helm values' image.tag found and moved", () => {
  const values = `controllers:
  main:
    image:
      repository: ghcr.io/immich-app/immich-server # the chart's
      tag: v2.5.6
  other:
    image:
      tag: "v1.0.0"
`;
  const manifests = new Map([
    [
      "a/kustomization.yaml",
      "images:\n  - name: x/one\n    newName: mirror/one\n    newTag: v1.0.0\n",
    ],
    ["a/deployment.yaml", "      - image: x/one:kustomized\n      - image: y/two@sha256:abc\n"],
    ["b/cluster.yaml", "spec:\n  imageName: ghcr.io/cloudnative-pg/postgresql:18.3\n"],
    ["c/values.yaml", values],
  ]);
  const { images, unnamed } = namedImages(manifests);
  assert.deepEqual([...images.keys()].sort(), [
    "ghcr.io/cloudnative-pg/postgresql",
    "ghcr.io/immich-app/immich-server",
    "mirror/one",
    "x/one",
  ]);
  assert.deepEqual(unnamed, [{ path: "c/values.yaml", line: 7, tag: "v1.0.0" }]);
  const refs = findReferences(manifests, "ghcr.io/immich-app/immich-server");
  assert.deepEqual(refs, [{ path: "c/values.yaml", line: 4, kind: "helm", tag: "v2.5.6" }]);
  assert.equal(
    moveReferences(values, "c/values.yaml", "ghcr.io/immich-app/immich-server", refs, "v2.6.0"),
    values.replace("tag: v2.5.6", "tag: v2.6.0"),
  );
});
