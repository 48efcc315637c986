// The image registries of one cron run: one client per registry URL, told every repository the run reads before its first request.
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { Registry, registryOf } from "../platform/registry.ts";
import { sourceOf } from "../sources/source.ts";

/** The registries of one run, one client per registry URL, each told every repository the run
 * reads there before its first request (one token covers them all). */
export class ImageRegistries {
  private readonly clients = new Map<string, Registry>();

  constructor(private readonly settings: Pick<Settings, "registries">, specs: PackageSpec[]) {
    for (const spec of specs) {
      // A Dockerfile's FROM base read from its registry (lib/sources) shares the token.
      const base = spec.source && sourceOf(spec.source).registryImage?.(spec.source);
      if (base) this.of(base);
      if (spec.kind !== "image" || !spec.image) continue;
      for (const image of [spec.image.name, ...spec.image.also ?? []]) this.of(image);
    }
  }

  /** The client of `image`'s registry and its repository there. */
  of(image: string): { registry: Registry; repository: string } {
    const { url, repository } = registryOf(image, this.settings.registries ?? {});
    let registry = this.clients.get(url);
    if (!registry) this.clients.set(url, registry = new Registry(url, null));
    registry.watch(repository);
    return { registry, repository };
  }

  /** Requests made to every registry. */
  get requests(): number {
    return [...this.clients.values()].reduce((n, r) => n + r.requests, 0);
  }
}
