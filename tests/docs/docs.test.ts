// The docs kept together with the code: every config key of the schema is in
// docs/configuration.md, the README's synopsis is what --help prints, its config examples parse,
// and every relative link in README.md and docs/ reaches a file (and a heading) that exists.

import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { configJsonSchema } from "../../lib/runtime/config_schema.ts";
import { parseConfig } from "../../lib/runtime/config.ts";
import { helpText } from "../../lib/commands/usage.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => Deno.readTextFileSync(join(ROOT, path));
const DOCS = [
  "README.md",
  ...[...Deno.readDirSync(join(ROOT, "docs"))].filter((e) => e.name.endsWith(".md"))
    .map((e) => `docs/${e.name}`).sort(),
];

type Schema = {
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** Every key the schema allows, as a path: `build.max_jobs`, `hashes[].within`. */
function keyPaths(schema: Schema, prefix = ""): string[] {
  const paths: string[] = [];
  for (const choice of [...schema.anyOf ?? [], ...schema.oneOf ?? [], ...schema.allOf ?? []]) {
    paths.push(...keyPaths(choice, prefix));
  }
  if (schema.items) paths.push(...keyPaths(schema.items, `${prefix}[]`));
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    paths.push(path, ...keyPaths(value, path));
  }
  return [...new Set(paths)];
}

/** The fenced code blocks of a markdown text, with the heading each comes under. */
function fences(markdown: string): { heading: string; info: string; body: string }[] {
  const blocks = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (/^#+ /.test(lines[i])) heading = lines[i].replace(/^#+ /, "");
    const open = /^```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf("```", i + 1);
    blocks.push({ heading, info: open[1], body: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/** The anchor a heading gets on the forge (GitHub's and Forgejo's rule). */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").trim().replace(/\s/g, "-");
}

Deno.test("every key of the config schema is in docs/configuration.md", () => {
  const text = read("docs/configuration.md");
  const paths = keyPaths(configJsonSchema() as Schema);
  assert.ok(
    paths.includes("build.max_jobs") && paths.includes("packages[].mirrors[].tag"),
    "walked",
  );
  const missing = paths.filter((p) => !text.includes(`\`${p}\``));
  assert.deepEqual(missing, [], `keys not documented (as \`key\`) in docs/configuration.md`);
});

Deno.test("the README's synopsis is the synopsis --help prints", () => {
  const synopsis = (text: string) =>
    text.split("\n").map((l) => l.trim()).filter((l) => /^deno .*bot\.ts/.test(l));
  const block = fences(read("README.md")).find((f) => f.heading === "Commands");
  assert.ok(block, "README.md has a fenced block under ## Commands");
  const help = synopsis(helpText());
  assert.ok(help.length >= 5, "--help has a synopsis line per command");
  assert.deepEqual(block.body.split("\n"), help);
});

Deno.test("the README is at most 150 lines, and its config examples and the reference parse", () => {
  assert.ok(read("README.md").split("\n").length <= 151, "README.md is at most 150 lines");
  for (const doc of ["README.md", "docs/configuration.md"]) {
    const yaml = fences(read(doc)).filter((f) => f.info === "yaml");
    assert.ok(yaml.length > 0, `${doc} has a config example`);
    for (const f of yaml) parseConfig(f.body, `${doc} (under "${f.heading}")`);
  }
});

Deno.test("every relative link in README.md and docs/ reaches a file and heading that exist", () => {
  const broken: string[] = [];
  for (const doc of DOCS) {
    const text = read(doc);
    for (const [, bracketed, bare] of text.matchAll(/\]\((?:<([^>]+)>|([^)\s]+))\)/g)) {
      const target = bracketed ?? bare;
      if (/^[a-z]+:/.test(target)) continue;
      const [file, fragment] = target.split("#");
      const path = file ? relative(ROOT, join(ROOT, dirname(doc), file)) : doc;
      let exists = true;
      try {
        Deno.statSync(join(ROOT, path));
      } catch {
        exists = false;
      }
      if (!exists) broken.push(`${doc}: ${target} (no ${path})`);
      else if (fragment !== undefined && path.endsWith(".md")) {
        const headings = read(path).split("\n").filter((l) => /^#+ /.test(l))
          .map((l) => anchor(l.replace(/^#+ /, "")));
        if (!headings.includes(fragment)) broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
