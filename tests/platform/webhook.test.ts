import assert from "node:assert/strict";
import { serveWebhooks, verifySignature } from "../../lib/platform/forgejo/webhook.ts";
import type { CommentEvent } from "../../lib/platform/forgejo/comment_event.ts";
import { forgejoSignature } from "../support/webhooks.ts";

const SECRET = "s3cret-for-webhook-unit-tests";

function hmac(body: string, secret = SECRET): Promise<string> {
  return forgejoSignature(body, secret);
}

Deno.test("each of Forgejo's signature headers is accepted; anything else is not", async () => {
  const body = new TextEncoder().encode('{"a":1}');
  const sig = await hmac('{"a":1}');
  const variants: Record<string, string>[] = [
    { "X-Forgejo-Signature": sig },
    { "X-Gitea-Signature": sig },
    { "X-Hub-Signature-256": `sha256=${sig}` },
  ];
  for (const headers of variants) {
    assert.equal(
      await verifySignature(SECRET, body, new Headers(headers)),
      true,
      JSON.stringify(headers),
    );
  }
  assert.equal(
    await verifySignature(SECRET, body, new Headers({ "X-Forgejo-Signature": sig.toUpperCase() })),
    true,
  );
  for (
    const bad of [await hmac('{"a":1}', "other"), sig.slice(1), `${sig}00`, "zz" + sig.slice(2), ""]
  ) {
    assert.equal(
      await verifySignature(SECRET, body, new Headers({ "X-Forgejo-Signature": bad })),
      false,
      bad,
    );
  }
  assert.equal(
    await verifySignature("", body, new Headers({ "X-Forgejo-Signature": sig })),
    false,
    "no secret, no trust",
  );
});

Deno.test("the server answers at once and runs the work one at a time, in order", async () => {
  // Ordering, not timing: the work cannot finish until the test opens the gate, and the gate
  // opens only once every request has been answered (or, if the server waited for the work, a
  // long timeout opens it so the test fails instead of hanging).
  const log: string[] = [];
  let running = 0;
  let open = () => {};
  const gate = new Promise<void>((r) => open = r);
  const server = serveWebhooks({
    hostname: "127.0.0.1",
    port: 0,
    secret: SECRET,
    maxBodyBytes: 10_000,
    handle: async (ev: CommentEvent) => {
      running++;
      assert.equal(running, 1, "never two at once");
      await gate;
      log.push(`done ${ev.body}`);
      running--;
      return "done";
    },
  });
  const fallback = setTimeout(() => {
    log.push("timeout");
    open();
  }, 20_000);
  try {
    const send = async (n: number) => {
      const body = JSON.stringify({
        action: "created",
        issue: { number: 1, pull_request: {} },
        comment: { id: n, body: `c${n}`, user: { login: "erich" } },
        repository: { full_name: "eblume/blumeops" },
      });
      const r = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
        method: "POST",
        body,
        headers: { "X-Forgejo-Signature": await hmac(body), "X-Forgejo-Event": "issue_comment" },
      });
      await r.body?.cancel();
      assert.equal(r.status, 202);
      log.push(`answered c${n}`);
    };
    for (const n of [1, 2, 3]) await send(n);
    open();
    await server.idle();
    await new Promise((r) => setTimeout(r, 100));
    await server.idle();
    assert.deepEqual(log, [
      "answered c1",
      "answered c2",
      "answered c3",
      "done c1",
      "done c2",
      "done c3",
    ], "every request answered before any work was done; the work in order");
    const other = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
      method: "POST",
      body: "{}",
      headers: { "X-Forgejo-Signature": await hmac("{}"), "X-Forgejo-Event": "push" },
    });
    assert.equal(other.status, 202);
    assert.match(await other.text(), /ignored: push event/);
  } finally {
    clearTimeout(fallback);
    await server.shutdown();
  }
});

Deno.test("a form-encoded body gets a 400 saying to choose application/json", async () => {
  const server = serveWebhooks({
    hostname: "127.0.0.1",
    port: 0,
    secret: SECRET,
    maxBodyBytes: 10_000,
    handle: () => Promise.resolve("never"),
  });
  try {
    const body = `payload=${encodeURIComponent('{"action":"created"}')}`;
    const r = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Forgejo-Signature": await hmac(body),
        "X-Forgejo-Event": "issue_comment",
      },
    });
    assert.equal(r.status, 400);
    assert.match(
      await r.text(),
      /form-encoded: set the webhook's content type to application\/json/,
    );
  } finally {
    await server.shutdown();
  }
});
