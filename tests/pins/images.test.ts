// The images a repository builds, the tag its workflow pushes, and which references a pin moves.
import assert from "node:assert/strict";
import {
  builtImages,
  builtTag,
  builtVersion,
  parseBuiltTag,
  stale,
} from "../../lib/pins/images.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const TEMPLATE = "registry.example/site/{name}";

const kustomization = (entries: [string, string][]) =>
  `images:\n${
    entries.map(([n, t]) => `  - name: registry.example/site/${n}\n    newTag: ${t}\n`).join("")
  }`;

Deno.test("builtTag: the workflows' tags, v added when missing", () => {
  assert.equal(builtTag("dockerfile", "4.1.1-r1", SHA), "v4.1.1-r1-0123456");
  assert.equal(builtTag("dockerfile", "v0.60.3", SHA), "v0.60.3-0123456");
  assert.equal(builtTag("nix", "2.17.0", SHA), "v2.17.0-0123456-nix");
  assert.deepEqual(parseBuiltTag("v2.17.0-0123456-nix"), {
    version: "2.17.0",
    sha7: "0123456",
    kind: "nix",
  });
  assert.equal(builtVersion("v4.1.1-r1-ab34cbd"), "4.1.1-r1");
  assert.equal(builtVersion("2.0.22"), null);
  assert.equal(builtVersion("kustomized"), null);
});

Deno.test("builtImages: Dockerfile and Nix builds, the deployed kind, undeployed ones left out", () => {
  const builds = new Map([
    ["containers/player/Dockerfile", "FROM alpine\nARG CONTAINER_APP_VERSION=v1.2.0\n"],
    ["containers/both/Dockerfile", "ARG CONTAINER_APP_VERSION=v3.0.0\n"],
    ["containers/both/default.nix", '{ }:\nlet\n  version = "3.0.0";\nin { }\n'],
    ["containers/nixonly/default.nix", '  version = "2026.1.0";\n'],
    ["containers/idle/Dockerfile", "ARG CONTAINER_APP_VERSION=0.1.0\n"],
    ["containers/noversion/Dockerfile", "FROM alpine\n"],
    ["containers/player/start.sh", "ignored"],
  ]);
  const manifests = new Map([
    [
      "argocd/manifests/x/kustomization.yaml",
      kustomization([
        ["player", "v1.1.0-aaaaaaa"],
        ["both", "v3.0.0-bbbbbbb-nix"],
        ["nixonly", "v2026.1.0-ccccccc-nix"],
        ["noversion", "v1-ddddddd"],
      ]),
    ],
  ]);
  const { images, skipped } = builtImages(builds, manifests, TEMPLATE);
  assert.deepEqual(
    images.map((i) => [i.name, i.kind, i.version, i.references.length]),
    [["both", "nix", "3.0.0", 1], ["nixonly", "nix", "2026.1.0", 1], [
      "player",
      "dockerfile",
      "v1.2.0",
      1,
    ]],
  );
  assert.deepEqual(skipped, [
    { name: "idle", reason: "no manifest deploys registry.example/site/idle" },
    { name: "noversion", reason: "containers/noversion: no version the dockerfile workflow reads" },
  ]);
});

Deno.test("stale: what the pin moves; a later build of the same version is left alone", () => {
  const manifests = new Map([
    ["argocd/manifests/a/kustomization.yaml", kustomization([["t", "v4.0.6-r4-aaaaaaa"]])],
    ["argocd/manifests/b/kustomization.yaml", kustomization([["t", "v4.1.1-r1-bbbbbbb"]])],
    ["argocd/manifests/c/kustomization.yaml", kustomization([["t", "v4.1.1-r1-0123456"]])],
    ["argocd/manifests/d/kustomization.yaml", kustomization([["t", "v4.1.1-r1-ccccccc-nix"]])],
  ]);
  const builds = new Map([["containers/t/Dockerfile", "ARG CONTAINER_APP_VERSION=4.1.1-r1\n"]]);
  const [image] = builtImages(builds, manifests, TEMPLATE).images;
  assert.equal(image.kind, "nix", "a -nix tag deployed: the Nix build's tags");
  const tag = builtTag("dockerfile", image.version, SHA);
  const moved = (current: (s: string) => boolean) =>
    stale({ ...image, kind: "dockerfile" }, tag, current).map((r) => r.path.split("/")[2]);
  assert.deepEqual(moved(() => false), ["a", "b", "d"]);
  // bbbbbbb a later commit of the base: same version, same build, as current as the newest.
  assert.deepEqual(moved((s) => s === "bbbbbbb"), ["a", "d"]);
  // aaaaaaa's version differs: moved whatever its commit.
  assert.deepEqual(moved(() => true), ["a", "d"]);
});
