// The dashboard issue end to end: bot.ts cron runs against the Forgejo stand-in (every reply checked
// against the swagger), with real git; `--no-build` where the build is beside the point.
import assert from "node:assert/strict";
import { $ } from "zx";
import { type ForgeWorld, withForgeWorld } from "../support/forge_world.ts";
import { DASHBOARD_MARKER } from "../../lib/dashboard/marker.ts";
import { replyMarker } from "../../lib/mikado/pull_text.ts";
import { runBot } from "../support/bot_run.ts";

const TOKEN = "bot-token-dashboard-0123456789";
const REPO = "/repos/eblume/blumeops";

type ApiIssue = { number: number; title: string; body: string; user: { login: string } };
type ApiComment = { id: number; body: string; user: { login: string } };

/** The open issues (not pulls) of the target, oldest first. */
async function issues(w: ForgeWorld): Promise<ApiIssue[]> {
  const list = await w.api(`${REPO}/issues?type=issues&state=open&limit=50`) as ApiIssue[];
  return list.sort((a, b) => a.number - b.number);
}

/** The requests a cron run made, as "METHOD path", and those that change something on the forge
 * (API writes; git's POSTs to upload-pack only read). */
function requestsOf(w: ForgeWorld, from: number) {
  const all = w.forge.requests.slice(from).map((r) => `${r.method} ${r.path}`);
  const writes = all.filter((r) => r.startsWith("POST /api/") || /^(PATCH|PUT|DELETE) /.test(r));
  return { all, writes };
}

/** The table row of `service` in the dashboard's body, its cells. */
function row(body: string, service: string): string[] {
  const line = body.split("\n").find((l) => l.startsWith(`| ${service} |`));
  assert.ok(line, `a row for ${service} in:\n${body}`);
  return line.slice(2, -2).split(" | ");
}

/** Tags `tag` on the fixture's mirror `name` (its newest commit), as a mirror sync would. */
async function tagMirror(w: ForgeWorld, name: string, tag: string) {
  const bare = `${w.f.mirrorsDir}/mirrors/${name}.git`;
  await $({ quiet: true })`git -C ${bare} tag ${tag} HEAD`;
}

