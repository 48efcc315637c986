// The container registry, as the follow-through sees it: does an image tag exist (OCI distribution API).
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

  /** Whether `image:tag` is in the registry: one manifest HEAD (a token fetched first if the
   * registry asks for one). */
  async tagExists(image: string, tag: string): Promise<boolean> {
    const where = `${this.url}/v2/${imageRepository(image)}/manifests/${tag}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      let r: Response;
      try {
        r = await fetch(where, {
          method: "HEAD",
          headers: {
            Accept: ACCEPT,
            ...(this.bearer ?? this.basic ? { Authorization: (this.bearer ?? this.basic)! } : {}),
          },
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        throw new UpgradeFailed(`registry ${this.url}: cannot reach it: ${(e as Error).message}`);
      }
      await r.body?.cancel();
      if (r.status === 200) return true;
      if (r.status === 404) return false;
      const challenge = r.headers.get("www-authenticate") ?? "";
      if (r.status === 401 && attempt === 0 && /^Bearer\s/i.test(challenge)) {
        this.bearer = await this.token(challenge);
        continue;
      }
      if (r.status === 401 || r.status === 403) {
        throw new InputError(
          `registry ${this.url}: ${image}:${tag}: access denied (${r.status}): ` +
            (this.credentialsEnv
              ? `check the credentials in $${this.credentialsEnv} (deploy.credentials_env)`
              : `set deploy.credentials_env to a variable holding user:password`),
        );
      }
      throw new UpgradeFailed(`registry ${this.url}: ${image}:${tag}: HTTP ${r.status}`);
    }
    return false;
  }

  /** A bearer token from the realm a `WWW-Authenticate: Bearer` challenge names. */
  private async token(challenge: string): Promise<string> {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (!params.realm) {
      throw new UpgradeFailed(`registry ${this.url}: a token challenge without realm`);
    }
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    if (params.scope) url.searchParams.set("scope", params.scope);
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
