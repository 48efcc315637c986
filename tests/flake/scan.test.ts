import assert from "node:assert/strict";
import { flakePackageName, scanFlakes } from "../../lib/flake/scan.ts";
import { packageStatus } from "../../lib/dashboard/states.ts";
import { dashboardRows } from "../../lib/dashboard/rows.ts";
import { renderDashboard } from "../../lib/dashboard/render.ts";
import type { PackageSpec } from "../../lib/runtime/config.ts";

const LOCK = JSON.stringify({
  nodes: {
    nixpkgs: {
      locked: {
        lastModified: 1772598333,
        owner: "NixOS",
        repo: "nixpkgs",
        rev: "f".repeat(40),
        type: "github",
      },
      original: { owner: "NixOS", ref: "nixos-25.11", repo: "nixpkgs", type: "github" },
    },
    root: { inputs: { nixpkgs: "nixpkgs" } },
  },
  root: "root",
  version: 7,
});

const entry = (name: string) => ({
  name,
  currentVersion: "12.6.4",
  lastReviewed: null,
  upstream: null,
});

Deno.test("a package per flake, its row the host's service entry when the file has one", () => {
  const found = scanFlakes(
    new Map([["nixos/ringtail/flake.lock", LOCK], ["nixos/broken/flake.lock", "{"]]),
    [entry("nix-container-builder")],
    { "nix-container-builder": "forgejo-runner" },
  );
  assert.deepEqual(found.packages, [{
    name: "ringtail-flake",
    dir: "nixos/ringtail",
    kind: "flake",
    version: "2026-03-04",
    mirrors: [],
    service: { name: "nix-container-builder", by: "name" },
    hashes: [],
  }]);
  assert.equal(found.unresolved.length, 1);
  assert.match(found.unresolved[0].reason, /nixos\/broken\/flake.lock: not valid JSON/);
  assert.equal(flakePackageName("nixos/ringtail"), "ringtail-flake");
  // No entry for what the host runs: the flake's own name.
  const own = scanFlakes(new Map([["nixos/ringtail/flake.lock", LOCK]]), [], {});
  assert.equal(own.packages[0].service.name, "ringtail-flake");
});

Deno.test("the dashboard row of a flake: a newer release branch in the newest column", () => {
  const spec = {
    name: "ringtail-flake",
    dir: "nixos/ringtail",
    kind: "flake",
    service_versions: { file: "service-versions.yaml", name: "nix-container-builder" },
    mirrors: [],
  } as unknown as PackageSpec;
  const status = packageStatus({
    package: "ringtail-flake",
    outcome: "up to date",
    error: null,
    closed: null,
    followThrough: null,
    report: {
      newest: "nixpkgs nixos-26.05",
      version: { from: "2026-03-04", to: "2026-03-04" },
      failure: null,
      moved: [],
      pull: null,
      open: null,
      waiting: [],
      young: [],
    } as never,
  }, spec);
  const body = renderDashboard(
    dashboardRows([{ ...entry("nix-container-builder"), lastReviewed: "2026-02-22" }], [status]),
    "2026-03-05",
    "service-versions.yaml",
  );
  assert.ok(
    body.includes(
      "| nix-container-builder | 12.6.4 | 11 days | nixpkgs nixos-26.05 | up to date |",
    ),
    body,
  );
});
