// An Application package in the cron run: its mirror's tag moved in every ArgoCD Application of it as a C1 pull request (lib/flow/bump_pull.ts).
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge } from "../platform/forge.ts";
import { tagFor, versionOfTag } from "../nix/versions.ts";
import { mirrorSources, moveRevision } from "../argocd/applications.ts";
import { recordDrift, recordsTheTag } from "../argocd/scan.ts";
import {
  applicationBody,
  applicationChangelog,
  type ApplicationFacts,
} from "../argocd/pull_text.ts";
import { dockerTitle } from "../docker/pull_text.ts";
import { forgeUrls } from "../repository/packages.ts";
import { dockerChangelogPath } from "../site/defaults.ts";
import { InputError } from "../runtime/errors.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import type { RunShared } from "./context.ts";
import type { Report } from "./report.ts";
import { moveServiceRecord, runBumpPull } from "./bump_pull.ts";

/** `run` for an Application package: targetRevision (and a `directory.include` naming the
 * version) in every Application file of the package, service-versions.yaml and a changelog
 * fragment in one commit on its own branch, as runBumpPull finds the release. */
export function runApplication(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
): Promise<Report> {
  const files = spec.applications ?? [];
  if (files.length === 0) {
    throw new InputError(`${spec.name}: kind application needs "applications" (its files)`);
  }
  const own = spec.mirrors[0];
  const urls = forgeUrls(settings);
  /** The version the Application in `text` deploys the own mirror at. */
  const deployed = (text: string, file: string) => {
    const source = mirrorSources(text, file, urls).find((s) => s.repo === own.repo);
    if (!source) throw new InputError(`${file}: no source of ${own.repo}`);
    const version = versionOfTag(own.tag, source.revision);
    if (version === null) {
      throw new InputError(
        `${file}: targetRevision ${JSON.stringify(source.revision)} is no tag ${own.tag}`,
      );
    }
    return { tag: source.revision, version };
  };
  return runBumpPull(settings, spec, forge, forced, shared, {
    builder: "none: ArgoCD deploys the mirror's tag",
    // The scan of the base branch read it; else the first Application, one request.
    current: async () =>
      spec.base_version ??
        deployed(
          await shared.files(files[0]),
          `${settings.forge.repo}:${files[0]}`,
        ).version,
    edit: async (work, to, branch) => {
      const texts = await Promise.all(files.map((f) => Deno.readTextFile(join(work, f))));
      const from = deployed(texts[0], files[0]);
      const toTag = tagFor(own.tag, to);
      const applications = [];
      for (const [i, file] of files.entries()) {
        const moved = moveRevision(texts[i], file, urls, own.repo, from, {
          tag: toTag,
          version: to,
        });
        await writeFileAtomic(join(work, file), moved);
        const include = mirrorSources(moved, file, urls).find((s) => s.repo === own.repo)?.include;
        const before = mirrorSources(texts[i], file, urls).find((s) => s.repo === own.repo)
          ?.include;
        applications.push({ file, include: include && include !== before ? include : null });
      }
      const facts = await editRecords(spec, work, branch, from, to, {
        repo: own.repo,
        fromTag: from.tag,
        tag: toTag,
        url: forge.tagUrl(own.repo, toTag),
      }, applications);
      return {
        from: from.version,
        files: [...files, facts.servicesFile, facts.changelog],
        subject: dockerTitle(facts),
        body: (upstream) => applicationBody({ ...facts, upstream }),
      };
    },
  });
}

/** service-versions.yaml (when its entry records the tag, in the tag's shape) and the changelog
 * fragment written in the clone; the facts the texts say. */
async function editRecords(
  spec: PackageSpec,
  work: string,
  branch: string,
  from: { tag: string; version: string },
  to: string,
  mirror: ApplicationFacts["mirror"],
  applications: ApplicationFacts["applications"],
): Promise<ApplicationFacts> {
  const tag = spec.mirrors[0].tag;
  const { file, service, recorded, written: serviceValue } = await moveServiceRecord(
    spec,
    work,
    "an Application",
    // Moved when it records the tag, as it writes it: the whole tag, or the version (a `v` kept).
    (recorded) =>
      !recordsTheTag(recorded, tag)
        ? null
        : versionOfTag(tag, recorded!) !== null
        ? mirror.tag
        : to,
  );
  const changelog = dockerChangelogPath(branch);
  const facts: ApplicationFacts = {
    package: spec.name,
    from: from.version,
    to,
    mirror,
    applications,
    servicesFile: file,
    service,
    serviceValue,
    kept: serviceValue === null ? recorded ?? "no current-version" : null,
    drift: serviceValue === null ? null : recordDrift(recorded, tag, from.version),
    changelog,
  };
  const fragment = join(work, changelog);
  await writeFileAtomic(fragment, applicationChangelog(await readOptional(fragment), facts));
  return facts;
}
