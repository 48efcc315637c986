// The table of package kinds on strings: the version each kind's pull request title names, what /upgrade naming none runs, which kinds the bot follows through and upgrades locally.
import assert from "node:assert/strict";
import { kindOf, KINDS } from "../../lib/flow/kinds.ts";
import { dockerTitle } from "../../lib/docker/pull_text.ts";
import { flakeTitle } from "../../lib/flake/pull_text.ts";

Deno.test("each kind reads the version its own pull request's title names, none it cannot order", () => {
  const c2 = "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0";
  const c1 = dockerTitle({ package: "transmission", from: "4.1.1-r2", to: "4.1.1-r10" });
  // A package with no kind is a Nix package, titled as C2 cards.
  assert.equal(kindOf({}).pullVersion(c2), "2026.5.0");
  assert.equal(kindOf({}).pullVersion(c1), null);
  for (const kind of ["dockerfile", "image", "application"] as const) {
    assert.equal(KINDS[kind].pullVersion(c1), "4.1.1-r10", kind);
    assert.equal(KINDS[kind].pullVersion(c2), null, kind);
    assert.equal(KINDS[kind].pullVersion("Upgrade x from 1.0.0 to latest"), null, kind);
  }
  for (const kind of ["dockerfile", "application"] as const) {
    assert.equal(KINDS[kind].pullVersion("Upgrade x from 1.0.0 to 2026.5"), null, kind);
  }
  // An image's title writes the versions as its tags do: a two-part tag's 18.4 is the bot's 18.4.0.
  assert.equal(KINDS.image.pullVersion("Upgrade blumeops-pg from 18.3 to 18.4"), "18.4.0");
  // A flake's title names its directory, no version.
  assert.equal(KINDS.flake.pullVersion(flakeTitle({ dir: "nixos", failure: null })), null);
});

Deno.test("only a Nix package is followed through and upgraded locally; a flake's /upgrade runs now", () => {
  const kinds = Object.entries(KINDS);
  assert.deepEqual(kinds.filter(([, k]) => k.followsThrough).map(([n]) => n), ["nix"]);
  assert.deepEqual(kinds.filter(([, k]) => k.upgradesLocally).map(([n]) => n), ["nix"]);
  assert.deepEqual(kinds.filter(([, k]) => !k.releases).map(([n]) => n), ["flake"]);
  assert.equal(KINDS.flake.upgradeNow?.(), new Date().toISOString().slice(0, 10));
  assert.equal(KINDS.image.upgradeNow, undefined);
  // What `upgrade` says it refuses: each kind in words of its own.
  assert.equal(new Set(kinds.map(([, k]) => k.is)).size, kinds.length);
});
