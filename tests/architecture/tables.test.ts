// The tables a new source or kind joins: every source object a module of lib/sources/ exports is in the table of sources under its own kind, and every kind of the config has its definition.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SOURCES } from "../../lib/sources/source.ts";
import { KINDS } from "../../lib/flow/kinds.ts";
import { configJsonSchema } from "../../lib/runtime/config_schema.ts";

const SOURCES_DIR = fileURLToPath(new URL("../../lib/sources/", import.meta.url));

/** A module's exports that are source objects (a kind, a label, versions). */
function sourceObjects(module: Record<string, unknown>): [string, unknown][] {
  return Object.entries(module).filter(([, v]) =>
    typeof v === "object" && v !== null && typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { label?: unknown }).label === "function" &&
    typeof (v as { versions?: unknown }).versions === "function"
  );
}

Deno.test("every source module's object is in the table of sources, under its kind", async () => {
  const registered = new Set<unknown>(Object.values(SOURCES));
  let found = 0;
  for await (const e of Deno.readDir(SOURCES_DIR)) {
    if (!e.isFile || !e.name.endsWith(".ts")) continue;
    const module = await import(new URL(e.name, `file://${SOURCES_DIR}`).href);
    for (const [name, object] of sourceObjects(module)) {
      found++;
      assert.ok(registered.has(object), `lib/sources/${e.name}: ${name} is not in SOURCES`);
    }
  }
  assert.equal(found, Object.keys(SOURCES).length, "every table entry is a module's object");
  for (const [kind, source] of Object.entries(SOURCES)) assert.equal(source.kind, kind);
});

Deno.test("every kind of package and of source the config takes has its definition", () => {
  // deno-lint-ignore no-explicit-any
  const entry = (configJsonSchema() as any).properties.packages.items.properties;
  assert.deepEqual([...entry.kind.enum].sort(), Object.keys(KINDS).sort());
  const sources = entry.source.oneOf.map((o: { properties: { kind: { const: string } } }) =>
    o.properties.kind.const
  );
  assert.deepEqual(sources.sort(), Object.keys(SOURCES).sort());
});
