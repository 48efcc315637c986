// Exit codes the README promises, end to end: bot.ts against the Forgejo stand-in.
import assert from "node:assert/strict";
import { makeFixture } from "../support/fixture.ts";
import { startForge } from "../forge/server.ts";
import { runBot, writeConfig } from "../support/bot_run.ts";

const TOKEN = "bot-token-exit-codes-0123456789";

Deno.test("a push the forge rejects ends the run with exit 1, naming git's words", async () => {
  const f = await makeFixture();
  const forge = await startForge({
    root: f.mirrorsDir,
    users: [{ login: "bot", token: TOKEN, permission: "admin" }],
    validate: true,
  });
  try {
    const hook = `${f.mirrorsDir}/eblume/blumeops.git/hooks/pre-receive`;
    await Deno.writeTextFile(hook, "#!/bin/sh\necho 'branch creation is frozen' >&2\nexit 1\n");
    await Deno.chmod(hook, 0o755);
    const config = await writeConfig(f, "local", {
      forge: { url: forge.url, repo: "eblume/blumeops", base: "main", retries: 0 },
    });
    const run = await runBot(["run", "--config", config], { FORGE_TOKEN: TOKEN });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /git push failed.*branch creation is frozen/s);
    assert.ok(!run.stderr.includes(TOKEN));
  } finally {
    await forge.stop();
    await f.cleanup();
  }
});
