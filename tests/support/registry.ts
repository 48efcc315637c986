// A real OCI registry (Debian's docker-registry, the distribution project) on 127.0.0.1 with
// htpasswd auth, and a way to push an image into it through the registry's own HTTP API.
import { $ } from "zx";

export interface TestRegistry {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, as an image reference's host part. */
  host: string;
  user: string;
  password: string;
  /** Pushes a tiny image `name:tag` (one layer, a config with `labels`, a manifest) with the
   * HTTP API. */
  push(name: string, tag: string, labels?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

const REGISTRY = "/usr/bin/docker-registry";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return "sha256:" +
    [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** An htpasswd line with a bcrypt hash (the registry accepts only bcrypt), by apache2-utils. */
async function htpasswd(user: string, password: string): Promise<string> {
  const p = await $({ quiet: true, nothrow: true })`htpasswd -nbB ${user} ${password}`;
  if (p.exitCode === 0) return p.stdout.trim() + "\n";
  throw new Error(
    "htpasswd (apache2-utils) is needed to give the test registry a password: apt-get install apache2-utils",
  );
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-registry-" });
  const user = "pusher";
  const password = `pw-${crypto.randomUUID()}`;
  await Deno.writeTextFile(`${dir}/htpasswd`, await htpasswd(user, password));
  const auth = `Basic ${btoa(`${user}:${password}`)}`;
  // The port is free when asked, but another test running beside this one may take it before the
  // registry binds it: a registry that exits at once is started again on another port.
  for (let attempt = 1;; attempt++) {
    const started = await serveOnce(dir, auth);
    if ("child" in started) {
      return registryOn(dir, started.url, started.child, { user, password, auth });
    }
    if (attempt === 3) throw new Error(started.error);
  }
}

/** One start of the registry on a free port: running and answering, or why not. */
async function serveOnce(
  dir: string,
  auth: string,
): Promise<{ url: string; child: Deno.ChildProcess } | { error: string }> {
  const port = freePort();
  await Deno.writeTextFile(
    `${dir}/config.yml`,
    `version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: ${dir}/data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:${port}, secret: test-only-secret }
auth: { htpasswd: { realm: test-registry, path: ${dir}/htpasswd } }
`,
  );
  const child = new Deno.Command(REGISTRY, {
    args: ["serve", `${dir}/config.yml`],
    // The registry reads REGISTRY_* variables as its config: none of the tests' own may reach it
    // (the test files run side by side in one process, whose environment they share).
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/v2/`, { headers: { Authorization: auth } }).then(
      async (r) => (await r.body?.cancel(), r.status === 200),
      () => false,
    );
    if (ok) return { url, child };
    if (exited) {
      const stderr = await new Response(child.stderr).text().catch(() => "");
      return { error: `docker-registry exited on ${url}: ${stderr.trim().slice(0, 800)}` };
    }
    if (Date.now() > deadline) {
      child.kill();
      await child.status;
      return { error: `docker-registry did not answer on ${url} within 30 s` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The running registry in `dir` at `url`, and its pushes with the htpasswd user's `auth`. */
function registryOn(
  dir: string,
  url: string,
  child: Deno.ChildProcess,
  { user, password, auth }: { user: string; password: string; auth: string },
): TestRegistry {
  const upload = async (name: string, bytes: Uint8Array): Promise<string> => {
    const digest = await sha256(bytes);
    const start = await fetch(`${url}/v2/${name}/blobs/uploads/`, {
      method: "POST",
      headers: { Authorization: auth },
    });
    await start.body?.cancel();
    if (start.status !== 202) throw new Error(`blob upload start: ${start.status}`);
    const location = new URL(start.headers.get("Location")!, url);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { Authorization: auth, "Content-Type": "application/octet-stream" },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    await put.body?.cancel();
    if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
    return digest;
  };

  return {
    url,
    host: new URL(url).host,
    user,
    password,
    async push(name, tag, labels = {}) {
      const layer = new TextEncoder().encode(`layer of ${name}:${tag}\n`);
      const config = new TextEncoder().encode(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          config: Object.keys(labels).length ? { Labels: labels } : {},
          rootfs: { type: "layers", diff_ids: [] },
        }),
      );
      const layerDigest = await upload(name, layer);
      const configDigest = await upload(name, config);
      const manifest = new TextEncoder().encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: configDigest,
          size: config.length,
        },
        layers: [{
          mediaType: "application/vnd.oci.image.layer.v1.tar",
          digest: layerDigest,
          size: layer.length,
        }],
      }));
      const put = await fetch(`${url}/v2/${name}/manifests/${tag}`, {
        method: "PUT",
        headers: {
          Authorization: auth,
          "Content-Type": "application/vnd.oci.image.manifest.v1+json",
        },
        body: manifest,
      });
      await put.body?.cancel();
      if (put.status !== 201) throw new Error(`manifest put ${name}:${tag}: ${put.status}`);
      return await sha256(manifest);
    },
    async stop() {
      try {
        child.kill();
      } catch {
        // Already gone.
      }
      await child.status;
      await child.stderr.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}
