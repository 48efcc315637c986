// One run at a time under the target's lock (lib/runtime/workspace.ts), end to end: concurrent cron
// runs of bot.ts against the Forgejo stand-in, each round after a run killed holding the lock.
// Its own file, so that its rounds (100 bot runs) go beside the other files of `deno task test`.
import assert from "node:assert/strict";
import { withForgeWorld } from "../support/forge_world.ts";
import { git } from "../support/bot_run.ts";
import { lockHolder } from "../support/lock_holder.ts";

const TOKEN = "bot-token-workspace-0123456789";
const BRANCH = "mikado/upgrade-authentik";

/** A process that takes the target's lock as the bot does, killed (SIGKILL) while holding it. */
async function killedHolder(dir: string): Promise<void> {
  const child = await lockHolder({
    dir,
    repo: "eblume/blumeops",
    command: "run",
    waitSeconds: 60,
    staleSeconds: 21600,
  });
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel();
}

Deno.test("one at a time: 20 rounds of 5 concurrent cron runs, each round exactly one upgrade", async () => {
  await withForgeWorld({
    token: TOKEN,
    // Each round moves the pull request to the next series' release, the way `latest` does.
    config: { upgrade_path: "latest", lock: { wait_seconds: 120 } },
  }, async (w) => {
    const rounds = Number(Deno.env.get("RACE_ROUNDS") ?? 20);
    let latest = "2026.5.0";
    let number: number | undefined;
    for (let round = 0; round < rounds; round++) {
      // Each round starts where a killed run left its lock file behind (a dead pid in it), which
      // every waiter must get past without two of them taking it.
      await killedHolder(`${w.f.root}/locks`);
      const runs = await Promise.all(Array.from({ length: 5 }, () => w.cron("--no-build")));
      for (const r of runs) assert.equal(r.code, 0, `round ${round}: ${r.stderr}${r.stdout}`);
      const moved = runs.filter((r) => (r.json?.pull as { action?: string } | undefined)?.action);
      assert.equal(moved.length, 1, `round ${round}: exactly one upgrade`);
      const open = await w.api(`/repos/eblume/blumeops/pulls?state=open&limit=50`) as {
        number: number;
        title: string;
        head: { sha: string };
      }[];
      assert.equal(open.length, 1, `round ${round}: one pull request`);
      // Rewritten in place, never deleted (that would close it): the same pull request throughout.
      number ??= open[0].number;
      assert.equal(open[0].number, number, `round ${round}: the same pull request`);
      assert.match(open[0].title, new RegExp(`-> ${latest.replaceAll(".", "\\.")}$`));
      assert.equal(
        (await git(w.f.repo, "ls-remote", "origin", BRANCH)).split("\t")[0],
        open[0].head.sha,
      );
      // The next release: the next round moves the pull request to it.
      latest = `2026.${6 + round}.0`;
      await w.f.addRelease({ version: latest });
    }
  });
});
