// The import graph of bot.ts and lib/ has no circle: read from the source files (every import, type-only and dynamic ones included).
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every relative module a source text imports or re-exports: `import ... from`, `export ...
 * from`, `import "..."` and `import("...")` with a literal. Comments are dropped first, so a
 * module named in one is no edge. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) if (m[1].startsWith(".")) found.add(m[1]);
  }
  return [...found];
}

/** The graph of bot.ts and every module of lib/, by path relative to the project. */
async function sourceGraph(): Promise<Map<string, string[]>> {
  const files = ["bot.ts"];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(join(ROOT, dir))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile && e.name.endsWith(".ts")) files.push(path);
    }
  };
  await walk("lib");
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await Deno.readTextFile(join(ROOT, file));
    graph.set(
      file,
      importsOf(text).map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec))),
    );
  }
  return graph;
}

/** The circles of a graph: its strongly connected components of more than one module (or one
 * that imports itself), each sorted (Tarjan's algorithm). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

Deno.test("every kind of import is read: static, type-only, re-exports, dynamic; not comments", () => {
  const text = `// imports "./commented.ts" in a comment: import("./comment.ts")
import { a } from "./a.ts";
import type {
  B,
} from "../b.ts";
export { c } from "./c.ts";
export type { D } from "./d.ts";
import "./e.ts";
/* import { f } from "./f.ts"; */
const g = () => import("./g.ts");
import { z } from "zod";
const url = "https://example.org/x.ts"; // not an import`;
  assert.deepEqual(importsOf(text).sort(), [
    "../b.ts",
    "./a.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./g.ts",
  ]);
});

Deno.test("a circle is found, through any number of modules", () => {
  const graph = new Map([
    ["a", ["b"]],
    ["b", ["c", "d"]],
    ["c", ["a"]],
    ["d", ["e"]],
    ["e", []],
    ["f", ["f"]],
  ]);
  assert.deepEqual(circles(graph), [["a", "b", "c"], ["f"]]);
});

Deno.test("bot.ts and lib/ import in no circle", async () => {
  const graph = await sourceGraph();
  assert.ok(graph.size > 50, `only ${graph.size} modules read under ${ROOT}lib`);
  // The reading sees the graph as it is: bot.ts's table, and the table's loaders of the commands.
  assert.ok(graph.get("bot.ts")!.includes("lib/commands/usage.ts"));
  assert.ok(graph.get("lib/commands/usage.ts")!.includes("lib/commands/run.ts"));
  for (const [file, imports] of graph) {
    for (const target of imports) {
      assert.ok(graph.has(target), `${file} imports ${target}: no such module`);
    }
  }
  assert.deepEqual(circles(graph), []);
});
