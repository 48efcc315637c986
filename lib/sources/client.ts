// The sources' I/O for one run: each answer fetched from the configured address (a mirror, a cache or the public one), counted, and handed to its source (lib/sources/source.ts).
import { InputError } from "../runtime/errors.ts";
import type { ArgSource, SourceUrls } from "./source.ts";
import { sourceOf } from "./source.ts";
import type { Listed, SourceIO } from "./datasource.ts";
import type { ImageRegistries } from "../images/registries.ts";

/** The versions a source lists, one request per index read. */
export class VersionSources implements SourceIO {
  /** HTTP requests made so far. */
  requests = 0;

  constructor(
    readonly urls: SourceUrls,
    /** The run's image registries (a FROM base's tags): null when `registries: null`. */
    private readonly registries: ImageRegistries | null,
  ) {}

  /** The versions `source` lists (those the bot cannot order left out), and the source as its
   * answer settles it; `current`: the version the file holds now. */
  versions<S extends ArgSource>(source: S, current: string): Promise<Listed<S>> {
    return sourceOf(source).versions(source, this, current);
  }

  async get(url: string): Promise<Uint8Array> {
    this.requests++;
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new InputError(`${url}: HTTP ${response.status}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  count = (): void => {
    this.requests++;
  };

  // Counted by the registries (the run's registryRequests), not here.
  async registryTags(image: string): Promise<string[]> {
    if (!this.registries) {
      throw new InputError(`${image}: registries is null: a FROM base's registry is off`);
    }
    const { registry, repository } = this.registries.of(image);
    return await registry.tags(repository);
  }
}
