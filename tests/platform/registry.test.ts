// The registry client against a REAL OCI registry (Debian's docker-registry) with htpasswd auth.
import assert from "node:assert/strict";
import { imageRepository, Registry, registryOf } from "../../lib/platform/registry.ts";
import { startRegistry } from "../support/registry.ts";
import { tokenFront } from "../support/registry_token.ts";
import { redact } from "../../lib/runtime/log.ts";

Deno.test("image references: the registry host is not part of the repository", () => {
  assert.equal(imageRepository("registry.ops.eblu.me/blumeops/ntfy"), "blumeops/ntfy");
  assert.equal(imageRepository("127.0.0.1:5000/blumeops/ntfy"), "blumeops/ntfy");
  assert.equal(imageRepository("localhost/x"), "x");
  assert.equal(imageRepository("blumeops/ntfy"), "blumeops/ntfy");
});

Deno.test("registry of an image: Docker Hub's library/, a host's own URL, a mapped mirror", () => {
  assert.deepEqual(registryOf("eclipse-mosquitto", {}), {
    host: "docker.io",
    url: "https://registry-1.docker.io",
    repository: "library/eclipse-mosquitto",
  });
  assert.deepEqual(
    registryOf("docker.io/tailscale/k8s-operator", {}).repository,
    "tailscale/k8s-operator",
  );
  assert.deepEqual(registryOf("grafana/tempo", { "docker.io": "http://cache:5000/" }), {
    host: "docker.io",
    url: "http://cache:5000",
    repository: "grafana/tempo",
  });
  assert.deepEqual(registryOf("ghcr.io/cloudnative-pg/postgresql", {}), {
    host: "ghcr.io",
    url: "https://ghcr.io",
    repository: "cloudnative-pg/postgresql",
  });
});

Deno.test("a tag is found once pushed; bad or missing credentials name the variable, never the password", async () => {
  const reg = await startRegistry();
  try {
    Deno.env.set("TEST_REGISTRY_CREDS", `${reg.user}:${reg.password}`);
    const registry = new Registry(reg.url, "TEST_REGISTRY_CREDS");
    const image = "registry.ops.eblu.me/blumeops/ntfy";
    assert.equal(await registry.tagExists(image, "v2.18.0-abcdef1-nix"), false);
    await reg.push("blumeops/ntfy", "v2.18.0-abcdef1-nix");
    assert.equal(await registry.tagExists(image, "v2.18.0-abcdef1-nix"), true);
    assert.equal(await registry.tagExists(image, "v2.18.0-0000000-nix"), false);
    // The password is a secret from now on: redacted wherever the bot prints.
    assert.ok(!redact(`pw ${reg.password}`).includes(reg.password));

    // Each variable is read once and taken out of the environment, so each case has its own.
    assert.equal(Deno.env.get("TEST_REGISTRY_CREDS"), undefined, "taken out once read");
    Deno.env.set("TEST_REGISTRY_WRONG", `${reg.user}:wrong-password`);
    const wrong = new Registry(reg.url, "TEST_REGISTRY_WRONG");
    await assert.rejects(() => wrong.tagExists(image, "v2.18.0-abcdef1-nix"), (e: Error) => {
      assert.match(e.message, /access denied \(401\).*\$TEST_REGISTRY_WRONG/);
      assert.ok(!e.message.includes("wrong-password") && !e.message.includes(reg.password));
      return true;
    });
    const anonymous = new Registry(reg.url, null);
    await assert.rejects(
      () => anonymous.tagExists(image, "v2.18.0-abcdef1-nix"),
      /set deploy\.credentials_env/,
    );
    assert.throws(
      () => new Registry(reg.url, "TEST_REGISTRY_UNSET"),
      /deploy\.credentials_env: \$TEST_REGISTRY_UNSET is not set to user:password/,
    );
  } finally {
    Deno.env.delete("TEST_REGISTRY_CREDS");
    Deno.env.delete("TEST_REGISTRY_WRONG");
    await reg.stop();
  }
});

Deno.test("an upstream image's tags and source label through the bearer-token flow: one token for every watched repository", async () => {
  const reg = await startRegistry();
  const front = tokenFront(reg, "ghcr.io");
  try {
    await reg.push("ghcr.io/o/a", "v1.0.0", { "org.opencontainers.image.source": "https://x/o/a" });
    await reg.push("ghcr.io/o/a", "v1.1.0");
    await reg.push("ghcr.io/o/b", "2.0");
    const registry = new Registry(front.url, null);
    registry.watch("o/a");
    registry.watch("o/b");
    assert.deepEqual((await registry.tags("o/a")).sort(), ["v1.0.0", "v1.1.0"]);
    assert.deepEqual(await registry.tags("o/b"), ["2.0"]);
    // GET /v2/ (the challenge), one token for both scopes, one tag list each.
    assert.equal(registry.requests, 4);
    assert.deepEqual(front.requests.map((r) => r.replace(/\?.*/, "")), [
      "GET /v2/",
      "GET /token",
      "GET /v2/o/a/tags/list",
      "GET /v2/o/b/tags/list",
    ]);
    assert.equal(
      new URL(front.url + front.requests[1].slice(4)).searchParams.getAll("scope").sort().join(),
      "repository:o/a:pull,repository:o/b:pull",
    );
    assert.equal(
      await registry.label("o/a", "v1.0.0", "org.opencontainers.image.source"),
      "https://x/o/a",
    );
    assert.equal(await registry.label("o/a", "v1.1.0", "org.opencontainers.image.source"), null);
    // A repository not watched: the registry's challenge names its scope, a token is asked for it.
    assert.equal(await registry.tagExists("ghcr.io/o/c", "v1"), false);
  } finally {
    await front.stop();
    await reg.stop();
  }
});
