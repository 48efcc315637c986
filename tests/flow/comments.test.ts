// /rebuild end to end (cron scan, `event`, `serve`) against the stand-in, real git and nix-build.
import assert from "node:assert/strict";
import { $ } from "zx";
import { eventFromPayload } from "../../lib/platform/forgejo/comment_event.ts";
import { parseCommand } from "../../lib/flow/comments.ts";
import { PYTHON_DEPS_COPY, replacePythonDepsCopy } from "../support/fixture.ts";
import { type ForgeWorld, withForgeWorld } from "../support/forge_world.ts";
import { botArgs, commitEdit, git, runBot } from "../support/bot_run.ts";
import { branchCommits, mikadoViolations } from "../support/mikado.ts";
import { forgejoSignature } from "../support/webhooks.ts";

const TOKEN = "bot-token-rebuild-0123456789";
const SECRET = "webhook-secret-for-tests";
const BRANCH = "mikado/upgrade-authentik";
const CARDS = "docs/how-to/authentik";

Deno.test("only a comment that is exactly /rebuild is a command", () => {
  assert.equal(parseCommand("/rebuild"), "rebuild");
  assert.equal(parseCommand("  /rebuild \n"), "rebuild");
  for (
    const body of [
      "/rebuild now",
      "/rebuild; rm -rf /",
      "/rebuild $(touch /tmp/x)",
      "please /rebuild",
      "> /rebuild",
      "/REBUILD",
      "",
    ]
  ) {
    assert.equal(parseCommand(body), null, body);
  }
});

function payload(overrides: Record<string, unknown> = {}) {
  return {
    action: "created",
    issue: { number: 3, pull_request: { merged: false } },
    comment: { id: 7, body: "/rebuild", user: { login: "erich" } },
    repository: { full_name: "eblume/blumeops" },
    ...overrides,
  };
}

Deno.test("payloads are checked field by field", () => {
  assert.deepEqual(eventFromPayload(payload()), {
    repo: "eblume/blumeops",
    pull: 3,
    commentId: 7,
    body: "/rebuild",
    user: "erich",
    edited: false,
  });
  assert.equal(eventFromPayload(payload({ action: "edited" }))!.edited, true);
  assert.equal(
    eventFromPayload(payload({ issue: { number: 3, pull_request: null } })),
    null,
    "an issue, not a PR",
  );
  assert.equal(eventFromPayload(payload({ action: "deleted" })), null);
  assert.equal(
    eventFromPayload(payload({ comment: { id: "7", body: "/rebuild", user: { login: "x" } } })),
    null,
  );
  assert.equal(
    eventFromPayload(payload({ comment: { id: 7, body: ["/rebuild"], user: { login: "x" } } })),
    null,
  );
  assert.equal(eventFromPayload([payload()]), null);
  assert.equal(eventFromPayload(null), null);
});

interface World extends ForgeWorld {
  pull: number;
  comment: (login: string, body: string) => Promise<number>;
  replies: () => Promise<string[]>;
  branchTip: () => Promise<string>;
}

/** A fixture whose python-deps build fails on the bot's draft pull request, and people to comment. */
function withDraftPull(fn: (w: World) => Promise<void>) {
  return withForgeWorld({
    token: TOKEN,
    people: [
      { login: "erich", token: "erich-token", permission: "write" },
      { login: "mallory", token: "mallory-token", permission: "read" },
    ],
  }, async (w) => {
    const work = await w.clone();
    await commitEdit(
      work,
      "containers/authentik/python-deps.nix",
      replacePythonDepsCopy(
        `test -e $src/fixed || { echo "uv: no solution" >&2; exit 1; }; ${PYTHON_DEPS_COPY}`,
      ),
    );
    await $({ cwd: work, quiet: true })`git push -q origin main`;
    const first = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(first.code, 1, `the first run fails on python-deps: ${first.stderr}`);
    const [pr] = await w.api("/repos/eblume/blumeops/pulls?state=open") as {
      number: number;
      title: string;
    }[];
    assert.match(pr.title, /^WIP: /);
    await fn({
      ...w,
      pull: pr.number,
      comment: async (login, body) =>
        Number((await w.forge.addComment("eblume", "blumeops", pr.number, login, body)).id),
      replies: async () =>
        (await w.api(`/repos/eblume/blumeops/issues/${pr.number}/comments`) as {
          body: string;
          user: { login: string };
        }[])
          .filter((c) => c.user.login === "bot").map((c) => c.body),
      branchTip: async () =>
        (await git(w.f.repo, "ls-remote", "origin", `refs/heads/${BRANCH}`)).split("\t")[0],
    });
  });
}

