// Container registries through the OCI distribution API: does an image tag exist (the follow-through, the pins), an upstream image's tags and its labels, with Docker Hub's and ghcr.io's anonymous bearer tokens.
import { InputError, UpgradeFailed } from "../runtime/errors.ts";
import { addSecret, takeSecret } from "../runtime/log.ts";

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** The repository part of an image reference: `registry.host/blumeops/x` -> `blumeops/x`. */
export function imageRepository(image: string): string {
  const [first, ...rest] = image.split("/");
  const isHost = rest.length > 0 && (/[.:]/.test(first) || first === "localhost");
  return isHost ? rest.join("/") : image;
}

/** The registry host an image reference names: its first part when that is a host, else Docker
 * Hub (`docker.io`). */
export function imageHost(image: string): string {
  const [first, ...rest] = image.split("/");
  return rest.length > 0 && (/[.:]/.test(first) || first === "localhost") ? first : "docker.io";
}

/** Where the API of `image`'s registry is, and its repository there: the URL `registries` maps
 * the host to (a mirror, a pull-through cache), else `https://<host>` (Docker Hub's
 * registry-1.docker.io); Docker Hub's official images are under `library/`. */
export function registryOf(
  image: string,
  registries: Record<string, string>,
): { host: string; url: string; repository: string } {
  const host = imageHost(image);
  const path = imageRepository(image);
  const repository = host === "docker.io" && !path.includes("/") ? `library/${path}` : path;
  const url = registries[host] ??
    (host === "docker.io" ? "https://registry-1.docker.io" : `https://${host}`);
  return { host, url: url.replace(/\/+$/, ""), repository };
}

/** The most pages of a tag listing read (a registry pages by `Link: <...>; rel="next"`). */
const TAG_PAGES = 20;

export class Registry {
  private basic: string | null = null;
  private bearer: string | null = null;

  /** `credentialsEnv` names a variable holding `user:password`; its value is never printed. */
  constructor(readonly url: string, private readonly credentialsEnv: string | null) {
    if (credentialsEnv) {
      // Read once and taken out of the environment, like the forge's token: no build sees it.
      const value = takeSecret(credentialsEnv);
      if (!value.includes(":")) {
        throw new InputError(
          `deploy.credentials_env: $${credentialsEnv} is not set to user:password`,
        );
      }
      addSecret(value.slice(value.indexOf(":") + 1));
      this.basic = `Basic ${btoa(value)}`;
    }
  }

  /** Requests made (each token fetched counts), for the cost of a run. */
  requests = 0;
  /** The repositories the run reads here: a token asked for covers them all (Docker Hub and
   * ghcr.io take several `scope`s), so one token serves every image of the registry. */
  private readonly scopes = new Set<string>();
  private login: Promise<void> | null = null;

  /** Says the run reads `repository` (before the first request: the token covers it). */
  watch(repository: string): void {
    this.scopes.add(`repository:${repository}:pull`);
  }

  /** Whether `image:tag` is in the registry: one manifest HEAD (a token fetched first if the
   * registry asks for one). */
  async tagExists(image: string, tag: string): Promise<boolean> {
    const r = await this.get(`${imageRepository(image)}/manifests/${tag}`, `${image}:${tag}`, {
      method: "HEAD",
      accept: ACCEPT,
      missing: true,
    });
    await r?.body?.cancel();
    return r !== null;
  }

  /** Every tag of `repository` (`GET /v2/<name>/tags/list`, its pages followed). */
  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | null = `${repository}/tags/list?n=1000`;
    for (let page = 0; path !== null && page < TAG_PAGES; page++) {
      const r: Response = (await this.get(path, repository, { accept: "application/json" }))!;
      const json = await r.json().catch(() => null) as { tags?: unknown } | null;
      if (!json || (json.tags !== null && json.tags !== undefined && !Array.isArray(json.tags))) {
        throw new UpgradeFailed(
          `registry ${this.url}: ${repository}: the tag list is no JSON list`,
        );
      }
      tags.push(
        ...((json.tags ?? []) as unknown[]).filter((t): t is string => typeof t === "string"),
      );
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(r.headers.get("link") ?? "")?.[1];
      path = next
        ? new URL(next, this.url).pathname.replace(/^\/v2\//, "") + new URL(next, this.url).search
        : null;
    }
    return tags;
  }

