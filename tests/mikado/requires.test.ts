// `requires:` entries read from cards on the branch are untrusted: none may reach outside the clone.
import assert from "node:assert/strict";
import { join } from "node:path";
import { chainGraph } from "../../lib/flow/steps.ts";
import { requiresOf } from "../../lib/mikado/chain.ts";
import { goalCardPath } from "../../lib/mikado/cards.ts";
import { parseConfig } from "../../lib/runtime/config.ts";

const card = (requires: string[]) =>
  `---\ntitle: x\nstatus: active\nrequires:\n${
    requires.map((r) => `  - ${JSON.stringify(r)}`).join("\n")
  }\n---\n\nbody\n`;

Deno.test("a crafted requires: entry is an error naming the card, the field and the entry", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-requires-" });
  try {
    const top = join(root, "clone");
    const config = parseConfig("", "c.yaml");
    const goal = goalCardPath(config);
    await Deno.mkdir(join(top, config.cards_dir), { recursive: true });
    // A card outside the clone that a crafted entry would reach.
    await Deno.writeTextFile(join(root, "outside.md"), card(["deeper"]));
    const depth = config.cards_dir.split("/").length + 1;
    const crafted = [
      `${"../".repeat(depth)}outside`,
      "/etc/passwd",
      "sub/card",
      "..",
      "$(touch x)",
    ];
    for (const entry of crafted) {
      await Deno.writeTextFile(join(top, goal), card(["fine-card", entry]));
      const text = await Deno.readTextFile(join(top, goal));
      assert.throws(
        () => requiresOf(text, goal),
        (e: Error) =>
          e.message.includes(goal) && e.message.includes("requires:") &&
          e.message.includes(JSON.stringify(entry)),
        entry,
      );
      await assert.rejects(chainGraph(top, config), /is not a card name/, entry);
    }
    await Deno.writeTextFile(join(top, goal), card(["fine-card", "other_card.v2"]));
    assert.deepEqual(
      requiresOf(await Deno.readTextFile(join(top, goal)), goal),
      ["fine-card", "other_card.v2"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