/** Erich fixes the prerequisite on the branch, as the draft pull request asks. */
async function fixOnBranch(w: World) {
  const work = `${w.f.root}/fix`;
  await $({
    quiet: true,
  })`git clone -q -b ${BRANCH} ${`${w.f.mirrorsDir}/eblume/blumeops.git`} ${work}`;
  const file = `${work}/containers/authentik/python-deps.nix`;
  await Deno.writeTextFile(
    file,
    (await Deno.readTextFile(file)).replace("test -e $src/fixed || ", "true || "),
  );
  await $({
    cwd: work,
    quiet: true,
  })`git -c user.name=Erich -c user.email=blume@example.org commit -qam ${"C2(upgrade-authentik): impl accept the lock file as it is"}`;
  await $({ cwd: work, quiet: true })`git push -q origin ${BRANCH}`;
}

Deno.test("/rebuild from a writer, seen by the cron scan: closes the card, finalizes, replies", async () => {
  await withDraftPull(async (w) => {
    await fixOnBranch(w);
    const id = await w.comment("erich", "/rebuild");
    await w.comment("erich", "looks good, thanks");
    const run = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /rebuilt #\d+: passed/);
    const replies = await w.replies();
    assert.equal(replies.length, 1);
    assert.match(replies[0], /^\/rebuild passed: the whole build passes \(3 nix-build runs/);
    assert.ok(replies[0].includes(`reply to comment ${id}`));
    const reactions = await w.api(`/repos/eblume/blumeops/issues/comments/${id}/reactions`) as {
      content: string;
    }[];
    assert.deepEqual(reactions.map((r) => r.content), ["eyes"]);
    const [pr] = await w.api("/repos/eblume/blumeops/pulls?state=open") as { title: string }[];
    assert.equal(
      pr.title,
      "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0",
      "no longer a draft",
    );

    const repo = `${w.f.root}/check`;
    await $({
      quiet: true,
    })`git clone -q -b ${BRANCH} ${`${w.f.mirrorsDir}/eblume/blumeops.git`} ${repo}`;
    const commits = await branchCommits(repo, "origin/main..HEAD");
    assert.deepEqual(commits.map((c) => c.verb), [
      "plan",
      "plan",
      "impl",
      "impl",
      "impl",
      "impl",
      "close",
      "finalize",
    ]);
    assert.deepEqual(mikadoViolations(commits, "upgrade-authentik", CARDS), []);
    const card = await Deno.readTextFile(
      `${repo}/${CARDS}/upgrade-authentik-authentik-python-deps.md`,
    );
    assert.doesNotMatch(card, /^status:/m);

    const again = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await w.replies()).length, 1, "each comment is handled once");
  });
});

Deno.test("/rebuild from someone without write access gets a short reply and runs nothing", async () => {
  await withDraftPull(async (w) => {
    const tip = await w.branchTip();
    await w.comment("mallory", "/rebuild");
    const run = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /denied: mallory may not \/rebuild/);
    const replies = await w.replies();
    assert.equal(replies.length, 1);
    assert.match(replies[0], /^@mallory: only people with write access/);
    assert.equal(await w.branchTip(), tip, "nothing ran");
  });
});