  /** The label `name` of `repository:tag`'s image config (an index's linux/amd64 image, else its
   * first), as the registry sends it: untrusted; null when the image has none. */
  async label(repository: string, tag: string, name: string): Promise<string | null> {
    const what = `${repository}:${tag}`;
    const json = async (path: string) => {
      const r = (await this.get(path, what, { accept: ACCEPT }))!;
      return await r.json().catch(() => {
        throw new UpgradeFailed(`registry ${this.url}: ${what}: ${path} is no JSON`);
      }) as Record<string, unknown>;
    };
    let manifest = await json(`${repository}/manifests/${tag}`);
    if (Array.isArray(manifest.manifests)) {
      const list = manifest.manifests as {
        digest?: string;
        platform?: { os?: string; architecture?: string };
      }[];
      const pick = list.find((m) =>
        m.platform?.os === "linux" && m.platform?.architecture === "amd64"
      ) ?? list[0];
      if (!pick?.digest) return null;
      manifest = await json(`${repository}/manifests/${pick.digest}`);
    }
    const digest = (manifest.config as { digest?: unknown } | undefined)?.digest;
    if (typeof digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(digest)) return null;
    const config = await json(`${repository}/blobs/${digest}`) as {
      config?: { Labels?: Record<string, unknown> };
    };
    const value = config.config?.Labels?.[name];
    return typeof value === "string" ? value : null;
  }

  /** GET (or HEAD) `<url>/v2/<path>` with the registry's auth: a token asked for when the run
   * watches repositories here (once, for them all), else when a challenge asks for one. A 404 is
   * null when `missing` allows it. */
  private async get(
    path: string,
    what: string,
    o: { method?: string; accept: string; missing?: boolean },
  ): Promise<Response | null> {
    if (this.scopes.size && !this.bearer && !this.basic) await (this.login ??= this.challenge());
    const where = `${this.url}/v2/${path}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      let r: Response;
      try {
        this.requests++;
        r = await fetch(where, {
          method: o.method ?? "GET",
          headers: {
            Accept: o.accept,
            ...(this.bearer ?? this.basic ? { Authorization: (this.bearer ?? this.basic)! } : {}),
          },
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        throw new UpgradeFailed(`registry ${this.url}: cannot reach it: ${(e as Error).message}`);
      }
      if (r.ok) return r;
      await r.body?.cancel();
      if (r.status === 404 && o.missing) return null;
      const challenge = r.headers.get("www-authenticate") ?? "";
      if (r.status === 401 && attempt === 0 && /^Bearer\s/i.test(challenge)) {
        this.bearer = await this.token(challenge);
        continue;
      }
      if (r.status === 401 || r.status === 403) {
        throw new InputError(
          `registry ${this.url}: ${what}: access denied (${r.status}): ` +
            (this.credentialsEnv
              ? `check the credentials in $${this.credentialsEnv} (deploy.credentials_env)`
              : this.scopes.size
              // An upstream image: read anonymously, or through a mirror that allows it.
              ? "it refuses anonymous reads: map its host to a mirror that allows them (registries)"
              : `set deploy.credentials_env to a variable holding user:password`),
        );
      }
      throw new UpgradeFailed(`registry ${this.url}: ${what}: HTTP ${r.status}`);
    }
    return null;
  }

  /** The registry's answer to `/v2/`: a bearer challenge is answered with one token for every
   * watched repository; an open registry needs none. */
  private async challenge(): Promise<void> {
    let r: Response;
    try {
      this.requests++;
      r = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new UpgradeFailed(`registry ${this.url}: cannot reach it: ${(e as Error).message}`);
    }
    await r.body?.cancel();
    const challenge = r.headers.get("www-authenticate") ?? "";
    if (r.status === 401 && /^Bearer\s/i.test(challenge)) this.bearer = await this.token(challenge);
  }

  /** A bearer token from the realm a `WWW-Authenticate: Bearer` challenge names. */
  private async token(challenge: string): Promise<string> {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (!params.realm) {
      throw new UpgradeFailed(`registry ${this.url}: a token challenge without realm`);
    }
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new UpgradeFailed(`registry ${this.url}: the token realm is no URL`);
    }
    if (!/^https?:$/.test(url.protocol)) {
      throw new UpgradeFailed(`registry ${this.url}: the token realm is no http(s) URL`);
    }
    if (params.service) url.searchParams.set("service", params.service);
    for (const scope of new Set([...params.scope ? [params.scope] : [], ...this.scopes])) {
      url.searchParams.append("scope", scope);
    }
    this.requests++;
    const r = await fetch(url, {
      headers: this.basic ? { Authorization: this.basic } : {},
      signal: AbortSignal.timeout(30_000),
    });
    if (!r.ok) {
      await r.body?.cancel();
      throw new InputError(`registry ${this.url}: the token service answered ${r.status}`);
    }
    const json = await r.json() as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new UpgradeFailed(`registry ${this.url}: the token service sent no token`);
    addSecret(token);
    return `Bearer ${token}`;
  }
}
