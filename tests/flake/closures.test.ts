import assert from "node:assert/strict";
import {
  countKinds,
  largestFirst,
  movedVersion,
  parseDiffClosures,
  sizeText,
} from "../../lib/flake/closures.ts";

// As Nix 2.8 prints it (colours included when it thinks it may).
const OUTPUT = [
  "acpi-call: 2020-04-07-5.8.16 → 2020-04-07-5.8.18",
  "bluez-qt: \x1b[31;1m+12.6 KiB\x1b[0m",
  "dolphin: 20.08.1 → 20.08.2, \x1b[31;1m+13.9 KiB\x1b[0m",
  "kdeconnect: 20.08.2 → ∅, \x1b[32;1m-6597.8 KiB\x1b[0m",
  "kdeconnect-kde: ∅ → 20.08.2, +6599.7 KiB",
  "python3.11-foo: 1.0, 2.0 → 2.1, ε, +1.0 KiB",
  "warning: Git tree '/x' is dirty",
  "",
].join("\n");

Deno.test("diff-closures: added, removed, changed with versions and sizes", () => {
  const changes = parseDiffClosures(OUTPUT);
  assert.deepEqual(changes, [
    { name: "acpi-call", from: ["2020-04-07-5.8.16"], to: ["2020-04-07-5.8.18"], kib: null },
    { name: "bluez-qt", from: [], to: [], kib: 12.6 },
    { name: "dolphin", from: ["20.08.1"], to: ["20.08.2"], kib: 13.9 },
    { name: "kdeconnect", from: ["20.08.2"], to: [], kib: -6597.8 },
    { name: "kdeconnect-kde", from: [], to: ["20.08.2"], kib: 6599.7 },
    { name: "python3.11-foo", from: ["1.0", "2.0"], to: ["2.1", ""], kib: 1.0 },
  ]);
  assert.deepEqual(countKinds(changes), { added: 1, removed: 1, changed: 4 });
  assert.deepEqual(largestFirst(changes).map((c) => c.name).slice(0, 3), [
    "kdeconnect-kde",
    "kdeconnect",
    "dolphin",
  ]);
  assert.equal(movedVersion(changes, "dolphin"), "20.08.2");
  assert.equal(movedVersion(changes, "bluez-qt"), null);
  assert.equal(movedVersion(changes, "kdeconnect"), null);
  assert.equal(movedVersion(changes, "absent"), null);
});

Deno.test("a name that is not a store path's is not read as a package", () => {
  assert.deepEqual(parseDiffClosures("<b>x</b>: 1 → 2\n`a`: 1 → 2\n"), []);
});

Deno.test("sizes as people read them", () => {
  assert.equal(sizeText(1536), "+1.5 KiB");
  assert.equal(sizeText(-3 * 1024 * 1024), "-3.0 MiB");
  assert.equal(sizeText(2 * 1024 ** 3), "+2.0 GiB");
});