Deno.test("event FILE and the cron scan see the same comment: it is handled once", async () => {
  await withDraftPull(async (w) => {
    const id = await w.comment("erich", "/rebuild");
    const file = `${w.f.root}/event.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify(
        payload({
          issue: { number: w.pull, pull_request: {} },
          comment: { id, body: "/rebuild", user: { login: "erich" } },
        }),
      ),
    );
    const event = await runBot(["event", file, "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(event.code, 0, event.stderr);
    assert.match(event.stdout, /rebuilt #\d+: failed/, "not fixed yet: the rebuild fails");
    const replies = await w.replies();
    assert.equal(replies.length, 1);
    assert.match(replies[0], /^\/rebuild failed after 2 nix-build runs/);
    assert.match(replies[0], /uv: no solution/);
    const cron = await runBot(["run", "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.equal(cron.code, 0, cron.stderr);
    assert.equal((await w.replies()).length, 1);
    const again = await runBot(["event", file, "--config", w.config], { FORGE_TOKEN: TOKEN });
    assert.match(again.stdout, /answered already/);

    for (
      const [body, expected] of [
        [
          payload({ action: "edited", issue: { number: w.pull, pull_request: {} } }),
          /an edited comment/,
        ],
        [
          payload({ issue: { number: 999, pull_request: {} } }),
          /#999 is not the bot's open pull request/,
        ],
        [payload({ repository: { full_name: "someone/else" } }), /another repository/],
        [
          payload({ comment: { id: 1, body: "/rebuild && curl evil", user: { login: "erich" } } }),
          /not a command/,
        ],
        [{ zen: "not a comment" }, /not a pull request comment/],
      ] as const
    ) {
      await Deno.writeTextFile(file, JSON.stringify(body));
      const r = await runBot(["event", file, "--config", w.config], { FORGE_TOKEN: TOKEN });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, expected);
    }
    assert.equal((await w.replies()).length, 1);
  });
});

function sign(body: string): Promise<string> {
  return forgejoSignature(body, SECRET);
}

Deno.test("serve: signed webhooks are queued and answered; bad ones are refused before parsing", async () => {
  await withDraftPull(async (w) => {
    await fixOnBranch(w);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const server = new Deno.Command(Deno.execPath(), {
      args: botArgs([
        "serve",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--config",
        w.config,
      ]),
      env: { FORGE_TOKEN: TOKEN, WEBHOOK_SECRET: SECRET },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const url = `http://127.0.0.1:${port}/`;
      for (let i = 0; i < 100; i++) {
        if (await fetch(url).then((r) => r.body?.cancel(), () => "down") !== "down") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const id = await w.comment("erich", "/rebuild");
      const body = JSON.stringify(
        payload({
          issue: { number: w.pull, pull_request: {} },
          comment: { id, body: "/rebuild", user: { login: "erich" } },
        }),
      );
      const post = async (headers: Record<string, string>, data = body) => {
        const r = await fetch(url, {
          method: "POST",
          body: data,
          headers: { "X-Forgejo-Event": "issue_comment", ...headers },
        });
        return { status: r.status, text: await r.text() };
      };
      assert.equal((await post({})).status, 401, "missing signature");
      assert.equal(
        (await post({ "X-Forgejo-Signature": "0".repeat(64) })).status,
        401,
        "bad signature",
      );
      assert.equal(
        (await post({ "X-Forgejo-Signature": await sign(body) }, body + " ")).status,
        401,
        "body changed",
      );
      assert.equal(
        (await post({ "X-Forgejo-Signature": await sign("x") }, "x".repeat(2 * 1024 * 1024)))
          .status,
        413,
      );
      const accepted = await post({ "X-Forgejo-Signature": await sign(body) });
      assert.equal(accepted.status, 202, accepted.text);
      const replayed = await post({
        "X-Gitea-Signature": await sign(body),
        "X-Forgejo-Delivery": "another-id",
      });
      assert.equal(replayed.status, 200);
      assert.match(replayed.text, /replayed/);
      let replies: string[] = [];
      for (let i = 0; i < 300 && replies.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        replies = await w.replies();
      }
      assert.equal(replies.length, 1);
      assert.match(replies[0], /^\/rebuild passed/);
    } finally {
      server.kill("SIGTERM");
      const out = await server.output();
      assert.ok(
        !new TextDecoder().decode(out.stderr).includes(SECRET),
        "the secret is never printed",
      );
    }
  });
});

