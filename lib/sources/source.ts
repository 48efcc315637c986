// Where a Dockerfile's version comes from when no forge mirror has it: the table of sources (one module each), their discovery from the Dockerfile, and the newest version above the current one (pure).
import { versionUses } from "../docker/dockerfile.ts";
import { compareReleases, isPrerelease, orderableVersion } from "../nix/versions.ts";
import type { ArgSource } from "../runtime/config_model.ts";
import type { Datasource } from "./datasource.ts";
import { pypi } from "./pypi.ts";
import { alpine } from "./alpine.ts";
import { registryBase } from "./registry_base.ts";
import { github } from "./github.ts";

export type { ArgSource, SourceUrls } from "../runtime/config_model.ts";

/** Every source, by its config `kind`; discovery asks them in this order (a `pip install` before
 * an `apk add` before a FROM base before a source label). A new source is its module and one line
 * here. */
export const SOURCES: { [K in ArgSource["kind"]]: Datasource<Extract<ArgSource, { kind: K }>> } = {
  pypi,
  alpine,
  registry: registryBase,
  github,
};

/** The source module of `source`'s kind. */
export function sourceOf<S extends ArgSource>(source: S): Datasource<S> {
  return SOURCES[source.kind] as unknown as Datasource<S>;
}

/** The source the Dockerfile shows for its version ARG, or null: the first source of the table
 * that finds one (the first `pip install name==${VERSION}`, else the first `apk add
 * name=${VERSION}`, else a FROM base's tag, else the GitHub repository its source label names
 * when a command fetches the version). */
export function discoverSource(dockerfile: string): ArgSource | null {
  const { commands, froms, labels } = versionUses(dockerfile);
  for (const source of Object.values(SOURCES) as Datasource[]) {
    const found = source.discover?.(commands, froms, labels);
    if (found) return found;
  }
  return null;
}

/** One line saying the source, for the report and the pull request. */
export function sourceLabel(source: ArgSource): string {
  return sourceOf(source).label(source);
}

/** The public page of `version` of the source, for a person to read. */
export function sourcePage(source: ArgSource, version: string): string {
  return sourceOf(source).page(source, version);
}

/** The newest of `versions` above `current` (a pre-release only with `prereleases`, or when the
 * current one is written like one: Alpine's `-r1` revisions, `-r10` after `-r2`), newest first.
 * Versions the bot cannot order are left out, never thrown. */
export function newerThan(versions: string[], current: string, prereleases: boolean): string[] {
  const allowPre = prereleases || isPrerelease(current);
  return [...new Set(versions)]
    .filter((v) => orderableVersion(v) !== null)
    .filter((v) => allowPre || !isPrerelease(v))
    .filter((v) => compareReleases(v, current) > 0)
    .sort((a, b) => compareReleases(b, a));
}
