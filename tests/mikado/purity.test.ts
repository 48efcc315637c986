// lib/mikado/ is the repository's conventions as pure functions: no I/O, nothing of the mechanism.
import assert from "node:assert/strict";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const MIKADO = fileURLToPath(new URL("../../lib/mikado/", import.meta.url));
const LIB = resolve(MIKADO, "..");
/** What the conventions sit above: the harvest's mechanism and the flow that runs it. */
const BELOW = ["harvest", "flow", "commands"];

async function modules(): Promise<{ file: string; text: string }[]> {
  const found = [];
  for await (const entry of Deno.readDir(MIKADO)) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      found.push({ file: entry.name, text: await Deno.readTextFile(join(MIKADO, entry.name)) });
    }
  }
  return found;
}

Deno.test("lib/mikado imports nothing from lib/harvest, lib/flow or lib/commands", async () => {
  const files = await modules();
  assert.ok(files.length >= 5, `only ${files.length} modules found in ${MIKADO}`);
  const offending: string[] = [];
  for (const { file, text } of files) {
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/g)) {
      if (!m[1].startsWith(".")) continue;
      const top = relative(LIB, resolve(MIKADO, m[1])).split("/")[0];
      if (BELOW.includes(top)) offending.push(`${file}: ${m[1]}`);
    }
  }
  assert.deepEqual(offending, []);
});

Deno.test("lib/mikado does no I/O: no Deno API, no file helpers", async () => {
  const offending: string[] = [];
  for (const { file, text } of await modules()) {
    text.split("\n").forEach((line, i) => {
      if (/\bDeno\.|runtime\/(files|git|workspace)\.ts/.test(line)) {
        offending.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(offending, []);
});
