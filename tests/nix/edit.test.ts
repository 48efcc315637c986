import assert from "node:assert/strict";
import { findHash, findVersion, replaceLiteral } from "../../lib/nix/edit.ts";
import { InputError } from "../../lib/runtime/errors.ts";

const SOURCES = `{ pkgs }:
let
  # bump me: version = "0.0.0"; is only a comment
  version = "2026.2.0";
in
{
  inherit version;
  src = pkgs.fetchgit {
    url = "https://forge.ops.eblu.me/mirrors/authentik.git";
    rev = "version/\${version}";
    hash = "sha256-uqiHsUotOZER4nI+UjVXmW+R2ssCDlHmuN6rGIPsN9M=";
  };
  client-go-src = pkgs.fetchgit {
    url = "https://forge.ops.eblu.me/mirrors/authentik-client-go.git";
    rev = "v3.\${version}";
    hash = "sha256-qH/TxG8hIgY4+4U1QmdQoCU79wF9fTU+KtHLZ95jovw=";
  };
  notes = ''
    hash = "sha256-in-an-indented-string";
    ''\${not interpolated} and ''' quotes
  '';
  /* version = "9.9.9"; in a block comment */
}
`;

const WEBUI = `{ pkgs, sources }:
pkgs.stdenv.mkDerivation {
  name = "webui-deps";
  outputHash = {
    "x86_64-linux" = "sha256-PFZ1vKiUKRBkKGQGzCJg5tCi4lEoYgljLIpHtTVuAww=";
    aarch64-linux = "sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=";
  }.\${pkgs.system} or (throw "unsupported system \${pkgs.system}");
}
`;

Deno.test("findVersion skips comments and strings and finds the one assignment", () => {
  const v = findVersion(SOURCES, { file: "sources.nix", key: "version" });
  assert.equal(v.value, "2026.2.0");
  assert.equal(v.line, 4);
  const bumped = replaceLiteral(SOURCES, v, "2026.5.0");
  assert.match(bumped, /^ {2}version = "2026\.5\.0";$/m);
  assert.equal(bumped.replace('"2026.5.0"', '"2026.2.0"'), SOURCES);
});

Deno.test("findHash picks the hash of the set that holds the anchor text", () => {
  const src = findHash(
    SOURCES,
    { file: "sources.nix", key: "hash", within: 'rev = "version/' },
    "x",
  );
  const client = findHash(SOURCES, { file: "sources.nix", key: "hash", within: 'rev = "v3.' }, "x");
  assert.equal(src.literal.value, "sha256-uqiHsUotOZER4nI+UjVXmW+R2ssCDlHmuN6rGIPsN9M=");
  assert.equal(client.literal.value, "sha256-qH/TxG8hIgY4+4U1QmdQoCU79wF9fTU+KtHLZ95jovw=");
  assert.equal(client.literal.line, 16);
  const edited = replaceLiteral(SOURCES, client.literal, "sha256-NEW=");
  assert.equal(
    findHash(edited, { file: "s", key: "hash", within: 'rev = "v3.' }, "x").literal.value,
    "sha256-NEW=",
  );
  assert.equal(
    findHash(edited, { file: "s", key: "hash", within: 'rev = "version/' }, "x").literal.value,
    src.literal.value,
  );
});

Deno.test("an ambiguous key names the file and every line it is on", () => {
  assert.throws(
    () => findHash(SOURCES, { file: "sources.nix", key: "hash" }, "x86_64-linux"),
    (e: Error) =>
      e instanceof InputError && /sources\.nix: "hash = \.\.\." is ambiguous/.test(e.message) &&
      /lines 11, 16/.test(e.message),
  );
});

Deno.test("a missing key or anchor names the file", () => {
  assert.throws(
    () => findHash(SOURCES, { file: "sources.nix", key: "vendorHash" }, "x86_64-linux"),
    /sources\.nix: no "vendorHash = \.\.\." assignment found/,
  );
  assert.throws(
    () => findHash(SOURCES, { file: "sources.nix", key: "hash", within: "nowhere" }, "x"),
    /sources\.nix: expected the text "nowhere" exactly once/,
  );
  assert.throws(
    () => findVersion('{ pname = "x"; }', { file: "default.nix", key: "version" }),
    /default\.nix: no "version = \.\.\." assignment found/,
  );
});

Deno.test("a per-system set changes only the builder's system and reports the others", () => {
  const h = findHash(WEBUI, { file: "webui-deps.nix", key: "outputHash" }, "x86_64-linux");
  assert.equal(h.literal.value, "sha256-PFZ1vKiUKRBkKGQGzCJg5tCi4lEoYgljLIpHtTVuAww=");
  assert.deepEqual(h.otherSystems, [{
    system: "aarch64-linux",
    value: "sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=",
  }]);
  const arm = findHash(WEBUI, { file: "webui-deps.nix", key: "outputHash" }, "aarch64-linux");
  assert.equal(arm.literal.value, "sha256-2nDEjUVTGMbSTYm/ZrK8mr9dqzVRdTvkr7Tq+nxgVWg=");
  assert.throws(
    () => findHash(WEBUI, { file: "webui-deps.nix", key: "outputHash" }, "riscv64-linux"),
    /no entry for the builder's system riscv64-linux \(it has: x86_64-linux, aarch64-linux\)/,
  );
});

Deno.test("a hand-set lib.fakeHash is rewritable; a computed value is not", () => {
  const text = `{ vendorHash = lib.fakeHash; outputHash = builtins.readFile ./h; }`;
  const h = findHash(text, { file: "a.nix", key: "vendorHash" }, "x");
  assert.equal(
    replaceLiteral(text, h.literal, "sha256-X="),
    `{ vendorHash = "sha256-X="; outputHash = builtins.readFile ./h; }`,
  );
  assert.throws(
    () => findHash(text, { file: "a.nix", key: "outputHash" }, "x"),
    /a\.nix:1: "outputHash" is neither a hash string nor a per-system set/,
  );
});

Deno.test("an interpolated version is not a literal the bot may rewrite", () => {
  assert.throws(
    () => findVersion('{ version = "${base}.1"; }', { file: "d.nix", key: "version" }),
    /d\.nix:1: "version" is not a plain string literal/,
  );
});

Deno.test("replaceLiteral refuses values that would break out of the string", () => {
  const v = findVersion(SOURCES, { file: "s", key: "version" });
  assert.throws(() => replaceLiteral(SOURCES, v, 'x"; evil = "'), /refusing to write/);
  assert.throws(() => replaceLiteral(SOURCES, v, "${builtins.exec}"), /refusing to write/);
});
