import assert from "node:assert/strict";
import {
  movedComment,
  movedMarker,
  movedTags,
  parseRecord,
  recordLines,
} from "../../lib/mikado/tagrecord.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

Deno.test("the record round-trips through the body; malformed lines are left out", () => {
  const record = [
    { repo: "mirrors/authentik", tag: "version/2026.5.1", commit: A },
    { repo: "mirrors/authentik-client-go", tag: "v3.2026.5.1", commit: B },
  ];
  const body = ["text", ...recordLines(record), "more"].join("\n");
  assert.deepEqual(parseRecord(body), record);
  for (
    const bad of [
      `<!-- upgrade-bot: harvested mirrors/a version/1 ${A.slice(1)} -->`,
      `<!-- upgrade-bot: harvested ../x version/1 ${A} -->`,
      `<!-- upgrade-bot: harvested mirrors/a -rf ${A} -->`,
      `<!-- upgrade-bot: harvested mirrors/a version/1 ${A} --> trailing`,
    ]
  ) {
    assert.deepEqual(parseRecord(bad), [], bad);
  }
});

Deno.test("a moved tag is one whose commit differs; a missing one is not a move", () => {
  const record = [
    { repo: "mirrors/authentik", tag: "version/2026.5.1", commit: A },
    { repo: "mirrors/authentik-client-go", tag: "v3.2026.5.1", commit: B },
  ];
  const now = new Map([["mirrors/authentik version/2026.5.1", C]]);
  const moved = movedTags(record, (repo, tag) => now.get(`${repo} ${tag}`) ?? null);
  assert.deepEqual(moved, [{ ...record[0], now: C }]);
  assert.deepEqual(movedTags(record, (_r, t) => (t.startsWith("v3") ? B : A)), []);
  const comment = movedComment(moved);
  assert.ok(comment.includes(`\`version/2026.5.1\`: was \`${A}\`, now \`${C}\``), comment);
  assert.ok(comment.includes("/rebuild"));
  assert.ok(comment.includes(movedMarker(moved[0])));
});
