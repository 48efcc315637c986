// When the bot first saw a release's tag, kept on the target repository (a real bare repository
// stands for the forge's git side): read back by later runs, never taken from upstream's dates.
import assert from "node:assert/strict";
import { $ } from "zx";
import { firstSeen, sightingsRef } from "../../lib/flow/first_seen.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";
import { runSettings } from "../../lib/runtime/config.ts";

Deno.test("a tag's first sighting is noted on the target once and read back; a moved tag is seen anew; a dry run notes nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-seen-test-" });
  try {
    const target = `${root}/target.git`;
    await $({ quiet: true })`git init -q --bare ${target}`;
    const forge = { gitRemote: () => ({ url: target, env: {} }) };
    const settings = runSettings(defaultConfig(), { builder: "local" });
    const dry = { ...settings, dryRun: true };
    const spec = { name: "authentik" };
    const tag = { repo: "mirrors/authentik", tag: "version/2026.5.0", commit: "a".repeat(40) };
    const day = 86400_000;
    const t0 = Date.parse("2026-05-01T10:00:00Z");

    assert.equal(await firstSeen(dry, forge, spec, tag, t0), t0);
    const refs = async () => (await $({ quiet: true })`git -C ${target} for-each-ref`).stdout;
    assert.equal(await refs(), "", "a dry run pushes nothing");

    assert.equal(await firstSeen(settings, forge, spec, tag, t0), t0);
    assert.match(await refs(), new RegExp(`commit\\t${sightingsRef("authentik")}\\n`));
    // A later run, a day on: the first sighting, not its own time.
    assert.equal(await firstSeen(settings, forge, spec, tag, t0 + day), t0);
    assert.equal(await firstSeen(dry, forge, spec, tag, t0 + 2 * day), t0);
    // The tag moved to another commit: a release the bot has not seen yet.
    const moved = { ...tag, commit: "b".repeat(40) };
    assert.equal(await firstSeen(settings, forge, spec, moved, t0 + day), t0 + day);
    assert.equal(await firstSeen(settings, forge, spec, tag, t0 + 3 * day), t0);
    // Another package keeps its own ref.
    assert.equal(await firstSeen(settings, forge, { name: "ntfy" }, tag, t0 + day), t0 + day);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
