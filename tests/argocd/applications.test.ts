// ArgoCD Applications on forge mirrors, on strings written in the shapes blumeops uses: one source
// with directory.include, several sources with a Helm chart, tags with a prefix; moved in place.
import assert from "node:assert/strict";
import { mirrorSources, moveRevision, repoOfUrl, tagShape } from "../../lib/argocd/applications.ts";
import {
  applicationBody,
  applicationChangelog,
  type ApplicationFacts,
} from "../../lib/argocd/pull_text.ts";

const FORGE = ["https://forge.example.org"];

const CNPG = `# The operator
# Mirror of upstream
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: pg-operator
spec:
  project: default
  source:
    repoURL: ssh://forgejo@forge.example.org:2222/mirrors/pg-operator.git
    targetRevision: v1.27.1   # the release
    path: releases
    directory:
      include: 'pg-1.27.1.yaml'
  syncPolicy:
    syncOptions:
      - ServerSideApply=true  # large CRDs
`;

const CHART = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: secrets
spec:
  sources:
    # Helm chart from forge mirror
    - repoURL: ssh://forgejo@forge.example.org:2222/mirrors/secrets.git
      targetRevision: "helm-chart-2.0.0"
      path: deploy/charts/secrets
      helm:
        valueFiles:
          - $values/argocd/manifests/secrets/values.yaml
    - repoURL: ssh://forgejo@forge.example.org:2222/owner/ops.git
      targetRevision: main
      ref: values
