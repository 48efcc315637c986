// A stand-in for Docker Hub's (and ghcr.io's) anonymous bearer-token flow, in front of the test's real registry (tests/support/registry.ts): the registry answers 401 with a `WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge, its token service hands out a token for the scopes asked, and only a request carrying a token for its repository is passed on. Debian's docker-registry checks only htpasswd here (its own token auth needs a signing certificate chain), so this small front speaks the protocol the bot must follow; what it passes on goes to the real registry.
import type { TestRegistry } from "./registry.ts";

export interface TokenFront {
  /** http://127.0.0.1:<port>: what the bot's `registries:` names for `host`. */
  url: string;
  /** Every request it answered (token requests included), as `METHOD path`. */
  requests: string[];
  stop(): Promise<void>;
}

/** A front for the registry host `host` (`docker.io`): its repositories are the registry's
 * under `<host>/` (the test pushes `docker.io/library/eclipse-mosquitto`). */
export function tokenFront(registry: TestRegistry, host: string): TokenFront {
  const requests: string[] = [];
  const granted = new Map<string, Set<string>>();
  const basic = `Basic ${btoa(`${registry.user}:${registry.password}`)}`;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      const realm = `${url.origin}/token`;
      if (url.pathname === "/token") {
        const token = crypto.randomUUID();
        granted.set(token, new Set(url.searchParams.getAll("scope")));
        if (url.searchParams.get("service") !== "test-registry") {
          return new Response("unknown service", { status: 400 });
        }
        return Response.json({ token, access_token: token, expires_in: 300 });
      }
      const m = /^\/v2\/(.+?)\/(tags\/list|manifests\/[^/]+|blobs\/[^/]+)$/.exec(url.pathname);
      const scope = m ? `repository:${m[1]}:pull` : null;
      const token = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "")?.[1];
      const ok = token !== undefined && granted.has(token) &&
        (scope === null || granted.get(token)!.has(scope));
      if (!ok) {
        const challenge = `Bearer realm="${realm}",service="test-registry"` +
          (scope ? `,scope="${scope}"` : "");
        return new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }), {
          status: 401,
          headers: { "WWW-Authenticate": challenge, "Content-Type": "application/json" },
        });
      }
      if (!m) return Response.json({});
      const upstream = await fetch(
        `${registry.url}/v2/${host}/${m[1]}/${m[2]}${url.search}`,
        {
          method: req.method,
          headers: { Authorization: basic, Accept: req.headers.get("accept") ?? "*/*" },
        },
      );
      const headers = new Headers();
      for (const h of ["content-type", "docker-content-digest", "content-length"]) {
        const v = upstream.headers.get(h);
        if (v) headers.set(h, v);
      }
      if (req.method === "HEAD") await upstream.body?.cancel();
      return new Response(req.method === "HEAD" ? null : upstream.body, {
        status: upstream.status,
        headers,
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async stop() {
      await server.shutdown();
    },
  };
}