Deno.test("rebuild.allow lets a listed login /rebuild without write access", async () => {
  await withDraftPull(async (w) => {
    await fixOnBranch(w);
    const allowing = await w.configWith({ rebuild: { allow: ["mallory"] } });
    await w.comment("mallory", "/rebuild");
    const run = await runBot(["run", "--config", allowing], { FORGE_TOKEN: TOKEN });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /\/rebuild from mallory/);
    const replies = await w.replies();
    assert.equal(replies.length, 1);
    assert.match(replies[0], /^\/rebuild passed/);
  });
});

Deno.test("/rebuild of a branch whose .nix reads the bot's secrets: neither reaches a .drv, a log file, a commit or a comment", async () => {
  await withDraftPull(async (w) => {
    const nonce = `leak-probe-${crypto.randomUUID()}`;
    const secret = `webhook-secret-${crypto.randomUUID()}`;
    const work = `${w.f.root}/mallicious-writer`;
    await $({
      quiet: true,
    })`git clone -q -b ${BRANCH} ${`${w.f.mirrorsDir}/eblume/blumeops.git`} ${work}`;
    const file = `${work}/containers/authentik/python-deps.nix`;
    const read = '${builtins.getEnv "FORGE_TOKEN"} ${builtins.getEnv "WEBHOOK_SECRET"}';
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file))
        .replace("buildCommand = ''\n", `buildCommand = ''\n    echo "${nonce} ${read}"; exit 1\n`)
        .replace(
          "outputHashMode =",
          `leakProbe = builtins.trace "trace ${nonce} ${read}" "${nonce}";\n  outputHashMode =`,
        ),
    );
    await $({
      cwd: work,
      quiet: true,
    })`git -c user.name=Erich -c user.email=blume@example.org commit -qam ${"C2(upgrade-authentik): impl try something"}`;
    await $({ cwd: work, quiet: true })`git push -q origin ${BRANCH}`;
    await w.comment("erich", "/rebuild");
    const run = await runBot(["run", "--config", w.config], {
      FORGE_TOKEN: TOKEN,
      WEBHOOK_SECRET: secret,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /rebuilt #\d+: failed/);

    // The probe ran: its derivation exists and its output reached the reply.
    const drvs = (await $({
      nothrow: true,
      quiet: true,
    })`grep -l -F ${nonce} -r /nix/store --include=*.drv`).stdout.trim().split("\n")
      .filter(Boolean);
    assert.ok(drvs.length > 0, "the branch's .nix was evaluated");
    const replies = await w.replies();
    assert.ok(replies.some((r) => r.includes(nonce)), replies.join("\n---\n"));

    const logs = [...Deno.readDirSync(`${w.f.root}/logs`)].map((e) =>
      Deno.readTextFileSync(`${w.f.root}/logs/${e.name}`)
    );
    assert.ok(logs.some((l) => l.includes(`trace ${nonce}`)), "the trace reached the log");
    const pulls = await w.api("/repos/eblume/blumeops/pulls?state=all") as { body: string }[];
    const comments = await w.api(`/repos/eblume/blumeops/issues/${w.pull}/comments`) as {
      body: string;
    }[];
    const history = await git(w.f.mirrorsDir + "/eblume/blumeops.git", "log", "-p", "--all");
    const places: [string, string][] = [
      ...drvs.map((d): [string, string] => [d, Deno.readTextFileSync(d)]),
      ...logs.map((l, i): [string, string] => [`log file ${i}`, l]),
      ...comments.map((c, i): [string, string] => [`comment ${i}`, c.body]),
      ...pulls.map((p, i): [string, string] => [`pull ${i}`, p.body]),
      ["git history", history],
      ["stdout", run.stdout],
      ["stderr", run.stderr],
    ];
    for (const [where, text] of places) {
      assert.ok(!text.includes(TOKEN), `the token leaked into ${where}`);
      assert.ok(!text.includes(secret), `the webhook secret leaked into ${where}`);
    }
  });
});
