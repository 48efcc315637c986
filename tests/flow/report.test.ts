// The report as people read it, on strings: an image's versions as its tag writes them.
import assert from "node:assert/strict";
import { makeReport, reportText } from "../../lib/flow/report.ts";
import { writtenLike } from "../../lib/images/tags.ts";
import { runSettings } from "../../lib/runtime/config.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";

Deno.test("reportText: the versions as the package writes them (a two-part tag stays two parts)", () => {
  const report = makeReport(runSettings(defaultConfig(), { builder: "local" }), {
    package: "blumeops-pg",
    from: "18.3.0",
    to: "18.4.0",
    date: "2026-03-01",
    began: performance.now(),
  }, null);
  const lines = (text: string) => text.split("\n");
  assert.ok(lines(reportText(report, writtenLike("18.3"))).includes("blumeops-pg 18.3 -> 18.4"));
  // Unless told, the versions the bot orders.
  assert.ok(lines(reportText(report)).includes("blumeops-pg 18.3.0 -> 18.4.0"));
});
