// Review: the lines of the cards that still name the old version.
import assert from "node:assert/strict";
import { versionMentions } from "../../lib/mikado/review.ts";
import { buildCard } from "../support/fixture.ts";

// The fixture's overview card, at 2026.2.0.
const BUILD_CARD = buildCard("2026.2.0");

Deno.test("versionMentions: whole version tokens only, with line numbers", () => {
  const text = [
    "authentik 2026.2.0 is built from source", // 1: yes
    "client-go tag v3.2026.2.0", // 2: yes
    "upgraded to 2026.2.0.", // 3: yes, end of a sentence
    'version = "2026.2.0";', // 4: yes
    "2026.2.01 is another version", // 5
    "12026.2.0 too", // 6
    "2026.2.0.1 and 2026.2.0-rc1 and 2026.2.0a1", // 7
    "2026x2y0 is not a version", // 8: dots are literal
    "", // 9
    "and at the end 2026.2.0", // 10: yes
  ].join("\n");
  const found = versionMentions(
    [{ path: "docs/a.md", text }, { path: "b.md", text: "none\r\n" }],
    "2026.2.0",
  );
  assert.deepEqual(found.map((m) => m.line), [1, 2, 3, 4, 10]);
  assert.deepEqual(found[0], {
    path: "docs/a.md",
    line: 1,
    text: "authentik 2026.2.0 is built from source",
  });
  assert.deepEqual(
    versionMentions([{ path: "c.md", text: BUILD_CARD }], "2026.2.0"),
    [{
      path: "c.md",
      line: 12,
      text: "authentik 2026.2.0 is built from source with plain Nix files in",
    }],
  );
});
