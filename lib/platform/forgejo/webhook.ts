// Webhooks: Forgejo's HMAC signature, checked before anything else, and the `serve` loop.
import { type CommentEvent, eventFromPayload } from "./comment_event.ts";
import { progress } from "../../runtime/log.ts";

/** The signature headers Forgejo sends (the same HMAC-SHA256 of the body, in hex). */
function signatureOf(headers: Headers): string | null {
  const value = headers.get("x-forgejo-signature") ?? headers.get("x-gitea-signature") ??
    headers.get("x-hub-signature-256")?.replace(/^sha256=/, "") ?? null;
  return value !== null && /^[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : null;
}

/** True when the body was signed with `secret`; the comparison takes constant time. */
export async function verifySignature(
  secret: string,
  body: Uint8Array,
  headers: Headers,
): Promise<boolean> {
  const hex = signatureOf(headers);
  if (hex === null || secret === "") return false;
  const signature = new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16)));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  // subtle.verify compares in constant time.
  return await crypto.subtle.verify("HMAC", key, signature, body as Uint8Array<ArrayBuffer>);
}

/** Reads at most `limit` bytes of a body; null when it is longer. */
async function readLimited(req: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body ?? new ReadableStream<Uint8Array>()) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

export interface ServeOptions {
  hostname: string;
  port: number;
  secret: string;
  maxBodyBytes: number;
  /** Runs one event's work; the server runs them one at a time, in arrival order. */
  handle: (ev: CommentEvent) => Promise<string>;
}

/** Receives Forgejo webhooks: answers at once, queues the work. Returns the running server. */
export function serveWebhooks(
  o: ServeOptions,
): Deno.HttpServer<Deno.NetAddr> & { idle: () => Promise<void> } {
  const deliveries = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  const server = Deno.serve(
    { hostname: o.hostname, port: o.port, onListen: () => {} },
    async (req) => {
      if (req.method !== "POST") return new Response("POST webhooks here\n", { status: 405 });
      const body = await readLimited(req, o.maxBodyBytes);
      if (body === null) return new Response("body too large\n", { status: 413 });
      // Nothing of an unsigned body is parsed.
      if (!(await verifySignature(o.secret, body, req.headers))) {
        return new Response("bad or missing signature\n", { status: 401 });
      }
      const event = req.headers.get("x-forgejo-event") ?? req.headers.get("x-gitea-event");
      if (event !== "issue_comment") {
        return new Response(`ignored: ${event ?? "no"} event\n`, {
          status: 202,
        });
      }
      // A replay is the same signed body again (the delivery header is not signed, so it proves
      // nothing); after a restart the reply's hidden marker still stops a second answer.
      const digest = await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>);
      const delivery = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
        .join("");
      if (deliveries.has(delivery)) {
        return new Response("ignored: a replayed delivery\n", {
          status: 200,
        });
      }
      deliveries.add(delivery);
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder().decode(body));
      } catch {
        const type = req.headers.get("content-type") ?? "";
        const form = /x-www-form-urlencoded/i.test(type) ||
          new TextDecoder().decode(body.subarray(0, 8)) === "payload=";
        return new Response(
          form
            ? "body is form-encoded: set the webhook's content type to application/json in Forgejo\n"
            : "body is not JSON (the webhook's content type must be application/json)\n",
          { status: 400 },
        );
      }
      const ev = eventFromPayload(payload);
      if (ev === null) {
        return new Response("ignored: not a pull request comment\n", {
          status: 202,
        });
      }
      queue = queue.then(async () => {
        try {
          progress(`webhook ${delivery}: ${await o.handle(ev)}`);
        } catch (e) {
          progress(`webhook ${delivery}: failed: ${(e as Error).message}`);
        }
      });
      return new Response("queued\n", { status: 202 });
    },
  );
  return Object.assign(server, { idle: () => queue });
}
