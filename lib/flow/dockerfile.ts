// A Dockerfile package in the cron run: its version ARG moved as a C1 pull request (lib/flow/bump_pull.ts).
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge } from "../platform/forge.ts";
import { parseVersion, tagFor } from "../nix/versions.ts";
import { discoverDockerfile, setDockerfileVersion } from "../docker/dockerfile.ts";
import { dockerBody, dockerChangelog, type DockerFacts, dockerTitle } from "../docker/pull_text.ts";
import { dockerChangelogPath, SITE_FORGE_URL } from "../site/defaults.ts";
import { InputError } from "../runtime/errors.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import type { RunShared } from "./context.ts";
import type { Report } from "./report.ts";
import { versionOnForge } from "./read_package.ts";
import { moveServiceRecord, runBumpPull } from "./bump_pull.ts";
import { type Found, nothingFound } from "./releases.ts";
import type { Pull } from "../platform/forge.ts";
import { type ArgSource, newerThan, sourceLabel, sourcePage } from "../sources/source.ts";
import type { Listed } from "../sources/datasource.ts";

/** `run` for a Dockerfile package: the ARG, service-versions.yaml and a changelog fragment in one
 * commit on its own branch, as runBumpPull finds the release. */
export function runDockerfile(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
): Promise<Report> {
  // The source as its answer settles it (a GitHub tag template), for the pull request's link.
  let source = spec.source;
  return runBumpPull(settings, spec, forge, forced, shared, {
    // The repository's workflow builds the image, not the bot.
    builder: "none: the repository's workflow builds the image",
    current: () => versionOnForge(shared.files, settings, spec),
    // No forge mirror has its versions: the source the Dockerfile shows (or the config names).
    ...(spec.source
      ? {
        releases: async (current, open, titleTo) => {
          if (!shared.sources) {
            return nothingFound(`${spec.name}: the ARG's sources are off (sources: null)`);
          }
          // One request to the source (lib/sources/client.ts).
          const read = await shared.sources.versions(spec.source!, current);
          source = read.source;
          return fromSource(settings, spec, read, forced, current, open, titleTo);
        },
      }
      : {}),
    edit: async (work, to, branch) => {
      const dockerfile = join(spec.dir, "Dockerfile");
      const before = await Deno.readTextFile(join(work, dockerfile));
      const declared = discoverDockerfile(before, [settings.forge.url, SITE_FORGE_URL]);
      if (!declared) throw new InputError(`${dockerfile}: no ARG with the version`);
      const from = parseVersion(
        declared.version,
        `${dockerfile}:${declared.line}: the version ARG`,
      );
      const after = setDockerfileVersion(before, to, dockerfile);
      // The ARG is what the image builds from: a bump that leaves it never commits the rest.
      if (after === before) {
        throw new InputError(`${dockerfile}: moving the version ARG to ${to} changed nothing`);
      }
      await writeFileAtomic(join(work, dockerfile), after);
      const records = await editRecords(spec, source, work, branch, declared, to, forge);
      return {
        from,
        files: [dockerfile, records.servicesFile, records.changelog],
        subject: dockerTitle(records),
        body: (upstream) => dockerBody({ ...records, upstream }, settings.deploy !== null),
      };
    },
  });
}

/** The newest of the versions the source lists above `current`, or why there is none;
 * `forced`: this one, which the source must list. */
function fromSource(
  settings: Settings,
  spec: PackageSpec,
  { versions, source }: Listed,
  forced: string | undefined,
  current: string,
  open: Pull | null,
  titleTo: string | null,
): Found {
  const newer = newerThan(versions, current, settings.prereleases);
  const found = nothingFound("");
  found.newest = newer[0] ?? null;
  const to = forced ?? newer[0];
  if (forced && !newer.includes(forced)) {
    throw new InputError(
      `--version ${forced}: the ${sourceLabel(source)} lists no such newer version`,
    );
  }
  if (to === undefined) {
    return {
      ...found,
      message: `${spec.name} ${current} is the newest in the ${sourceLabel(source)}: nothing to do`,
    };
  }
  if (titleTo === to && !forced) {
    return { ...found, message: `${spec.name} ${to}: its pull request is open already` };
  }
  return { ...found, target: { version: to, open, tags: [] } };
}

/** service-versions.yaml and the changelog fragment written in the clone; the facts the texts
 * say. */
async function editRecords(
  spec: PackageSpec,
  source: ArgSource | undefined,
  work: string,
  branch: string,
  declared: { version: string; literal: string },
  to: string,
  forge: Forge,
): Promise<DockerFacts> {
  const { file, service, written } = await moveServiceRecord(spec, work, "a Dockerfile", () => to);
  const changelog = dockerChangelogPath(branch);
  const facts: DockerFacts = {
    package: spec.name,
    dir: spec.dir,
    from: declared.version,
    to,
    argValue: `${declared.literal.startsWith("v") ? "v" : ""}${to}`,
    serviceValue: written ?? to,
    service,
    servicesFile: file,
    changelog,
    mirrors: spec.mirrors.map((m) => {
      const tag = tagFor(m.tag, to);
      return { repo: m.repo, tag, url: forge.tagUrl(m.repo, tag) };
    }),
    ...(source ? { source: { label: sourceLabel(source), url: sourcePage(source, to) } } : {}),
  };
  const fragment = join(work, changelog);
  await writeFileAtomic(fragment, dockerChangelog(await readOptional(fragment), facts));
  return facts;
}