`;

Deno.test("repoOfUrl: a repoURL on the forge's host, any scheme and port; others are not", () => {
  assert.equal(
    repoOfUrl("ssh://forgejo@forge.example.org:2222/mirrors/secrets.git", FORGE),
    "mirrors/secrets",
  );
  assert.equal(repoOfUrl("https://forge.example.org/mirrors/x", FORGE), "mirrors/x");
  assert.equal(repoOfUrl("https://github.com/mirrors/x.git", FORGE), null);
  assert.equal(repoOfUrl("not a url", FORGE), null);
  assert.equal(repoOfUrl("ssh://forge.example.org/a/b/c.git", FORGE), null);
});

Deno.test("tagShape: the prefix before the version's first digit; no release version, none", () => {
  assert.deepEqual(tagShape("helm-chart-2.0.0"), { tag: "helm-chart-{version}", version: "2.0.0" });
  assert.deepEqual(tagShape("connect-2.3.0"), { tag: "connect-{version}", version: "2.3.0" });
  assert.deepEqual(tagShape("v1.27.1"), { tag: "v{version}", version: "1.27.1" });
  assert.equal(tagShape("main"), null);
  assert.equal(tagShape("0123abc"), null);
});

Deno.test("mirrorSources: the mirror's source of a single-source and a multi-source Application", () => {
  assert.deepEqual(mirrorSources(CNPG, "pg.yaml", FORGE), [{
    repo: "mirrors/pg-operator",
    revision: "v1.27.1",
    tag: "v{version}",
    version: "1.27.1",
    include: "pg-1.27.1.yaml",
  }]);
  // The repository's own source (owner/ops at main) is no mirror.
  assert.deepEqual(mirrorSources(CHART, "s.yaml", FORGE), [{
    repo: "mirrors/secrets",
    revision: "helm-chart-2.0.0",
    tag: "helm-chart-{version}",
    version: "2.0.0",
    include: null,
  }]);
  assert.deepEqual(mirrorSources("kind: Kustomization\n", "k.yaml", FORGE), []);
  assert.throws(
    () => mirrorSources("a: [b\n", "argocd/apps/bad.yaml", FORGE),
    /argocd\/apps\/bad\.yaml: not valid YAML/,
  );
});

Deno.test("moveRevision: targetRevision and the include naming the version move; every other byte stays", () => {
  const moved = moveRevision(
    CNPG,
    "pg.yaml",
    FORGE,
    "mirrors/pg-operator",
    { tag: "v1.27.1", version: "1.27.1" },
    { tag: "v1.28.1", version: "1.28.1" },
  );
  assert.equal(
    moved,
    CNPG.replace("targetRevision: v1.27.1", "targetRevision: v1.28.1")
      .replace("include: 'pg-1.27.1.yaml'", "include: 'pg-1.28.1.yaml'"),
  );
  const chart = moveRevision(
    CHART,
    "s.yaml",
    FORGE,
    "mirrors/secrets",
    { tag: "helm-chart-2.0.0", version: "2.0.0" },
    { tag: "helm-chart-2.1.0", version: "2.1.0" },
  );
  // The double quotes kept; the repository's own source at main untouched.
  assert.equal(chart, CHART.replace('"helm-chart-2.0.0"', '"helm-chart-2.1.0"'));
});

Deno.test("moveRevision: a source at another revision, or none of the mirror, is an error naming the file", () => {
  assert.throws(
    () =>
      moveRevision(CHART, "argocd/apps/s.yaml", FORGE, "mirrors/secrets", {
        tag: "helm-chart-1.9.0",
        version: "1.9.0",
      }, { tag: "helm-chart-2.1.0", version: "2.1.0" }),
    /argocd\/apps\/s\.yaml: a source of mirrors\/secrets is at "helm-chart-2\.0\.0", not helm-chart-1\.9\.0/,
  );
  assert.throws(
    () =>
      moveRevision(CHART, "s.yaml", FORGE, "mirrors/other", {
        tag: "v1",
        version: "1",
      }, { tag: "v2", version: "2" }),
    /s\.yaml: no source of mirrors\/other/,
  );
  assert.throws(
    () =>
      moveRevision(CHART, "s.yaml", FORGE, "mirrors/secrets", {
        tag: "helm-chart-2.0.0",
        version: "2.0.0",
      }, { tag: "x\ny", version: "2" }),
    /spans lines/,
  );
});

const FACTS: ApplicationFacts = {
  package: "pg-operator",
  from: "1.27.1",
  to: "1.28.1",
  mirror: {
    repo: "mirrors/pg-operator",
    fromTag: "v1.27.1",
    tag: "v1.28.1",
    url: "https://forge.example.org/mirrors/pg-operator/src/tag/v1.28.1",
  },
  applications: [{ file: "argocd/apps/pg.yaml", include: "pg-1.28.1.yaml" }],
  servicesFile: "service-versions.yaml",
  service: "pg-operator",
  serviceValue: "v1.28.1",
  kept: null,
  drift: "v1.28.0",
  changelog: "docs/changelog.d/upgrade-pg-operator.infra.md",
};

Deno.test("applicationBody: the files and values moved, the record and its drift, the mirror's tag", () => {
  const body = applicationBody(FACTS);
  assert.match(body, /^Upgrade pg-operator from `1\.27\.1` to `1\.28\.1`: a version bump/);
  assert.match(
    body,
    /^- `argocd\/apps\/pg\.yaml`: `targetRevision: v1\.28\.1`, `directory\.include: pg-1\.28\.1\.yaml`$/m,
  );
  assert.match(
    body,
    /^- `service-versions\.yaml`: `pg-operator` at `v1\.28\.1`, reviewed today \(it recorded `v1\.28\.0` while the Applications deployed `v1\.27\.1`\)$/m,
  );
  assert.match(body, /\[`mirrors\/pg-operator` at `v1\.28\.1`\]\(<https:\/\/forge\.example\.org\//);
  const kept = applicationBody({ ...FACTS, serviceValue: null, kept: "1.8.1", drift: null });
  assert.match(kept, /`pg-operator` left at `1\.8\.1`: it records something other than the tag/);
});

Deno.test("applicationBody: what changed upstream between the Applications' changes and after merge", () => {
  const body = applicationBody({
    ...FACTS,
    upstream: [{
      repo: "mirrors/pg-operator",
      from: "v1.27.1",
      to: "v1.28.1",
      compare: "https://forge.example.org/mirrors/pg-operator/compare/v1.27.1...v1.28.1",
      commits: 1,
      notes: [{
        releases: ["1.28.1"],
        source: "changelog",
        title: "CHANGELOG.md",
        url: "https://forge.example.org/mirrors/pg-operator/src/tag/v1.28.1/CHANGELOG.md",
        text: "### Upgrading\n\n- run the CRD upgrade first, @ops\n\n### Other changes\n\n- one",
      }],
      dependencies: [],
      problems: [],
    }],
  });
  const at = (s: string) => body.indexOf(s);
  assert.ok(at("### Changes") < at("### What changed upstream"));
  assert.ok(at("### What changed upstream") < at("### After merge"));
  assert.match(body, /\): 1 commit\.$/m);
  assert.match(body, /^##### 1\.28\.1: its section of `CHANGELOG\.md` at the new tag$/m);
  assert.match(body, /^- run the CRD upgrade first, @&#8203;ops$/m);
  assert.ok(
    at("run the CRD upgrade") < at("<details><summary>Other sections: Other changes</summary>"),
  );
});

Deno.test("applicationChangelog: one line added, an earlier unreleased line of the package and others kept", () => {
  const first = applicationChangelog("Other change.\n", FACTS);
  assert.equal(
    first,
    "Other change.\nUpgrade pg-operator from 1.27.1 to 1.28.1 (ArgoCD Application at v1.28.1 of " +
      "the forge mirror mirrors/pg-operator).\n",
  );
  const again = applicationChangelog(first, { ...FACTS, from: "1.28.1", to: "1.28.2" });
  assert.deepEqual(again.split("\n").filter((l) => l.startsWith("Upgrade pg-operator")), [
    "Upgrade pg-operator from 1.27.1 to 1.28.1 (ArgoCD Application at v1.28.1 of the forge " +
    "mirror mirrors/pg-operator).",
    "Upgrade pg-operator from 1.28.1 to 1.28.2 (ArgoCD Application at v1.28.1 of the forge " +
    "mirror mirrors/pg-operator).",
  ]);
  assert.match(again, /^Other change\.$/m);
  assert.equal(applicationChangelog(again, { ...FACTS, from: "1.28.1", to: "1.28.2" }), again);
});
