import assert from "node:assert/strict";
import { packageSpecs, parseConfig } from "../../lib/runtime/config.ts";

Deno.test("flakes: defaults, null turns them off, bad values named", () => {
  const defaults = parseConfig("forge: { url: https://forge.example }\n", "c.yaml");
  assert.deepEqual(defaults.flakes, {
    every: "7d",
    inputs: [],
    outputs: [],
    services: { "nix-container-builder": "forgejo-runner" },
    closure_lines: 30,
  });
  assert.equal(parseConfig("flakes: null\n", "c.yaml").flakes, null);
  const some = parseConfig("flakes: { every: 1w, inputs: [nixpkgs] }\n", "c.yaml");
  assert.equal(some.flakes?.every, "1w");
  assert.deepEqual(some.flakes?.inputs, ["nixpkgs"]);
  assert.equal(some.flakes?.closure_lines, 30);
  assert.throws(
    () => parseConfig("flakes: { every: soon }\n", "c.yaml"),
    /c.yaml: flakes.every: "soon" is not a duration/,
  );
  assert.throws(
    () => parseConfig("flakes: { inputs: ['a b'] }\n", "c.yaml"),
    /c.yaml: flakes.inputs\[0\]: "a b" is not a Nix attribute name/,
  );
  assert.throws(
    () => parseConfig("flakes: { outputs: ['x;y'] }\n", "c.yaml"),
    /flakes.outputs\[0\]: "x;y" is not a Nix attribute path/,
  );
});

Deno.test("a packages: entry of kind flake needs no mirror; any other kind still does", () => {
  const config = parseConfig(
    "packages:\n  - { name: ringtail-flake, dir: nixos/ringtail, kind: flake, " +
      "service_versions: { name: nix-container-builder } }\n" +
      "  - { name: ntfy, dir: containers/ntfy, mirrors: [{ repo: mirrors/ntfy, tag: 'v{version}' }] }\n",
    "c.yaml",
  );
  const [flake] = packageSpecs(config);
  assert.equal(flake.kind, "flake");
  assert.deepEqual(flake.mirrors, []);
  assert.equal(flake.service_versions?.name, "nix-container-builder");
  assert.throws(
    () => parseConfig("packages: [{ name: a, dir: a }]\n", "c.yaml"),
    /c.yaml: packages\[0\]\.mirrors: expected a list, got nothing/,
  );
  assert.throws(
    () => parseConfig("packages: [{ name: a, dir: a, kind: dockerfile, mirrors: [] }]\n", "c.yaml"),
    /packages\[0\]\.mirrors: needs at least the package's own mirror/,
  );
});
