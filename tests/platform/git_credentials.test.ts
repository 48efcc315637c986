// The token git sends travels to the forge only: the credential header is scoped to its URL.
import assert from "node:assert/strict";
import { ForgejoForge } from "../../lib/platform/forgejo/client.ts";

/** A loopback HTTP server that records the Authorization header of every request. */
function recorder(): { url: string; auth: (string | null)[]; stop: () => Promise<void> } {
  const auth: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    auth.push(req.headers.get("authorization"));
    return new Response("no such repository", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, auth, stop: () => server.shutdown() };
}

async function lsRemote(url: string, env: Record<string, string>): Promise<void> {
  await new Deno.Command("git", { args: ["ls-remote", url], env, stdout: "null", stderr: "null" })
    .output();
}

Deno.test("git sends the token to the forge, and to no other host git is sent to", async () => {
  const forgeSide = recorder();
  const other = recorder();
  try {
    const token = `tok-${crypto.randomUUID()}`;
    const remote = new ForgejoForge(forgeSide.url, token).gitRemote("eblume/blumeops");
    // The forge's repository, then another host (a submodule's URL, a second remote).
    await lsRemote(remote.url, remote.env);
    await lsRemote(`${other.url}/mirrors/authentik.git`, remote.env);
    assert.ok(forgeSide.auth.includes(`token ${token}`), JSON.stringify(forgeSide.auth));
    assert.ok(other.auth.length > 0, "git did reach the other host");
    assert.ok(other.auth.every((a) => a === null), JSON.stringify(other.auth));
  } finally {
    await forgeSide.stop();
    await other.stop();
  }
});
