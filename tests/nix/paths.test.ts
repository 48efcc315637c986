// Tests for lib/nix/paths.ts: path literals that leave the package directory.
import assert from "node:assert/strict";
import { pathsOutside } from "../../lib/nix/paths.ts";

Deno.test("paths outside the package directory: ../, absolute, ~/; not strings, comments or <nixpkgs>", () => {
  const text = `{ pkgs ? import <nixpkgs> {} }:
let a = import ./sources.nix { };  # ../not-this
    b = import ../shared/lib.nix;
    c = "../not/a/path";
    d = ./.; e = ../.;
    f = x: x / 2; g = /etc/passwd; h = ~/.config/x;
in pkgs.callPackage ./sub/../default.nix { url = "https://x/../y"; }
`;
  assert.deepEqual(
    pathsOutside(
      new Map([
        ["default.nix", text],
        ["sub/x.nix", "import ../default.nix"],
        ["sub/y.nix", "import ../../z.nix"],
        ["README.md", "../docs"],
      ]),
    ),
    [
      { file: "default.nix", line: 3, path: "../shared/lib.nix" },
      { file: "default.nix", line: 5, path: "../." },
      { file: "default.nix", line: 6, path: "/etc/passwd" },
      { file: "default.nix", line: 6, path: "~/.config/x" },
      { file: "sub/y.nix", line: 1, path: "../../z.nix" },
    ],
  );
});
