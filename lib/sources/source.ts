// Where a Dockerfile's version comes from when no forge mirror has it: the sources' kinds, their discovery from the Dockerfile, and the newest version above the current one (pure).
import { versionUses } from "../docker/dockerfile.ts";
import { compareVersions, isPrerelease, orderableVersion } from "../nix/versions.ts";
import { pipPackage } from "./pypi.ts";
import { apkPackage } from "./alpine.ts";
import { baseImage } from "./registry_base.ts";
import type { ArgSource } from "../runtime/config_model.ts";

export type { ArgSource, SourceUrls } from "../runtime/config_model.ts";

/** The source the Dockerfile shows for its version ARG, or null: the first `pip install
 * name==${VERSION}`, else the first `apk add name=${VERSION}`. */
export function discoverSource(dockerfile: string): ArgSource | null {
  const { commands, froms } = versionUses(dockerfile);
  for (const c of commands) {
    const name = pipPackage(c.words);
    if (name) return { kind: "pypi", name };
  }
  for (const c of commands) {
    const found = apkPackage(c.words, froms);
    if (found) return { kind: "alpine", ...found };
  }
  const base = baseImage(froms);
  return base ? { kind: "registry", ...base } : null;
}

/** One line saying the source, for the report and the pull request. */
export function sourceLabel(source: ArgSource): string {
  return source.kind === "pypi"
    ? `PyPI project ${source.name}`
    : source.kind === "alpine"
    ? `Alpine package ${source.name} (${source.repositories.join(", ")})`
    : source.kind === "github"
    ? `GitHub releases of ${source.repo}`
    : `base image ${source.image}:${source.tag}`;
}

/** The public page of `version` of the source, for a person to read. */
export function sourcePage(source: ArgSource, version: string): string {
  if (source.kind === "pypi") {
    return `https://pypi.org/project/${encodeURIComponent(source.name)}/${
      encodeURIComponent(version)
    }/`;
  }
  if (source.kind === "registry") return `https://${imageWeb(source.image)}`;
  if (source.kind === "github") {
    return `https://github.com/${source.repo}/releases/tag/${
      encodeURIComponent(source.tag.replace("{version}", version))
    }`;
  }
  const branch = /^(edge|v\d+\.\d+)\//.exec(source.repositories[0])?.[1] ?? "edge";
  return `https://pkgs.alpinelinux.org/packages?name=${
    encodeURIComponent(source.name)
  }&branch=${branch}`;
}

/** The image's web address for a person: Docker Hub's page for a Docker Hub image, else the
 * image name itself (its registry host). */
function imageWeb(image: string): string {
  const first = image.split("/")[0];
  const hosted = image.includes("/") && (first.includes(".") || first.includes(":"));
  if (hosted) return image;
  return image.includes("/") ? `hub.docker.com/r/${image}` : `hub.docker.com/_/${image}`;
}

/** The newest of `versions` above `current` (a pre-release only with `prereleases`, or when the
 * current one is written like one: Alpine's `-r1` revisions), newest first. Versions the bot
 * cannot order are left out, never thrown. */
export function newerThan(versions: string[], current: string, prereleases: boolean): string[] {
  const allowPre = prereleases || isPrerelease(current);
  return [...new Set(versions)]
    .filter((v) => orderableVersion(v) !== null)
    .filter((v) => allowPre || !isPrerelease(v))
    .filter((v) => compareVersions(v, current) > 0)
    .sort((a, b) => compareVersions(b, a));
}
