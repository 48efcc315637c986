// The committed JSON Schema of upgrade-bot.yaml is the one the zod schema gives (`deno task schema`).
import assert from "node:assert/strict";
import { configJsonSchema } from "../../lib/runtime/config_schema.ts";

Deno.test("upgrade-bot.schema.json is up to date (deno task schema writes it)", async () => {
  const committed = JSON.parse(
    await Deno.readTextFile(new URL("../../upgrade-bot.schema.json", import.meta.url)),
  );
  assert.deepEqual(committed, configJsonSchema());
});
