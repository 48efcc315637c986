// An upstream image package in the cron run: the registry's newer tag of the same shape moved in every reference of the image (and what moves with it) as a C1 pull request (lib/flow/bump_pull.ts).
import { dirname, join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import type { Registry } from "../platform/registry.ts";
import { ImageRegistries } from "../images/registries.ts";
import { findReferences, type ImageReference, moveReferences } from "../pins/references.ts";
import { readPinFiles } from "../pins/checkout.ts";
import { checkoutFiles } from "../runtime/tree.ts";
import { newerTags, tagShape } from "../images/tags.ts";
import {
  imageBody,
  imageChangelog,
  type ImageFacts,
  mirrorOfSource,
  SOURCE_LABEL,
  sourceUrl,
} from "../images/pull_text.ts";
import { dockerTitle, parseDockerTitle, versionOfTitle } from "../docker/pull_text.ts";
import { dockerChangelogPath, MIRRORS_OWNER } from "../site/defaults.ts";
import { InputError } from "../runtime/errors.ts";
import { progress } from "../runtime/log.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import type { RunShared } from "./context.ts";
import type { Report } from "./report.ts";
import { type Found, nothingFound } from "./releases.ts";
import { moveServiceRecord, runBumpPull, type UpstreamSource } from "./bump_pull.ts";
import { orderableVersion } from "../nix/versions.ts";

/** `run` for an image package: the registry's newest tag of the current tag's shape, every
 * reference of the image and the images moving with it moved in its manifest directories,
 * service-versions.yaml when it records the tag, a changelog fragment. */
export function runImage(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
): Promise<Report> {
  const entry = spec.image;
  if (!entry) throw new InputError(`${spec.name}: kind image needs "image" (its image)`);
  const registries = shared.registries ?? new ImageRegistries(settings, [spec]);
  const { registry, repository } = registries.of(entry.name);
  const also = entry.also ?? [];
  let currentTag = entry.tag ?? null;
  const tagOf = new Map<string, string>();
  return runBumpPull(settings, spec, forge, forced, shared, {
    builder: "none: the image is upstream's",
    current: async () => {
      if (spec.base_version && currentTag) return spec.base_version;
      // Configured by hand: the first manifest directory's kustomization, one request.
      const path = `${entry.manifests[0]}/kustomization.yaml`;
      const refs = findReferences(new Map([[path, await shared.files(path)]]), entry.name);
      currentTag = refs[0]?.tag ?? null;
      const shape = currentTag === null ? null : tagShape(currentTag);
      if (!shape) {
        throw new InputError(
          `${path}: no newTag of ${entry.name} with a version the bot can order`,
        );
      }
      return shape.version;
    },
    releases: async (_current, open, titleTo) =>
      await newestTag(registry, repository, currentTag!, open, titleTo, forced, {
        settings,
        spec,
        also: also.map((i) => registries.of(i)),
        tagOf,
        forge,
      }),
    edit: async (work, to, branch) => {
      const tag = tagOf.get(to)!;
      const manifests = new Map(
        [...(await readPinFiles(checkoutFiles(work))).manifests].filter(([path]) =>
          entry.manifests.some((d) => path.startsWith(`${d}/`) && dirname(path) === d)
        ),
      );
      const moved: ImageReference[] = [];
      const byImage = [entry.name, ...also].map((image) => ({
        image,
        refs: findReferences(manifests, image),
      }));
      const fromTag = byImage[0].refs[0]?.tag;
      if (!fromTag) {
        throw new InputError(`${entry.manifests.join(", ")}: no reference to ${entry.name}`);
      }
      for (const { image, refs } of byImage) {
        const stale = refs.filter((r) => r.tag !== tag);
        for (const path of new Set(stale.map((r) => r.path))) {
          const file = join(work, path);
          await writeFileAtomic(
            file,
            moveReferences(await Deno.readTextFile(file), path, image, stale, tag),
          );
        }
        moved.push(...stale);
      }
      const from = tagShape(fromTag)?.version ?? spec.base_version!;
      const upstream = await upstreamOf(registry, repository, forge, fromTag, tag);
      const facts = await editRecords(spec, work, branch, fromTag, tag, {
        package: spec.name,
        from,
        to,
        image: entry.name,
        also,
        moved,
        upstream: upstream.facts,
      });
      return {
        from,
        files: [...new Set(moved.map((r) => r.path)), facts.servicesFile, facts.changelog],
        // The versions as the tags write them (`18.3`, not the bot's `18.3.0`).
        subject: dockerTitle({
          package: facts.package,
          from: tagShape(fromTag)?.written ?? from,
          to: tagShape(tag)!.written,
        }),
        // What changed upstream is read where the image's source label leads (upstreamOf).
        upstream: upstream.source,
        body: (changes) => imageBody(facts, changes),
      };
    },
  });
}

/** The newest tag above `currentTag` of its shape whose images moving with it have it too, or
 * why there is none. `forced`: this version (the bot's `18.4.0`, or as the tag writes it, or the
 * tag), which the registry must have. */
async function newestTag(
  registry: Registry,
  repository: string,
  currentTag: string,
  open: Pull | null,
  titleTo: string | null,
  forced: string | undefined,
  o: {
    settings: Settings;
    spec: PackageSpec;
    also: { registry: Registry; repository: string }[];
    tagOf: Map<string, string>;
    forge: Forge;
  },
): Promise<Found> {
  const name = o.spec.name;
  let closed: Pull[] | null = null;
  const tags = await registry.tags(repository);
  const newer = newerTags(tags, currentTag, o.settings.prereleases);
  const found = nothingFound("");
  found.newest = newer.length ? tagShape(newer[0])!.version : null;
  const candidates = forced
    ? newer.filter((t) => [t, tagShape(t)!.version, tagShape(t)!.written].includes(forced))
      .slice(0, 1)
    : newer;
  if (forced && !candidates.length) {
    throw new InputError(
      `--version ${forced}: ${repository} has no newer tag of ${currentTag}'s shape naming it`,
    );
  }
  for (const tag of candidates) {
    const version = tagShape(tag)!.version;
    if (titleTo === version) {
      return { ...found, message: `${name} ${tag}: its pull request is open already` };
    }
    const missing = [];
    for (const a of o.also) {
      if (!(await a.registry.tagExists(a.repository, tag))) missing.push(`${a.repository}:${tag}`);
    }
    if (missing.length) {
      progress(`${name} ${tag}: waiting for ${missing.join(", ")}`);
      found.waiting.push(version);
      continue;
    }
    // Only the bot's own pull request closed without merge rejects the tag (not with --version).
    if (!forced) {
      const me = await o.forge.whoami();
      closed ??= (await o.forge.pulls(o.settings.forge.repo, "closed")).filter((p) =>
        !p.merged && p.user.toLowerCase() === me.toLowerCase() &&
        parseDockerTitle(p.title)?.package === name
      );
      const rejected = closed.find((p) =>
        versionOfTitle(parseDockerTitle(p.title)?.to, true) === version
      );
      if (rejected) {
        progress(
          `${name} ${tag}: skipped, pull request #${rejected.number} was closed without merge ` +
            `(--version ${version} retries it)`,
        );
        continue;
      }
    }
    o.tagOf.set(version, tag);
    return { ...found, target: { version, open, tags: [] } };
  }
  return {
    ...found,
    message: `${name} ${currentTag} is the newest tag of its shape in the registry: nothing to do` +
      (found.waiting.length ? ` (waiting for ${found.waiting.join(", ")})` : ""),
  };
}

/** What changed upstream: the new tag's source label (untrusted: an http(s) URL or nothing) to
 * the forge mirror of that repository when it has both tags with the same prefix (its compare
 * page, and where the pull request's section is read: the versions as the tags write them),
 * else the source itself. */
async function upstreamOf(
  registry: Registry,
  repository: string,
  forge: Forge,
  fromTag: string,
  tag: string,
): Promise<{ facts: ImageFacts["upstream"]; source: UpstreamSource | null }> {
  const source = sourceUrl(await registry.label(repository, tag, SOURCE_LABEL));
  if (source === null) return { facts: null, source: null };
  const mirror = mirrorOfSource(source, MIRRORS_OWNER);
  if (mirror) {
    const from = tagShape(fromTag)!.written;
    const to = tagShape(tag)!.written;
    const has = async (t: string) => (await forge.tag(mirror, t)) !== null;
    let prefix: string | undefined;
    for (const p of ["v", ""]) {
      if (await has(p + from) && await has(p + to)) {
        prefix = p;
        break;
      }
    }
    if (prefix !== undefined) {
      const [fromAt, toAt] = [prefix + from, prefix + to];
      // The releases crossed are listed (by bumpUpstream) only when the bot can order both
      // versions as the tags write them (`18.3` it cannot: the new one's notes alone).
      const ordered = orderableVersion(from) !== null && orderableVersion(to) !== null;
      return {
        facts: {
          kind: "compare",
          mirror,
          from: fromAt,
          to: toAt,
          url: forge.compareUrl(mirror, fromAt, toAt),
        },
        source: {
          mirrors: [{ repo: mirror, tag: `${prefix}{version}` }],
          from,
          to,
          tags: ordered ? null : [],
        },
      };
    }
  }
  return { facts: { kind: "source", url: source }, source: null };
}

/** service-versions.yaml (when its entry records the tag, as the tag or its version) and the
 * changelog fragment written in the clone; the facts the texts say. */
async function editRecords(
  spec: PackageSpec,
  work: string,
  branch: string,
  fromTag: string,
  tag: string,
  f: Omit<
    ImageFacts,
    "fromTag" | "tag" | "servicesFile" | "service" | "serviceValue" | "kept" | "changelog"
  >,
): Promise<ImageFacts> {
  const before = tagShape(fromTag)!;
  const after = tagShape(tag)!;
  // Written as the record writes it: the whole tag, or its version (with or without `v`).
  const forms: [string, string][] = [
    [fromTag, tag],
    [before.written, after.written],
    [`v${before.written}`, `v${after.written}`],
  ];
  const { file, service, recorded, written: serviceValue } = await moveServiceRecord(
    spec,
    work,
    "an image",
    (recorded) => forms.find(([was]) => was === recorded)?.[1] ?? null,
  );
  const changelog = dockerChangelogPath(branch);
  const facts: ImageFacts = {
    ...f,
    fromTag,
    tag,
    servicesFile: file,
    service,
    serviceValue,
    kept: serviceValue === null ? recorded ?? "no current-version" : null,
    changelog,
  };
  const fragment = join(work, changelog);
  await writeFileAtomic(fragment, imageChangelog(await readOptional(fragment), facts));
  return facts;
}
