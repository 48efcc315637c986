// The Applications of the repository-wide scan: one package per mirror with every Application of
// it, its service entry by an Application's file name or upstream-source, what cannot be told said.
import assert from "node:assert/strict";
import { isScanned, scanLines, scanRepository } from "../../lib/repository/scan.ts";
import { recordDrift, recordsTheTag } from "../../lib/argocd/scan.ts";

const FORGE = ["https://forge.example.org"];

const app = (name: string, repo: string, revision: string, extra = "") =>
  `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
spec:
  source:
    repoURL: ssh://forgejo@forge.example.org:2222/${repo}.git
    targetRevision: ${revision}
${extra}`;

const SERVICES = `services:
  - name: secrets
    current-version: "helm-chart-2.0.0"
  - name: pg-operator
    current-version: "v1.28.1"
  - name: vault-connect
    current-version: "1.8.1"
    upstream-source: https://github.com/acme/connect-helm-charts/releases
  - name: photos
    current-version: "v2.5.6"
  - name: photos-ml
    current-version: "v2.5.6"
`;

const FILES: Record<string, string> = {
  "argocd/apps/secrets.yaml": app("secrets", "mirrors/secrets", "helm-chart-2.0.0"),
  "argocd/apps/secrets-crds.yaml": app("secrets-crds", "mirrors/secrets", "helm-chart-2.0.0"),
  "argocd/apps/pg-operator.yaml": app(
    "pg-operator",
    "mirrors/pg-operator",
    "v1.27.1",
    "    directory:\n      include: 'pg-1.27.1.yaml'\n",
  ),
  // Named like no entry: its upstream-source names the mirror.
  "argocd/apps/onepassword.yaml": app("op", "mirrors/connect-helm-charts", "connect-2.3.0"),
  // Two entries named like its Applications: said, not chosen.
  "argocd/apps/photos.yaml": app("photos", "mirrors/photos-charts", "photos-0.10.3"),
  "argocd/apps/photos-ml.yaml": app("photos-ml", "mirrors/photos-charts", "photos-0.10.3"),
  // Two revisions of one mirror: the files must agree first.
  "argocd/apps/cache.yaml": app("cache", "mirrors/cache", "v1.0.0"),
  "argocd/apps/cache-b.yaml": app("cache-b", "mirrors/cache", "v1.1.0"),
  // A branch, no release tag.
  "argocd/apps/edge.yaml": app("edge", "mirrors/edge", "main"),
  // The repository's own source: no mirror, no package.
  "argocd/apps/ops.yaml": app("ops", "owner/ops", "main"),
};

const scan = () =>
  scanRepository(new Map(Object.entries(FILES)), FORGE, {
    file: "service-versions.yaml",
    text: SERVICES,
  });

Deno.test("isScanned: the Applications directory's YAML files, not below it", () => {
  assert.ok(isScanned("argocd/apps/secrets.yaml"));
  assert.ok(isScanned("argocd/apps/x.yml"));
  assert.ok(!isScanned("argocd/apps/sub/x.yaml"));
  assert.ok(!isScanned("argocd/manifests/x/kustomization.yaml"));
});

Deno.test("scan: one package per mirror, every Application of it, its entry by file name or upstream-source", () => {
  const { packages } = scan();
  const byName = Object.fromEntries(packages.map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(byName).sort(), ["pg-operator", "secrets", "vault-connect"]);
  assert.deepEqual(byName.secrets, {
    name: "secrets",
    dir: "argocd/apps",
    kind: "application",
    version: "2.0.0",
    mirrors: [{ repo: "mirrors/secrets", tag: "helm-chart-{version}" }],
    applications: ["argocd/apps/secrets-crds.yaml", "argocd/apps/secrets.yaml"],
    service: { name: "secrets", by: "name" },
    hashes: [],
    drift: null,
  });
  assert.equal(byName["pg-operator"].drift, "v1.28.1");
  assert.deepEqual(byName["vault-connect"].service, {
    name: "vault-connect",
    by: "upstream-source",
  });
  assert.equal(byName["vault-connect"].drift, "1.8.1");
});

Deno.test("scan: Applications that disagree, a branch, two entries named: left out with why", () => {
  const reasons = scan().unresolved.map((u) => `${u.dir}: ${u.reason}`);
  assert.deepEqual(reasons, [
    "argocd/apps/cache-b.yaml, argocd/apps/cache.yaml: the Applications of mirrors/cache deploy " +
    "different revisions (v1.1.0, v1.0.0)",
    "argocd/apps/edge.yaml: mirrors/edge is deployed at main, no release tag",
    "argocd/apps/photos-ml.yaml, argocd/apps/photos.yaml: service-versions.yaml: several entries " +
    "are named like the Applications of mirrors/photos-charts (photos-ml, photos)",
  ]);
  assert.match(
    scanLines(scan()).join("\n"),
    /pg-operator +application +1\.27\.1 +mirrors\/pg-operator v\{version\} +targetRevision in argocd\/apps\/pg-operator\.yaml +\(service-versions\.yaml records v1\.28\.1\)/,
  );
});

Deno.test("recordDrift and recordsTheTag: the record as the tag, its version, or something else", () => {
  assert.equal(recordDrift("helm-chart-2.0.0", "helm-chart-{version}", "2.0.0"), null);
  assert.equal(recordDrift("v1.27.1", "v{version}", "1.27.1"), null);
  assert.equal(recordDrift("v1.28.1", "v{version}", "1.27.1"), "v1.28.1");
  assert.equal(recordDrift(null, "v{version}", "1.27.1"), "no current-version");
  assert.ok(recordsTheTag("helm-chart-2.0.0", "helm-chart-{version}"));
  assert.ok(recordsTheTag("v1.28.1", "v{version}"));
  assert.ok(recordsTheTag("1.28.1", "v{version}"));
  // The app's version beside a chart's tag: not the tag's shape, left alone.
  assert.ok(!recordsTheTag("1.8.1", "connect-{version}"));
  assert.ok(!recordsTheTag("v2.5.6", "immich-{version}"));
  assert.ok(!recordsTheTag(null, "v{version}"));
});