Deno.test("one dashboard: opened once, untouched by a run with nothing new, edited when a state changes", async () => {
  await withForgeWorld({
    token: TOKEN,
    people: [{ login: "mallory", token: "mallory-token", permission: "read" }],
    fixture: { current: "2026.5.0" },
  }, async (w) => {
    // Someone else's issue carrying the marker is not the bot's dashboard.
    await w.forge.openIssue("eblume", "blumeops", {
      title: "Upgrade dashboard",
      body: `${DASHBOARD_MARKER}\n| authentik | pwned |`,
      poster: "mallory",
    });
    let from = w.forge.requests.length;
    const first = await w.cron();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /dashboard: #2 opened: http/);
    assert.match(first.json!.dashboard as string, /^#2 opened: http/);
    assert.deepEqual(requestsOf(w, from).writes, ["POST /api/v1/repos/eblume/blumeops/issues"]);
    const [, board] = await issues(w);
    assert.equal(board.user.login, "bot");
    assert.equal(board.title, "Upgrade dashboard");
    assert.ok(board.body.startsWith(DASHBOARD_MARKER));
    assert.deepEqual(row(board.body, "authentik").slice(0, 2), ["authentik", "2026.5.0"]);
    assert.deepEqual(row(board.body, "authentik").slice(3), ["2026.5.0", "up to date"]);
    // A service no package watches says why: here no file the scan reads holds its version.
    assert.deepEqual(row(board.body, "argocd").slice(3), [
      "not watched: no file the bot scans holds its version",
      "—",
    ]);

    // Nothing new: no write at all, and the dashboard's own reads are few.
    from = w.forge.requests.length;
    const second = await w.cron();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.json!.dashboard, "#2 unchanged");
    assert.doesNotMatch(second.stdout, /^dashboard:/m, "no news on stdout (cron mails it)");
    const quiet = requestsOf(w, from);
    assert.deepEqual(quiet.writes, [], quiet.all.join("\n"));
    // The dashboard's reads: who the bot is and one list of its open issues; the services' file
    // is read once, for the package's version and the table.
    const count = (r: string) => quiet.all.filter((x) => x === r).length;
    assert.equal(count("GET /api/v1/user"), 1);
    assert.equal(
      count(`GET /api/v1${REPO}/issues?type=issues&state=open&created_by=bot&page=1&limit=50`),
      1,
    );
    assert.equal(quiet.all.filter((r) => r.includes("/issues")).length, 1, "no comments read");
    assert.equal(count(`GET /api/v1${REPO}/raw/service-versions.yaml?ref=main`), 1);
    console.log(
      `a cron run with nothing new: ${quiet.all.length} forge requests:\n  ` +
        quiet.all.join("\n  "),
    );
    assert.equal((await issues(w)).length, 2, "still one dashboard (and mallory's issue)");

    // A body rendered on an earlier day counts its ages on that day: still nothing to edit.
    const earlier = board.body.replace(/counted on \d{4}-\d{2}-\d{2}\./, "counted on 2026-03-02.")
      .replace(/\| authentik \| 2026\.5\.0 \| \d+ days? \|/, "| authentik | 2026.5.0 | 1 day |")
      .replace(/\| argocd \| v3\.1\.8 \| \d+ days? \|/, "| argocd | v3.1.8 | 16 days |");
    await w.api(`${REPO}/issues/2`, { method: "PATCH", body: JSON.stringify({ body: earlier }) });
    from = w.forge.requests.length;
    const later = await w.cron();
    assert.equal(later.code, 0, later.stderr);
    assert.deepEqual(requestsOf(w, from).writes, []);

    // A release whose client-go tag is missing: the state changes, the dashboard is edited once.
    await tagMirror(w, "authentik", "version/2026.6.0");
    from = w.forge.requests.length;
    const waiting = await w.cron();
    assert.equal(waiting.code, 0, waiting.stderr);
    assert.deepEqual(requestsOf(w, from).writes, [`PATCH /api/v1${REPO}/issues/2`]);
    const [, edited] = await issues(w);
    assert.equal(edited.number, 2);
    assert.deepEqual(row(edited.body, "authentik").slice(3), [
      "2026.6.0",
      "waiting: 2026.6.0 (no tag on mirrors/authentik-client-go yet)",
    ]);
    assert.doesNotMatch(edited.body, /counted on 2026-03-02/, "ages counted again, on today");
    from = w.forge.requests.length;
    await w.cron();
    assert.deepEqual(requestsOf(w, from).writes, [], "and then left alone");

    // A second dashboard of the bot's (a create whose answer was lost): closed, the first kept.
    await w.api(`${REPO}/issues`, {
      method: "POST",
      body: JSON.stringify({ title: "Upgrade dashboard", body: edited.body }),
    });
    const dedup = await w.cron();
    assert.match(dedup.stdout, /dashboard: #2 unchanged; a second dashboard #3 closed/);
    assert.deepEqual((await issues(w)).map((i) => i.number), [1, 2]);

    // dashboard: null turns it off: no issue requests at all.
    from = w.forge.requests.length;
    const off = await runBot(
      ["run", "--config", await w.configWith({ dashboard: null })],
      { FORGE_TOKEN: TOKEN },
    );
    assert.equal(off.code, 0, off.stderr);
    assert.ok(!requestsOf(w, from).all.some((r) => r.includes("/issues")));
  });
});

Deno.test("/upgrade on the dashboard: a writer's runs the package once; a reader's and bad ones are refused", async () => {
  await withForgeWorld({
    token: TOKEN,
    people: [
      { login: "erich", token: "erich-token", permission: "write" },
      { login: "mallory", token: "mallory-token", permission: "read" },
    ],
  }, async (w) => {
    // The bot's pull request for 2026.5.0 was closed without merge: cron runs skip that release.
    const opened = await w.cron("--no-build");
    assert.equal(opened.code, 0, opened.stderr);
    const pull = opened.json!.pull as { number: number };
    await w.forge.closePull("eblume", "blumeops", pull.number);
    const skipped = await w.cron("--no-build");
    assert.match(skipped.stderr, /2026\.5\.0: skipped, pull request #\d+ was closed without merge/);
    const [board] = await issues(w);
    assert.deepEqual(row(board.body, "authentik").slice(3), ["2026.5.0", "up to date"]);

    const say = async (login: string, body: string) =>
      Number((await w.forge.addComment("eblume", "blumeops", board.number, login, body)).id);
    const denied = await say("mallory", "/upgrade authentik");
    const unknown = await say("erich", "/upgrade loki");
    const bad = await say("erich", "/upgrade authentik 2026.5");
    await say("erich", "thanks, looks good");
    const asked = await say("erich", "/upgrade authentik");

    const ran = await w.cron("--no-build");
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.json!.outcome, "opened", "the forced run opened a new pull request");
    assert.equal((ran.json!.version as { to: string }).to, "2026.5.0");
    const replies = async () =>
      (await w.api(`${REPO}/issues/${board.number}/comments`) as ApiComment[])
        .filter((c) => c.user.login === "bot");
    const answer = async (id: number) => {
      const found = (await replies()).filter((c) => c.body.includes(replyMarker(id)));
      assert.equal(found.length, 1, `one reply to comment ${id}`);
      return found[0].body;
    };
    assert.match(await answer(denied), /^@mallory: only people with write access .* \/upgrade\./);
    assert.match(
      await answer(unknown),
      /^\/upgrade: no package `loki` \(the packages: `authentik`\)\. Nothing ran\./,
    );
    assert.match(await answer(bad), /^\/upgrade: `2026\.5` is not a release version/);
    assert.match(
      await answer(asked),
      /^\/upgrade authentik 2026\.5\.0: opened pull request #\d+ \(2026\.2\.0 → 2026\.5\.0\)/,
    );
    assert.equal((await replies()).length, 4, "no reply to conversation");
    const [after] = await issues(w);
    assert.match(
      row(after.body, "authentik")[4],
      /^pull request \[#\d+\]\(http[^)]+\) open: 2026\.5\.0$/,
    );

    // The next run does not run the command again: no forced update of the pull request, no
    // second reply.
    const again = await w.cron("--no-build");
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json!.outcome, "up to date");
    assert.match(again.json!.message as string, /its pull request is open already/);
    assert.equal((await replies()).length, 4);
    const eyes = await w.api(`${REPO}/issues/comments/${asked}/reactions`) as
      | { content: string }[]
      | null;
    assert.deepEqual(eyes?.map((r) => r.content), ["eyes"]);
  });
});

Deno.test("a title edited to a version the bot cannot order stops neither the package nor the dashboard; a comment whose author was deleted is skipped with a line", async () => {
  await withForgeWorld({
    token: TOKEN,
    people: [{ login: "erich", token: "erich-token", permission: "write" }],
  }, async (w) => {
    const opened = await w.cron("--no-build");
    assert.equal(opened.code, 0, opened.stderr);
    const pull = opened.json!.pull as { number: number };
    // A person edits the bot's title to a version semver cannot order.
    await w.api(`${REPO}/pulls/${pull.number}`, {
      method: "PATCH",
      body: JSON.stringify({ title: "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5" }),
    });
    const edited = await w.cron("--no-build");
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(
      edited.stderr,
      /authentik: the title of pull request #\d+ \(".* -> 2026\.5"\) names no version the bot can order: read as naming none/,
    );
    assert.doesNotMatch(edited.stdout + edited.stderr, /TypeError|Invalid Version/);
    // Read as naming no version: the bot moves its pull request as usual, titled again.
    assert.equal(edited.json!.outcome, "updated");
    const [now] = await w.api(`${REPO}/pulls?state=open`) as { title: string }[];
    assert.equal(now.title, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5.0");
    const [board] = await issues(w);
    assert.match(
      row(board.body, "authentik")[4],
      new RegExp(`^pull request \\[#${pull.number}\\]\\(http[^)]+\\) open: 2026\\.5\\.0$`),
    );

    // The stand-in answers 404 for the permission of a login it does not know: a deleted account.
    const say = async (login: string, body: string) =>
      Number((await w.forge.addComment("eblume", "blumeops", board.number, login, body)).id);
    const gone = await say("departed", "/upgrade authentik");
    const asked = await say("erich", "/upgrade authentik");
    const ran = await w.cron("--no-build");
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stderr,
      /departed no longer exists on the forge \(404\): their command is skipped/,
    );
    const replies = (await w.api(`${REPO}/issues/${board.number}/comments`) as ApiComment[])
      .filter((c) => c.user.login === "bot");
    assert.equal(replies.filter((c) => c.body.includes(replyMarker(gone))).length, 0);
    const answered = replies.filter((c) => c.body.includes(replyMarker(asked)));
    assert.equal(answered.length, 1, "the other comment is answered");
    assert.match(answered[0].body, /^\/upgrade authentik 2026\.5\.0: /);
    assert.doesNotMatch(answered[0].body, /failed/);
  });
});
