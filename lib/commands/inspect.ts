// `inspect`: what the bot finds in the package, and the config that would say the same.
import { join } from "node:path";
import YAML from "yaml";
import type { PackageSpec } from "../runtime/config.ts";
import type { FoundHash } from "../nix/discover.ts";
import { targetsOf } from "../harvest/expression.ts";
import { loadPackage } from "../flow/read_package.ts";
import { Git } from "../runtime/git.ts";
import type { Invocation } from "./usage.ts";

export async function inspectCommand({ values, packages }: Invocation): Promise<number> {
  const found = await inspect(packages[0], values.repo ?? ".");
  console.log(values.json ? JSON.stringify(found.json) : found.text);
  return 0;
}

/** What the bot finds in the package, and the config that would say the same. */
async function inspect(
  spec: PackageSpec,
  repo: string,
): Promise<{ text: string; json: unknown }> {
  const top = await new Git(repo, { name: "", email: "" }).topLevel();
  const resolved = await loadPackage(spec, join(top, spec.dir));
  const { discovery, pinned } = resolved;
  const harvested = new Set(resolved.hashes.map((h) => `${h.file}\0${h.key}\0${h.index ?? ""}`));
  const rows = discovery.hashes.map((h) => ({
    ...h,
    harvested: harvested.has(`${h.file}\0${h.key}\0${h.index}`),
  }));
  const width = Math.max(...rows.map((h) => h.name.length));
  const where = (file: string, line: number) => `${file}:${line}`;
  const whereWidth = Math.max(...rows.map((h) => where(h.file, h.line).length));
  const lines = [
    `${spec.name} in ${spec.dir}: version ${resolved.current}`,
    "version literals:",
    ...discovery.versions.map((v) => `  ${v.file}:${v.line}  ${v.key} = "${v.value}"`),
    `hash literals (${rows.length}):`,
    ...rows.map((h) =>
      `  ${h.name.padEnd(width)}  ${
        where(h.file, h.line).padEnd(whereWidth)
      }  ${h.key} (${h.kind})` +
      (h.systems.length ? ` per system: ${h.systems.join(", ")}` : "") +
      (h.pinned
        ? "  pinned to a literal rev or URL: left alone"
        : h.harvested
        ? "  reset and harvested on each upgrade"
        : "  not harvested (the config's hashes list leaves it out)")
    ),
    `build: nix-build ${resolved.build.file} (${targetsOf(resolved).join(", ")})`,
    "",
    "# upgrade-bot.yaml that says the same (every key is optional: this is what discovery found)",
    YAML.stringify(reproducingConfig(resolved, discovery.hashes.filter((h) => !h.pinned)))
      .trimEnd(),
  ];
  return {
    text: lines.join("\n"),
    json: {
      package: { name: spec.name, dir: spec.dir },
      version: resolved.current,
      versions: discovery.versions,
      hashes: rows,
      pinned: pinned.map((h) => h.name),
      build: { file: resolved.build.file, targets: targetsOf(resolved) },
    },
  };
}

/** The config keys discovery filled in, with `within` anchors where a key repeats in a file. */
function reproducingConfig(pkg: PackageSpec, hashes: FoundHash[]) {
  return {
    package: { name: pkg.name, dir: pkg.dir },
    version: pkg.version.map((v) => v.file),
    hashes: hashes.map((h) => ({
      name: h.name,
      file: h.file,
      key: h.key,
      ...(h.within ? { within: h.within } : {}),
    })),
    build: {
      file: pkg.build.file,
      ...(pkg.build.verify.length ? { verify: pkg.build.verify } : {}),
    },
  };
}
