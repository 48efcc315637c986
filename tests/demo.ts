// Demo: a newcomer's first run. Makes the fixture (mirrors and a blumeops-shaped repository) in a
// temp dir and upgrades it from 2026.2.0 to 2026.5.0 with the local builder.
import { makeFixture } from "./fixture.ts";
import { git, writeConfig } from "./botrun.ts";

const keep = Deno.args.includes("--keep");
const fixture = await makeFixture();
try {
  const config = await writeConfig(fixture, "local");
  console.log(`demo: a blumeops-shaped checkout at 2026.2.0 is in ${fixture.repo}`);
  console.log(`demo: running bot.ts upgrade --version 2026.5.0 --builder local\n`);
  const bot = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../bot.ts", import.meta.url).pathname,
      "upgrade",
      "--repo",
      fixture.repo,
      "--version",
      "2026.5.0",
      "--config",
      config,
    ],
  }).spawn().status;
  console.log(`\ndemo: bot.ts exited ${bot.code}; what it committed on its branch:\n`);
  console.log(await git(fixture.repo, "log", "--format=%h %s", "main..HEAD"));
  console.log(await git(fixture.repo, "diff", "main..HEAD"));
  if (!bot.success) Deno.exitCode = 1;
} finally {
  if (keep) console.log(`demo: kept ${fixture.root}`);
  else await fixture.cleanup();
}
