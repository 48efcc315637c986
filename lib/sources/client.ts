// The sources' I/O for one run: each answer fetched from the configured address (a mirror, a cache or the public one), counted, and handed to its parser.
import { InputError } from "../runtime/errors.ts";
import type { ArgSource, SourceUrls } from "./source.ts";
import { pypiUrl, pypiVersions } from "./pypi.ts";
import { apkIndexText, apkIndexUrl, apkVersions } from "./alpine.ts";
import { tagVersions } from "./registry_base.ts";
import { githubReleases, githubVersions } from "./github.ts";
import type { ImageRegistries } from "../images/registries.ts";

/** The versions a source lists, one request per index read. */
export class VersionSources {
  /** HTTP requests made so far. */
  requests = 0;

  constructor(
    private readonly urls: SourceUrls,
    /** The run's image registries (a FROM base's tags): null when `registries: null`. */
    private readonly registries: ImageRegistries | null,
  ) {}

  /** The versions `source` lists (those the bot cannot order left out). PyPI: one request; Alpine:
   * the indexes in order until one lists the package (one request for a package in the first). */
  async versions(source: ArgSource): Promise<string[]> {
    if (source.kind === "registry") {
      if (!this.registries) {
        throw new InputError(`${source.image}: registries is null: a FROM base's registry is off`);
      }
      // Counted by the registries (the run's registryRequests), not here.
      const { registry, repository } = this.registries.of(source.image);
      return tagVersions(await registry.tags(repository), source.tag);
    }
    if (source.kind === "github") {
      const answer = await githubReleases(this.urls.github, source.repo, () => this.requests++);
      return githubVersions(answer, source.tag, `${this.urls.github}: ${source.repo}'s releases`);
    }
    if (source.kind === "pypi") {
      const url = pypiUrl(this.urls.pypi, source.name);
      const answer = await this.get(url);
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(answer));
      } catch {
        throw new InputError(`${url}: the answer is not JSON`);
      }
      return pypiVersions(json, url);
    }
    for (const repository of source.repositories) {
      const url = apkIndexUrl(this.urls.alpine, repository);
      const versions = apkVersions(apkIndexText(await this.get(url), url), source.name);
      if (versions.length) return versions;
    }
    return [];
  }

  private async get(url: string): Promise<Uint8Array> {
    this.requests++;
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new InputError(`${url}: HTTP ${response.status}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }
}
