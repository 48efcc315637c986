// A registry's tags as a source of versions: the base image a `FROM image:${VERSION}...` names with its tag's template, and the versions its tags make (pure but its request).
import { versionOfTag } from "../nix/versions.ts";
import type { ArgSource } from "../runtime/config_model.ts";
import type { Datasource } from "./datasource.ts";

type RegistrySource = Extract<ArgSource, { kind: "registry" }>;

/** A FROM base image: discovered from the first FROM whose tag is made from the version ARG; its
 * tags of that shape read through the run's registries (which count the request). */
export const registryBase: Datasource<RegistrySource> = {
  kind: "registry",
  discover(_commands, froms) {
    const base = baseImage(froms);
    return base ? { kind: "registry", ...base } : null;
  },
  label: (source) => `base image ${source.image}:${source.tag}`,
  page: (source) => `https://${imageWeb(source.image)}`,
  versions: async (source, io) => ({
    versions: tagVersions(await io.registryTags(source.image), source.tag),
    source,
  }),
  registryImage: (source) => source.image,
};

/** The image's web address for a person: Docker Hub's page for a Docker Hub image, else the
 * image name itself (its registry host). */
function imageWeb(image: string): string {
  const first = image.split("/")[0];
  const hosted = image.includes("/") && (first.includes(".") || first.includes(":"));
  if (hosted) return image;
  return image.includes("/") ? `hub.docker.com/r/${image}` : `hub.docker.com/_/${image}`;
}

/** The image and tag template (`{version}-alpine`) of the first FROM whose tag is made from the
 * version ARG, or null. A digest (`@sha256:`) pins no version: not one. */
export function baseImage(froms: string[]): { image: string; tag: string } | null {
  for (const from of froms) {
    if (from.includes("@")) continue;
    const colon = from.lastIndexOf(":");
    if (colon <= from.lastIndexOf("/")) continue;
    const image = from.slice(0, colon);
    const tag = from.slice(colon + 1);
    if (image.includes("{version}") || tag.split("{version}").length !== 2) continue;
    if (!/^[a-z0-9][a-z0-9._/:-]*$/.test(image)) continue;
    return { image, tag };
  }
  return null;
}

/** The versions the tags make through `template` (others left out: another shape, or a version
 * the bot cannot order). */
export function tagVersions(tags: string[], template: string): string[] {
  return tags.map((t) => versionOfTag(template, t)).filter((v): v is string => v !== null);
}
