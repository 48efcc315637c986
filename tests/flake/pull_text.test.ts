import assert from "node:assert/strict";
import {
  flakeBody,
  flakeChangelog,
  type FlakeFacts,
  flakeTitle,
} from "../../lib/flake/pull_text.ts";
import type { ClosureChange } from "../../lib/flake/closures.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);

function facts(over: Partial<FlakeFacts> = {}): FlakeFacts {
  return {
    package: "ringtail-flake",
    dir: "nixos/ringtail",
    lockFile: "nixos/ringtail/flake.lock",
    moved: [{
      name: "nixpkgs",
      source: "github:NixOS/nixpkgs",
      ref: "nixos-25.11",
      from: A,
      to: B,
      commits: 412,
      compare: `https://github.com/NixOS/nixpkgs/compare/${A}...${B}`,
      fromDate: "2026-03-04",
      toDate: "2026-03-11",
    }],
    kept: [{ name: "tools", why: "pinned to a revision in flake.nix" }],
    newerBranches: [{ name: "nixpkgs", ref: "nixos-25.11", newer: "nixos-26.05" }],
    outputs: [{
      attr: "nixosConfigurations.ringtail.config.system.build.toplevel",
      changes: [
        { name: "forgejo-runner", from: ["12.6.4"], to: ["12.7.0"], kib: 310.2 },
        { name: "linux", from: ["6.12.1"], to: ["6.12.4"], kib: -1200.5 },
        { name: "tiny", from: [], to: ["1"], kib: null },
      ],
      sizeBefore: 3 * 1024 ** 3,
      sizeAfter: 3 * 1024 ** 3 - 900 * 1024,
    }],
    failure: null,
    services: [{
      service: "nix-container-builder",
      pkg: "forgejo-runner",
      from: "12.6.4",
      to: "12.7.0",
    }],
    builder: "ssh://ringtail",
    buildSeconds: 312.5,
    maxLines: 30,
    ...over,
  };
}

Deno.test("the body: each input's revisions, compare link and count; the closure, largest first", () => {
  const body = flakeBody(facts());
  assert.ok(
    body.includes(
      `| \`nixpkgs\` | \`nixos-25.11\` | \`aaaaaaaaaaaa\` (2026-03-04) | \`bbbbbbbbbbbb\` (2026-03-11) | ` +
        `[412 commits](<https://github.com/NixOS/nixpkgs/compare/${A}...${B}>) |`,
    ),
    body,
  );
  assert.match(
    body,
    /closure 3\.0 GiB -> 3\.0 GiB \(-900\.0 KiB\); 1 added, 0 removed, 2 changed\./,
  );
  const rows = body.split("\n").filter((l) => /^\| `(linux|forgejo-runner|tiny)`/.test(l));
  assert.deepEqual(rows, [
    "| `linux` | changed | `6.12.1` | `6.12.4` | -1200.5 KiB |",
    "| `forgejo-runner` | changed | `12.6.4` | `12.7.0` | +310.2 KiB |",
    "| `tiny` | added | ∅ | `1` |  |",
  ]);
  assert.match(body, /- `tools` not moved: pinned to a revision in flake\.nix\./);
  assert.match(
    body,
    /a newer release branch `nixos-26\.05` exists\. Moving to it is a person's change/,
  );
  assert.equal(flakeTitle(facts()), "Update ringtail flake inputs");
  assert.equal(
    flakeChangelog(facts()),
    "Update ringtail flake inputs (nixpkgs bbbbbbb); nix-container-builder 12.7.0.\n",
  );
  // Last week's entry, merged and not released yet, stays; this week's is not written twice.
  const earlier = "Update ringtail flake inputs (nixpkgs aaaaaaa).\n";
  const both = flakeChangelog(facts(), earlier);
  assert.equal(
    both,
    "Update ringtail flake inputs (nixpkgs aaaaaaa).\n" +
      "Update ringtail flake inputs (nixpkgs bbbbbbb); nix-container-builder 12.7.0.\n",
  );
  assert.equal(flakeChangelog(facts(), both), both);
});

Deno.test("past the limit, the smaller changes are folded", () => {
  const changes: ClosureChange[] = Array.from({ length: 12 }, (_, i) => ({
    name: `pkg${i}`,
    from: ["1"],
    to: ["2"],
    kib: i * 10,
  }));
  const f = facts();
  const body = flakeBody({ ...f, maxLines: 5, outputs: [{ ...f.outputs[0], changes }] });
  const [shown, folded] = body.split("<details><summary>7 more</summary>");
  assert.ok(folded, body);
  assert.ok(shown.includes("`pkg11`") && !shown.includes("`pkg6`"));
  assert.ok(folded.includes("`pkg6`") && folded.includes("`pkg0`"));
  assert.match(folded, /<\/details>/);
});

Deno.test("upstream's words stay inside code: no link, no HTML, no table cell escapes", () => {
  const hostile = facts({
    newerBranches: [{ name: "nixpkgs", ref: "x`](https://evil)", newer: "<img src=x>" }],
    outputs: [{
      attr: "a",
      changes: [{ name: "p", from: ["1|2"], to: ["[@you](https://evil)"], kib: 1 }],
      sizeBefore: 1,
      sizeAfter: 2,
    }],
  });
  const body = flakeBody(hostile);
  assert.ok(body.includes("``x`](https://evil)``"), body);
  assert.ok(body.includes("`<img src=x>`"));
  assert.ok(body.includes("| `p` | changed | `1\\|2` | `[@you](https://evil)` |"), body);
});

Deno.test("a failed build: a draft naming the derivation, its log's tail in a block", () => {
  const f = facts({
    failure: {
      attr: "nixosConfigurations.ringtail.config.system.build.toplevel",
      when: "after",
      drv: "/nix/store/0000000000000000000000000000000a-broken-1.0.drv",
      message: "builder for '...broken-1.0.drv' failed with exit code 1",
      logTail: ["upstream broke ``` this", "exit 1"],
    },
    outputs: [{ attr: "x", changes: null, sizeBefore: null, sizeAfter: null }],
  });
  assert.equal(flakeTitle(f), "WIP: Update ringtail flake inputs");
  const body = flakeBody(f);
  assert.match(body, /\*\*The build after the update failed\*\*/);
  assert.match(body, /Failing derivation: `\/nix\/store\/0+a-broken-1\.0\.drv`/);
  assert.match(body, /```text\nupstream broke `\u200b`\u200b` this\nexit 1\n```/);
  assert.match(body, /Not compared: a build failed\./);
});
