import assert from "node:assert/strict";
import {
  compareUrl,
  lockDate,
  movedInputs,
  newerBranch,
  parseFlakeLock,
  updatableInputs,
  updateProblems,
} from "../../lib/flake/lock.ts";
import { InputError } from "../../lib/runtime/errors.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

/** A lock in the shape of the repository's nixos/ringtail/flake.lock (three inputs, two following
 * nixpkgs), with `extra` root inputs added. */
function ringtailLock(
  revs: { nixpkgs: string; disko: string; hm: string },
  extra: Record<string, unknown> = {},
): string {
  const node = (repo: string, owner: string, rev: string, ref?: string, follows = true) => ({
    ...(follows ? { inputs: { nixpkgs: ["nixpkgs"] } } : {}),
    locked: { lastModified: 1772598333, narHash: "sha256-x", owner, repo, rev, type: "github" },
    original: { owner, ...(ref ? { ref } : {}), repo, type: "github" },
  });
  return JSON.stringify({
    nodes: {
      disko: node("disko", "nix-community", revs.disko),
      "home-manager": node("home-manager", "nix-community", revs.hm, "release-25.11"),
      nixpkgs: node("nixpkgs", "NixOS", revs.nixpkgs, "nixos-25.11", false),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v])),
      root: {
        inputs: {
          disko: "disko",
          "home-manager": "home-manager",
          nixpkgs: "nixpkgs",
          ...Object.fromEntries(Object.keys(extra).map((k) => [k, k])),
        },
      },
    },
    root: "root",
    version: 7,
  });
}

Deno.test("the ringtail lock: three inputs, the branch each follows, none pinned", () => {
  const lock = parseFlakeLock(ringtailLock({ nixpkgs: A, disko: B, hm: C }), "f.lock");
  assert.deepEqual(
    lock.inputs.map((i) => [i.name, i.source, i.ref, i.pinned, i.rev]),
    [
      ["disko", "github:nix-community/disko", null, false, B],
      ["home-manager", "github:nix-community/home-manager", "release-25.11", false, C],
      ["nixpkgs", "github:NixOS/nixpkgs", "nixos-25.11", false, A],
    ],
  );
  assert.equal(lockDate(lock), "2026-03-04");
});

Deno.test("a root input that follows another is never updated apart; a pinned one stays", () => {
  const pinned = {
    locked: { lastModified: 1, rev: A, type: "github", owner: "o", repo: "tools" },
    original: { owner: "o", repo: "tools", rev: A, type: "github" },
  };
  const text = JSON.parse(ringtailLock({ nixpkgs: A, disko: B, hm: C }, { tools: pinned }));
  text.nodes.root.inputs.pkgs = ["nixpkgs"];
  const lock = parseFlakeLock(JSON.stringify(text), "f.lock");
  assert.deepEqual(updatableInputs(lock, []), ["disko", "home-manager", "nixpkgs"]);
  assert.deepEqual(updatableInputs(lock, ["nixpkgs"]), ["nixpkgs"]);
  assert.throws(() => updatableInputs(lock, ["pkgs"]), /pkgs follows nixpkgs: it moves with/);
  assert.throws(() => updatableInputs(lock, ["tools"]), /tools is pinned to a revision/);
  assert.throws(() => updatableInputs(lock, ["nope"]), InputError);
  // An update that moved the pinned input or changed a branch is refused.
  const moved = JSON.parse(JSON.stringify(text));
  moved.nodes.tools.locked.rev = B;
  moved.nodes.nixpkgs.original.ref = "nixos-26.05";
  assert.deepEqual(updateProblems(lock, parseFlakeLock(JSON.stringify(moved), "f.lock")), [
    "input nixpkgs moved from github:NixOS/nixpkgs nixos-25.11 to github:NixOS/nixpkgs nixos-26.05",
    "input tools is pinned but moved",
  ]);
});

Deno.test("what an update moved: revisions, compare links, counts from revCount", () => {
  const before = parseFlakeLock(ringtailLock({ nixpkgs: A, disko: B, hm: C }), "f.lock");
  const after = parseFlakeLock(ringtailLock({ nixpkgs: B, disko: B, hm: A }), "f.lock");
  const moved = movedInputs(before, after);
  assert.deepEqual(moved.map((m) => [m.name, m.from, m.to, m.commits, m.compare]), [
    [
      "home-manager",
      C,
      A,
      null,
      `https://github.com/nix-community/home-manager/compare/${C}...${A}`,
    ],
    ["nixpkgs", A, B, null, `https://github.com/NixOS/nixpkgs/compare/${A}...${B}`],
  ]);
  const git = (rev: string, revCount: number) =>
    parseFlakeLock(
      JSON.stringify({
        nodes: {
          x: {
            locked: { rev, revCount, type: "git", url: "https://u:secret@forge.example/m/x.git" },
            original: { type: "git", url: "https://u:secret@forge.example/m/x.git" },
          },
          root: { inputs: { x: "x" } },
        },
        root: "root",
        version: 7,
      }),
      "g.lock",
    );
  const [m] = movedInputs(git(A, 10), git(B, 14));
  assert.equal(m.commits, 4);
  // The address's credentials never reach the link.
  assert.equal(m.compare, `https://forge.example/m/x/compare/${A}...${B}`);
  assert.equal(compareUrl(git(A, 1).inputs[0], A, B)?.includes("secret"), false);
});

Deno.test("a newer release branch is named, never taken", () => {
  const heads = ["master", "nixos-25.05", "nixos-25.11", "nixos-26.05", "nixos-unstable"];
  assert.equal(newerBranch("nixos-25.11", heads), "nixos-26.05");
  assert.equal(newerBranch("nixos-26.05", heads), null);
  assert.equal(newerBranch("release-25.11", ["release-26.05", "nixos-26.11"]), "release-26.05");
  assert.equal(newerBranch(null, heads), null);
  assert.equal(newerBranch("nixos-unstable", heads), null);
});

Deno.test("a hostile or broken lock: a clear error naming the file", () => {
  assert.throws(
    () => parseFlakeLock("{", "nixos/x/flake.lock"),
    /nixos\/x\/flake.lock: not valid JSON/,
  );
  assert.throws(
    () => parseFlakeLock(JSON.stringify({ version: 99, nodes: {} }), "f.lock"),
    /f.lock: version 99/,
  );
  const text = JSON.parse(ringtailLock({ nixpkgs: A, disko: B, hm: C }));
  text.nodes.nixpkgs.locked.rev = "$(rm -rf /)";
  assert.throws(
    () => parseFlakeLock(JSON.stringify(text), "f.lock"),
    /nixpkgs: locked rev is not a commit/,
  );
  text.nodes.nixpkgs.locked.rev = A;
  text.nodes.nixpkgs.original.ref = "nixos-25.11\n| injected |";
  assert.throws(
    () => parseFlakeLock(JSON.stringify(text), "f.lock"),
    /original.ref is not a one-line value/,
  );
  const badName = JSON.parse(ringtailLock({ nixpkgs: A, disko: B, hm: C }));
  badName.nodes.root.inputs["<img>"] = "nixpkgs";
  assert.throws(
    () => parseFlakeLock(JSON.stringify(badName), "f.lock"),
    /is not a flake input name/,
  );
});
