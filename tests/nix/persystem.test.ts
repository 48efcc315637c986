// Per-system targets as Nix text: which files can be instantiated for another system, and how.
import assert from "node:assert/strict";
import { nixpkgsFlake, whyNotInstantiable } from "../../lib/nix/persystem.ts";
import { functionFormals } from "../../lib/nix/edit.ts";

Deno.test("functionFormals: names and defaults, nested braces, strings and comments skipped", () => {
  assert.deepEqual(
    functionFormals(`# a header { not: code }
{ pkgs ? import <nixpkgs> { config = { a = "x, y"; }; }, # a comment, with a comma
  sources ? import ./sources.nix { inherit pkgs; },
  lib, ... }:
pkgs.hello`),
    [
      { name: "pkgs", hasDefault: true },
      { name: "sources", hasDefault: true },
      { name: "lib", hasDefault: false },
    ],
  );
  assert.deepEqual(functionFormals("args@{ pkgs }: args"), [{ name: "pkgs", hasDefault: false }]);
  assert.deepEqual(functionFormals("{ pkgs }@args: args"), [{ name: "pkgs", hasDefault: false }]);
  assert.equal(functionFormals("pkgs: pkgs.hello"), null);
  assert.equal(functionFormals("{ a = 1; }"), null);
});

Deno.test("whyNotInstantiable: pkgs taken and every other argument defaulted, as the real webui-deps.nix", () => {
  assert.equal(
    whyNotInstantiable(
      "webui-deps.nix",
      "{ pkgs ? import <nixpkgs> { }, sources ? import ./sources.nix { inherit pkgs; } }:\n{ }",
    ),
    null,
  );
  assert.equal(
    whyNotInstantiable("webui-deps.nix", "{ pkgs, sources }: { }"),
    "webui-deps.nix needs sources besides pkgs, with no default",
  );
  assert.equal(
    whyNotInstantiable("x.nix", "{ stdenv }: { }"),
    'x.nix takes no "pkgs" argument',
  );
  assert.equal(whyNotInstantiable("x.nix", "{ }"), "x.nix is not a function of { pkgs, ... }");
});

Deno.test("nixpkgsFlake: the nixpkgs flake when the build file uses it, else null (<nixpkgs>)", () => {
  assert.equal(
    nixpkgsFlake('let pkgs = (builtins.getFlake "nixpkgs").legacyPackages.x86_64-linux; in { }'),
    "nixpkgs",
  );
  assert.equal(nixpkgsFlake("{ pkgs ? import <nixpkgs> { } }: { }"), null);
});
