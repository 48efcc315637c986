// The base's history as the pins ask it (lib/pins/history.ts), from git's two listings as text (the
// same answers as git's own questions on a real repository: tests/flow/pins_history.test.ts).
import assert from "node:assert/strict";
import { baseHistory, parseChanges, parseParents } from "../../lib/pins/history.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const M = "d".repeat(40);
const X = "e".repeat(40);

// M merges C (a side branch off A) into B; the first-parent chain is M, B, A.
const CHANGES = `\0${M}\n\ncontainers/app/Dockerfile\n\0${B}\n\ncontainers/other/default.nix\n` +
  `containers/app2/x\n\0${A}\n\ncontainers/app/Dockerfile\nREADME.md\n`;
const PARENTS = `${M} ${B} ${C}\n${C} ${A}\n${B} ${A}\n${A}\n`;

Deno.test("lastChange: the newest first-parent commit touching the directory, not a prefix's", () => {
  const h = baseHistory(parseChanges(CHANGES), parseParents(PARENTS));
  assert.equal(h.lastChange("containers/app"), M);
  assert.equal(h.lastChange("containers/other"), B);
  // containers/app2 is another directory than containers/app.
  assert.equal(h.lastChange("containers/app2"), B);
  assert.equal(h.lastChange("README.md"), A);
  assert.equal(h.lastChange("containers/none"), "");
});

Deno.test("descends: on the base and holding `since`; unknown, ambiguous and odd names are not", () => {
  const h = baseHistory(parseChanges(CHANGES), parseParents(PARENTS));
  assert.equal(h.descends(C.slice(0, 7), A), true, "a merged branch's commit holds its base");
  assert.equal(h.descends(C.slice(0, 7), B), false, "a side branch does not hold B");
  assert.equal(h.descends(M.slice(0, 7), C), true);
  assert.equal(h.descends(A.slice(0, 7), A), true, "itself");
  assert.equal(h.descends(A.slice(0, 7), M), false, "an ancestor does not hold its descendant");
  assert.equal(h.descends(X.slice(0, 7), A), false, "not on the base");
  assert.equal(h.descends("zzzzzzz", A), false);
  assert.equal(h.descends(C.slice(0, 7), ""), false, "no change: nothing holds it");
  const twins = parseParents(`${"f".repeat(39)}1 ${A}\n${"f".repeat(39)}2 ${A}\n${A}\n`);
  assert.equal(baseHistory([], twins).descends("fffffff", A), false, "ambiguous");
});
