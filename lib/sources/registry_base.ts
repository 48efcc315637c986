// A registry's tags as a source of versions: the base image a `FROM image:${VERSION}...` names with its tag's template, and the versions its tags make (pure).
import { versionOfTag } from "../nix/versions.ts";

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
