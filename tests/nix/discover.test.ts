import assert from "node:assert/strict";
import { agreedVersion, discover } from "../../lib/nix/discover.ts";
import { resolvePackage } from "../../lib/nix/layout.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";
import { packageSpecs, parseConfig } from "../../lib/runtime/config.ts";
import { placeholderHash } from "../../lib/nix/hash.ts";
import YAML from "yaml";

// Small package directories of the shapes discovery must handle: a sources file with two fetches,
// FODs with outputHash (one per system), buildGoModule's vendorHash, a fetch pinned to a commit.
const SRI = (seed: string) => placeholderHash(seed);
const files = () =>
  new Map([
    [
      "sources.nix",
      `{ pkgs ? import <nixpkgs> { } }:
let
  version = "2026.2.0";
in
{
  inherit version;
  # hash = "sha256-not-this-one-in-a-comment";
  src = pkgs.fetchgit {
    url = "https://forge.example/mirrors/app.git";
    rev = "version/\${version}";
    hash = "${SRI("A")}";
  };
  client-src = pkgs.fetchgit {
    url = "https://forge.example/mirrors/app-client.git";
    rev = "v3.\${version}";
    hash = "${SRI("B")}";
  };
}
`,
    ],
    [
      "deps.nix",
      `{ pkgs, sources }:
pkgs.stdenv.mkDerivation {
  pname = "app-deps";
  version = sources.version;
  src = sources.src;
  buildPhase = ''
    echo 'outputHash = "${SRI("Z")}";' # inside a string: not a literal
  '';
  outputHashMode = "recursive";
  outputHashAlgo = "sha256";
  outputHash = "${SRI("C")}";
}
`,
    ],
    [
      "web-deps.nix",
      `{ pkgs, sources }:
pkgs.stdenvNoCC.mkDerivation {
  pname = "app-web-deps";
  outputHash =
    {
      "x86_64-linux" = "${SRI("D")}";
      "aarch64-linux" = "${SRI("D2")}";
    }
    .\${pkgs.stdenvNoCC.hostPlatform.system};
}
`,
    ],
    [
      "server.nix",
      `{ pkgs, sources }:
let
  pinned-src = pkgs.fetchFromGitHub {
    owner = "someone";
    repo = "lib";
    rev = "ceb4fcc090851717a3069d78e85ceb1e86c2740c";
    hash = "${SRI("E")}";
  };
in
pkgs.buildGoModule {
  pname = "app-server";
  inherit (sources) version src;
  vendorHash = pkgs.lib.fakeHash;
  npmDepsHash = "${SRI("F")}";
}
`,
    ],
    [
      "default.nix",
      `{ pkgs ? import <nixpkgs> { } }:
let
  # Duplicated from sources.nix
  version = "2026.2.0";
in
pkgs.runCommand "image" { } "touch $out"
`,
    ],
    ["test-build.nix", `{ }`],
  ]);

Deno.test("discovery finds every version and hash literal, named after what holds it", () => {
  const found = discover(files(), "app");
  assert.deepEqual(
    found.versions.map((v) => `${v.file}:${v.line} ${v.value}`),
    ["default.nix:4 2026.2.0", "sources.nix:3 2026.2.0"],
  );
  assert.deepEqual(
    found.hashes.map((h) => [h.name, h.file, h.key, h.index, h.kind, h.pinned]),
    [
      ["pinned-src", "server.nix", "hash", 0, "fetcher", true],
      ["src", "sources.nix", "hash", 0, "fetcher", false],
      ["client-src", "sources.nix", "hash", 1, "fetcher", false],
      ["deps", "deps.nix", "outputHash", 0, "fod", false],
      ["server-go-modules", "server.nix", "vendorHash", 0, "go-modules", false],
      ["server-npm-deps", "server.nix", "npmDepsHash", 0, "npm-deps", false],
      ["web-deps", "web-deps.nix", "outputHash", 0, "fod", false],
    ],
  );
  const web = found.hashes.find((h) => h.name === "web-deps")!;
  assert.deepEqual(web.systems, ["x86_64-linux", "aarch64-linux"]);
  assert.equal(found.buildFile, "test-build.nix");
  // Where a key repeats in a file, an anchor inside its own set tells them apart.
  assert.equal(
    found.hashes.find((h) => h.name === "client-src")!.within,
    'url = "https://forge.example/mirrors/app-client.git";',
  );
});

Deno.test("without test-build.nix, default.nix is built; a default.nix hash takes the package name", () => {
  const f = files();
  f.delete("test-build.nix");
  f.set(
    "default.nix",
    `{ pkgs }:\nlet version = "1.2.0"; in pkgs.buildNpmPackage {\n  npmDepsHash = "${
      SRI("G")
    }";\n}\n`,
  );
  const found = discover(f, "app");
  assert.equal(found.buildFile, "default.nix");
  assert.ok(found.hashes.some((h) => h.name === "app-npm-deps" && h.file === "default.nix"));
});

Deno.test("version literals must agree; a v prefix is only style", () => {
  const found = discover(files(), "app");
  assert.equal(agreedVersion(found.versions, "pkg"), "2026.2.0");
  assert.equal(
    agreedVersion([{ ...found.versions[0], value: "v2026.2.0" }, found.versions[1]], "pkg"),
    "2026.2.0",
  );
  assert.throws(
    () => agreedVersion([{ ...found.versions[0], value: "2026.1.0" }, found.versions[1]], "pkg"),
    /pkg: the version literals disagree \(default\.nix:4 says 2026\.1\.0, sources\.nix:3 says 2026\.2\.0\)/,
  );
  assert.throws(() => agreedVersion([], "pkg"), /pkg: no version literal/);
});

Deno.test("the layout harvests every literal but pinned ones, and config overrides discovery", () => {
  const layout = resolvePackage(packageSpecs(defaultConfig())[0], files());
  assert.equal(layout.current, "2026.2.0");
  assert.equal(layout.build.file, "test-build.nix");
  assert.deepEqual(layout.pinned.map((h) => h.name), ["pinned-src"]);
  assert.deepEqual(layout.hashes.map((h) => h.name), [
    "src",
    "client-src",
    "deps",
    "server-go-modules",
    "server-npm-deps",
    "web-deps",
  ]);
  const overridden = resolvePackage(
    packageSpecs(
      parseConfig("hashes: [{ name: only, file: deps.nix, key: outputHash }]", "c.yaml"),
    )[0],
    files(),
  );
  assert.deepEqual(overridden.hashes.map((h) => h.name), ["only"]);
  assert.throws(
    () =>
      resolvePackage(packageSpecs(parseConfig("build: { file: nope.nix }", "c.yaml"))[0], files()),
    /build\.file: containers\/authentik\/nope\.nix does not exist/,
  );
});

Deno.test("the config inspect prints reproduces the same literals", () => {
  const layout = resolvePackage(packageSpecs(defaultConfig())[0], files());
  const printed = YAML.stringify({
    hashes: layout.discovery.hashes.filter((h) => !h.pinned).map((h) => ({
      name: h.name,
      file: h.file,
      key: h.key,
      ...(h.within ? { within: h.within } : {}),
    })),
  });
  const again = resolvePackage(packageSpecs(parseConfig(printed, "printed.yaml"))[0], files());
  assert.deepEqual(
    again.hashes.map((h) => h.name),
    layout.hashes.map((h) => h.name),
  );
});
