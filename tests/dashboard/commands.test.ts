// `/upgrade NAME [VERSION]` parsing on strings: names and versions are untrusted and checked strictly.
import assert from "node:assert/strict";
import {
  outcomeText,
  parseUpgrade,
  refusedReply,
  upgradeReply,
} from "../../lib/dashboard/commands.ts";
import { makeReport } from "../../lib/flow/report.ts";
import { writtenLike } from "../../lib/images/tags.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";
import { runSettings } from "../../lib/runtime/config.ts";
import { replyMarker } from "../../lib/mikado/pull_text.ts";

const PACKAGES = ["authentik", "ntfy"];
const parse = (body: string) => parseUpgrade(body, PACKAGES);

Deno.test("/upgrade: a known name, with or without a release version", () => {
  assert.deepEqual(parse("/upgrade ntfy"), { request: { name: "ntfy", version: null } });
  assert.deepEqual(parse("  /upgrade ntfy 2.18.0 \n"), {
    request: { name: "ntfy", version: "2.18.0" },
  });
  assert.deepEqual(parse("/upgrade ntfy v2.18.0"), {
    request: { name: "ntfy", version: "2.18.0" },
  }, "a tag's v is dropped");
  assert.deepEqual(parse("/upgrade\tauthentik 2026.5.0-rc1"), {
    request: { name: "authentik", version: "2026.5.0-rc1" },
  });
});

Deno.test("/upgrade: anything else that is not the command is conversation", () => {
  for (
    const body of [
      "",
      "please /upgrade ntfy",
      "> /upgrade ntfy",
      "/upgrades ntfy",
      "/UPGRADE ntfy",
      "/rebuild",
    ]
  ) {
    assert.equal(parse(body), null, body);
  }
});

Deno.test("/upgrade: unknown names and bad versions get a clear error, quoted safely", () => {
  const error = (body: string) => {
    const r = parse(body);
    assert.ok(r && "error" in r, `${body}: ${JSON.stringify(r)}`);
    return r.error;
  };
  assert.match(error("/upgrade"), /^name the package: .*\(the packages: `authentik`, `ntfy`\)$/);
  assert.match(error("/upgrade loki"), /^no package `loki` \(the packages: `authentik`, `ntfy`\)$/);
  assert.match(error("/upgrade ../../etc"), /^no package `\.\.\/\.\.\/etc`/);
  assert.match(error("/upgrade ntfy 2.18"), /^`2\.18` is not a release version like 2\.18\.0$/);
  assert.match(error("/upgrade ntfy latest"), /is not a release version/);
  assert.match(error("/upgrade ntfy 2.18.0;rm"), /is not a release version/);
  assert.match(error("/upgrade ntfy $(id)"), /^`\$\(id\)` is not a release version/);
  assert.match(error("/upgrade ntfy 2.18.0 now"), /^too many words/);
  assert.match(error("/upgrade ntfy\n2.18.0"), /^the command takes one line/);
  // Backticks and a long name cannot break out of the code span or the line.
  const tricky = error("/upgrade `@erich`<b>" + "x".repeat(200));
  assert.match(tricky, /^no package ``+ /);
  assert.ok(tricky.length < 200, "the quote is cut short");
  assert.equal(tricky.split("\n").length, 1);
});

Deno.test("/upgrade replies carry the reply marker of the comment they answer", () => {
  const ran = upgradeReply({ name: "ntfy", version: "2.18.0" }, "opened pull request #5", 41);
  assert.match(ran, /^\/upgrade ntfy 2\.18\.0: opened pull request #5\n\n/);
  assert.ok(ran.endsWith(replyMarker(41)));
  const refused = refusedReply("no package `loki`", 42);
  assert.match(refused, /^\/upgrade: no package `loki`\. Nothing ran\./);
  assert.ok(refused.endsWith(replyMarker(42)));
});

Deno.test("/upgrade's outcome names the versions as the package writes them (an image's two-part tag)", () => {
  const report = makeReport(runSettings(defaultConfig(), { builder: "local" }), {
    package: "blumeops-pg",
    from: "18.3.0",
    to: "18.4.0",
    date: "2026-03-01",
    began: performance.now(),
  }, null);
  report.pull = { number: 9, url: "http://f/p/9", title: "t", body: "", action: "opened" };
  const out = { report, error: null, outcome: "opened" as const };
  assert.equal(outcomeText(out, writtenLike("18.3")), "opened pull request #9 (18.3 → 18.4)");
  assert.equal(outcomeText(out), "opened pull request #9 (18.3.0 → 18.4.0)");
});

Deno.test("/upgrade of an image takes the version as its tags write it (18.4); other kinds' stay whole", () => {
  assert.deepEqual(parseUpgrade("/upgrade blumeops-pg 18.4", ["blumeops-pg"], ["blumeops-pg"]), {
    request: { name: "blumeops-pg", version: "18.4" },
  });
  assert.deepEqual(parseUpgrade("/upgrade pg v19", ["pg"], ["pg"]), {
    request: { name: "pg", version: "19" },
  });
  assert.deepEqual(parseUpgrade("/upgrade pg 18.4.0", ["pg"], ["pg"]), {
    request: { name: "pg", version: "18.4.0" },
  });
  for (const bad of ["latest", "18.4.1.2", "18..4", "$(id)"]) {
    assert.ok("error" in parseUpgrade(`/upgrade pg ${bad}`, ["pg"], ["pg"])!, bad);
  }
  assert.ok("error" in parseUpgrade("/upgrade loki 3.7", ["loki", "pg"], ["pg"])!);
});
