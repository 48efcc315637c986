// `inspect`: what the bot finds in the package, and the config that would say the same.
import { join } from "node:path";
import YAML from "yaml";
import type { PackageSpec } from "../runtime/config.ts";
import type { FoundHash } from "../nix/discover.ts";
import { targetsOf } from "../harvest/expression.ts";
import { loadPackage } from "../flow/read_package.ts";
import { Git } from "../runtime/git.ts";
import type { Invocation } from "./invocation.ts";
import { packageEntry, scanCheckout, type ScanKeys } from "../repository/packages.ts";
import { scanLines } from "../repository/scan.ts";

export async function inspectCommand(
  { values, config, settings, packages }: Invocation,
): Promise<number> {
  const repo = values.repo ?? ".";
  // No --package over `packages:`: every package, under the config's shared keys.
  const listing = values.package === undefined && config.packages !== null;
  const shared = {
    forge: settings.forge,
    service_versions: listing ? config.service_versions : packages[0].service_versions,
    flakes: settings.flakes,
    deploy: settings.deploy,
    registries: settings.registries,
    sources: settings.sources,
  };
  const found = listing || (packages[0].kind ?? "nix") !== "nix"
    ? await inspectPackages(shared, packages, repo)
    : await inspect(packages[0], repo);
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

/** Every package of the repository (or of the config's `packages:`, which names, narrows and
 * overrides): one line each, what was left out and why, and the config that says the same. */
async function inspectPackages(
  config: ScanKeys,
  specs: PackageSpec[],
  repo: string,
): Promise<{ text: string; json: unknown }> {
  const top = await new Git(repo, { name: "", email: "" }).topLevel();
  const scan = await scanCheckout(config, top);
  // What the config says wins: its packages, their kinds and mirrors.
  const packages = specs.map((spec) => {
    // Applications share their directory (one package per mirror), images too (one per image).
    const found = scan.packages.find((p) =>
      p.dir === spec.dir &&
      (p.kind !== "application" || p.mirrors[0].repo === spec.mirrors[0]?.repo) &&
      (p.kind !== "image" || p.image?.name === spec.image?.name)
    );
    return {
      name: spec.name,
      dir: spec.dir,
      kind: spec.kind ?? found?.kind ?? "nix",
      version: found?.version ?? "?",
      mirrors: spec.mirrors,
      service: found?.service ?? { name: spec.name, by: "name" as const },
      hashes: found?.hashes ?? [],
      ...(spec.applications ? { applications: spec.applications, drift: found?.drift } : {}),
      ...(spec.image ? { image: { ...spec.image, tag: found?.image?.tag } } : {}),
      ...(spec.source ? { source: spec.source } : {}),
    };
  });
  const shown = { packages, unresolved: scan.unresolved, unwatched: scan.unwatched };
  const yaml = {
    packages: packages.map((p) => {
      // The version and an image's tag are the scan's, never a config file's.
      const { version: _version, image, ...spec } = packageEntry(p, config);
      if (!image) return spec;
      const { tag: _tag, ...named } = image;
      return { ...spec, image: named };
    }),
  };
  return {
    text: [
      `${packages.length} package${packages.length === 1 ? "" : "s"} in ${top}:`,
      ...scanLines(shown).map((l) => `  ${l}`),
      "",
      "# upgrade-bot.yaml that says the same (with no packages configured, discovery finds these)",
      YAML.stringify(yaml).trimEnd(),
    ].join("\n"),
    json: shown,
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
