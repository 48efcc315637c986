// The scan of upstream images on strings: images to service entries by name, what moves with them, and what is left out with why.
import assert from "node:assert/strict";
import { scanImages } from "../../lib/images/scan.ts";
import type { ServiceRecord } from "../../lib/mikado/service_versions.ts";

const entry = (name: string, type = "argocd"): ServiceRecord => ({
  name,
  currentVersion: null,
  lastReviewed: null,
  upstream: null,
  type,
});

const kustomization = (...images: [string, string][]) =>
  `resources:\n  - deployment.yaml\nimages:\n` +
  images.map(([name, tag]) => `  - name: ${name}\n    newTag: ${tag}\n`).join("");

const M = "argocd/manifests";
const MANIFESTS = new Map([
  [`${M}/mosquitto/kustomization.yaml`, kustomization(["eclipse-mosquitto", '"2.0.22"'])],
  [`${M}/mosquitto/deployment.yaml`, "        - image: eclipse-mosquitto:kustomized\n"],
  [
    `${M}/frigate/kustomization.yaml`,
    kustomization(
      ["busybox", '"1.37"'],
      ["ghcr.io/blakeblackshear/frigate", "0.17.0-rc2-tensorrt"],
      ["ghcr.io/0x2142/frigate-notify", "v0.5.4"],
    ),
  ],
  [
    `${M}/tailscale-operator-base/kustomization.yaml`,
    kustomization(["docker.io/tailscale/k8s-operator", "v1.94.2"]),
  ],
  [
    `${M}/tailscale-operator-base/proxyclass.yaml`,
    "      tailscaleContainer:\n        image: docker.io/tailscale/tailscale:v1.94.2\n",
  ],
  [`${M}/kube-state-metrics/kustomization.yaml`, kustomization(["registry.k8s.io/ksm", "v2.18.0"])],
  [
    `${M}/kube-state-metrics-ringtail/kustomization.yaml`,
    kustomization(["registry.k8s.io/ksm", "v2.18.0"]),
  ],
  [`${M}/alloy-ringtail/kustomization.yaml`, kustomization(["grafana/alloy", "v1.13.1"])],
  [
    `${M}/authentik/kustomization.yaml`,
    kustomization(["registry.site/own/authentik", "v1-abcdef1"], ["redis", "7-alpine"]),
  ],
  [
    `${M}/databases/blumeops-pg.yaml`,
    "spec:\n  imageName: ghcr.io/cloudnative-pg/postgresql:18.3\n",
  ],
  [`${M}/databases/immich-pg.yaml`, "spec:\n  imageName: ghcr.io/t/vectorchord:17-0.5.0\n"],
  [`${M}/immich/values.yaml`, "main:\n  image:\n    tag: v2.5.6\n"],
  [
    `${M}/forgejo-runner/kustomization.yaml`,
    kustomization(["code.forgejo.org/forgejo/runner", '"12.7.0"'], ["docker", "27-dind"]),
  ],
  [`${M}/helm/values.yaml`, "image:\n  repository: ghcr.io/x/helmed\n  tag: v1.0.0\n"],
]);

const ENTRIES = [
  "mosquitto",
  "frigate",
  "frigate-notify",
  "tailscale-operator",
  "kube-state-metrics",
  "authentik",
  "blumeops-pg",
  "immich",
  "forgejo-runner",
  "helm",
].map((n) => entry(n)).concat([entry("alloy", "ansible")]);

Deno.test("upstream images: each image to its service entry by name, with what moves with it", () => {
  const { packages } = scanImages(
    MANIFESTS,
    ENTRIES,
    (i) => i.startsWith("registry.site/own/"),
    "service-versions.yaml",
  );
  const seen = Object.fromEntries(
    packages.map((p) => [p.name, [p.image, p.tag, p.version, p.coupled, p.manifests]]),
  );
  assert.deepEqual(seen, {
    "blumeops-pg": ["ghcr.io/cloudnative-pg/postgresql", "18.3", "18.3.0", [], [`${M}/databases`]],
    frigate: [
      "ghcr.io/blakeblackshear/frigate",
      "0.17.0-rc2-tensorrt",
      "0.17.0-rc2",
      [],
      [`${M}/frigate`],
    ],
    "frigate-notify": ["ghcr.io/0x2142/frigate-notify", "v0.5.4", "0.5.4", [], [`${M}/frigate`]],
    "forgejo-runner": ["code.forgejo.org/forgejo/runner", "12.7.0", "12.7.0", [], [
      `${M}/forgejo-runner`,
    ]],
    helm: ["ghcr.io/x/helmed", "v1.0.0", "1.0.0", [], [`${M}/helm`]],
    "kube-state-metrics": [
      "registry.k8s.io/ksm",
      "v2.18.0",
      "2.18.0",
      [],
      [`${M}/kube-state-metrics`, `${M}/kube-state-metrics-ringtail`],
    ],
    mosquitto: ["eclipse-mosquitto", "2.0.22", "2.0.22", [], [`${M}/mosquitto`]],
    "tailscale-operator": [
      "docker.io/tailscale/k8s-operator",
      "v1.94.2",
      "1.94.2",
      ["docker.io/tailscale/tailscale"],
      [`${M}/tailscale-operator-base`],
    ],
  });
});

Deno.test("upstream images: what cannot be told is left out with why, never guessed", () => {
  const { unresolved } = scanImages(
    MANIFESTS,
    ENTRIES,
    (i) => i.startsWith("registry.site/own/"),
    "service-versions.yaml",
  );
  const reasons = unresolved.map((u) => `${u.dir}: ${u.reason}`);
  for (
    const expected of [
      /immich\/values\.yaml: line 3: image\.tag v2\.5\.6 names no repository/,
      /immich-pg\.yaml: ghcr\.io\/t\/vectorchord:17-0\.5\.0: the tag names no version/,
      // The only entry named like it is deployed otherwise (type ansible).
      /alloy-ringtail: grafana\/alloy: no service-versions\.yaml entry \(type argocd\)/,
      /frigate: busybox: one of several images/,
      /forgejo-runner: docker: one of several images/,
      /authentik: redis: .*the built image's/,
    ]
  ) {
    assert.ok(reasons.some((r) => expected.test(r)), `${expected}\n${reasons.join("\n")}`);
  }
  assert.equal(reasons.length, 6, reasons.join("\n"));
  // Only what holds an entry's own version names that entry: immich's values, not the images
  // beside another service's (busybox in frigate's directory) nor an entry of another type.
  assert.deepEqual(
    unresolved.filter((u) => u.service !== undefined).map((u) => [u.dir, u.service]),
    [[`${M}/immich/values.yaml`, "immich"]],
  );
});

Deno.test("upstream images: one service at two tags, or two images, is left out", () => {
  const twoTags = new Map([
    [`${M}/a/kustomization.yaml`, kustomization(["x/one", "v1.0.0"])],
    [`${M}/a-ringtail/kustomization.yaml`, kustomization(["x/one", "v1.1.0"])],
  ]);
  const { packages, unresolved } = scanImages(twoTags, [entry("a")], () => false, "s.yaml");
  assert.deepEqual(packages, []);
  assert.match(unresolved[0].reason, /a: x\/one is deployed at v1\.0\.0 and v1\.1\.0/);
  assert.equal(unresolved[0].service, "a");
});
