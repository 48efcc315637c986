// Demo: a newcomer's first run, with no network. Makes the fixture (authentik mirrors and a
// blumeops-shaped repository, at 2026.2.0, with 2026.5.0 released), serves it with the Forgejo
// stand-in, and runs the bot's cron mode with the local builder: it opens the upgrade pull request.
import { makeFixture } from "../support/fixture.ts";
import { startForge } from "../forge/server.ts";
import { botArgs, writeConfig } from "../support/bot_run.ts";

const keep = Deno.args.includes("--keep");
const token = crypto.randomUUID();
const fixture = await makeFixture();
const forge = await startForge({
  root: fixture.mirrorsDir,
  users: [{ login: "bot", token, permission: "admin" }],
});
try {
  const config = await writeConfig(fixture, "local", {
    forge: { url: forge.url, repo: "eblume/blumeops", base: "main" },
  });
  console.log(
    `demo: a Forgejo stand-in at ${forge.url} serves eblume/blumeops (authentik 2026.2.0)`,
  );
  console.log(
    `demo: and the mirrors mirrors/authentik and mirrors/authentik-client-go (2026.5.0 is out)`,
  );
  console.log(`demo: running: deno run -P bot.ts run --config ${config}\n`);
  const bot = await new Deno.Command(Deno.execPath(), {
    args: botArgs([
      "run",
      "--config",
      config,
    ]),
    env: { FORGE_TOKEN: token },
  }).spawn().status;
  const response = await fetch(`${forge.url}/api/v1/repos/eblume/blumeops/pulls?state=open`, {
    headers: { Authorization: `token ${token}` },
  });
  const [pull] = await response.json();
  console.log(`\ndemo: bot.ts exited ${bot.code}`);
  if (pull) {
    console.log(`demo: pull request #${pull.number} at ${pull.html_url}`);
    console.log(`demo: title: ${pull.title}\n\n${pull.body}`);
  }
  if (!bot.success || !pull) Deno.exitCode = 1;
} finally {
  await forge.stop();
  if (keep) console.log(`demo: kept ${fixture.root}`);
  else await fixture.cleanup();
}
