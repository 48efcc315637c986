// A Dockerfile package's pull request texts: the title and its inverse, the body's promises, the
// changelog fragment and the note on failing checks.
import assert from "node:assert/strict";
import {
  checksFailedNote,
  checksMarker,
  dockerBody,
  dockerChangelog,
  type DockerFacts,
  dockerTitle,
  parseDockerTitle,
} from "../../lib/docker/pull_text.ts";

const FACTS: DockerFacts = {
  package: "player",
  dir: "containers/player",
  from: "0.9.1",
  to: "0.10.0",
  argValue: "v0.10.0",
  serviceValue: "v0.10.0",
  service: "player",
  servicesFile: "service-versions.yaml",
  changelog: "docs/changelog.d/upgrade-player.infra.md",
  mirrors: [{ repo: "mirrors/player", tag: "v0.10.0", url: "https://forge.example.org/t" }],
};

Deno.test("the title reads back, a draft marker allowed; other titles are not the bot's", () => {
  const title = dockerTitle(FACTS);
  assert.equal(title, "Upgrade player from 0.9.1 to 0.10.0");
  assert.deepEqual(parseDockerTitle(title), { package: "player", from: "0.9.1", to: "0.10.0" });
  assert.deepEqual(parseDockerTitle(`WIP: ${title}`)?.to, "0.10.0");
  assert.equal(parseDockerTitle("C2(upgrade-player): player 0.9.1 -> 0.10.0"), null);
  assert.equal(parseDockerTitle("Upgrade player to 0.10.0"), null);
});

Deno.test("the body says what moved and that the repository's workflow builds the image", () => {
  const body = dockerBody(FACTS);
  assert.match(body, /`containers\/player\/Dockerfile`: `ARG CONTAINER_APP_VERSION=v0\.10\.0`/);
  assert.match(body, /`service-versions\.yaml`: `player` at `v0\.10\.0`/);
  assert.match(
    body,
    /built by the repository's workflow \(`\.forgejo\/workflows\/build-container\.yaml`\), not by\s+upgrade-bot/,
  );
  assert.match(body, /C1: this branch and pull request, no Mikado cards/);
  assert.match(body, /\[`mirrors\/player` at `v0\.10\.0`\]\(<https:\/\/forge\.example\.org\/t>\)/);
  // After merge the bot pins the built image's tag; with `deploy: null` a person does.
  assert.match(
    body,
    /^2\. Once the image is in the registry, upgrade-bot opens a pull request pinning/m,
  );
  assert.match(body, /\(branch `deploy-player`\)/);
  assert.doesNotMatch(body, /Update the image tag/);
  assert.match(dockerBody(FACTS, false), /^2\. Update the image tag in .*: the bot does not\)\.$/m);
});

Deno.test("the changelog fragment: the package's line replaced, others kept", () => {
  const first = dockerChangelog(null, FACTS);
  assert.equal(
    first,
    "Upgrade player from 0.9.1 to 0.10.0 (Dockerfile, built from the forge mirror mirrors/player " +
      "at v0.10.0).\n",
  );
  const later = dockerChangelog(`Someone's note.\n${first}`, { ...FACTS, to: "0.11.0" });
  assert.equal(later.split("\n").filter(Boolean).length, 2);
  assert.match(later, /^Someone's note\.\nUpgrade player from 0\.9\.1 to 0\.11\.0 /);
});

Deno.test("the failing-checks note names each failing check once, with the head's marker", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  const note = checksFailedNote(sha, [
    { context: "lint", state: "success", description: "ok", url: "" },
    { context: "checks", state: "failure", description: "version\nmismatch", url: "http://ci/7" },
    { context: "build", state: "error", description: "", url: "" },
  ]);
  assert.ok(note.startsWith(checksMarker(sha)));
  assert.match(note, /^- `checks` failure: version mismatch \(\[details\]\(<http:\/\/ci\/7>\)\)$/m);
  assert.match(note, /^- `build` error$/m);
  assert.doesNotMatch(note, /`lint`/);
});
