// Signing a webhook body as Forgejo does (HMAC-SHA256, hex), for tests that send webhooks.

/** The value Forgejo puts in X-Forgejo-Signature for `body` under `secret`. */
export async function forgejoSignature(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}
