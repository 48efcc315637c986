// The dashboard's rows, body and marker, on strings; and the rows of the REAL service-versions.yaml.
import assert from "node:assert/strict";
import { $ } from "zx";
import { listServices } from "../../lib/mikado/service_versions.ts";
import { cell, renderDashboard, renderedOn } from "../../lib/dashboard/render.ts";
import {
  dashboardRows,
  daysSince,
  type PackageStatus,
  type Row,
} from "../../lib/dashboard/rows.ts";
import { DASHBOARD_MARKER, findDashboard } from "../../lib/dashboard/marker.ts";
import type { Issue } from "../../lib/platform/forge.ts";
import { OFFLINE, realRepoSource } from "../support/real_world.ts";
import { scanCheckout, scannedConfig } from "../../lib/repository/packages.ts";
import { packageSpecs } from "../../lib/runtime/config.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";
import { serviceOf } from "../../lib/dashboard/states.ts";

const SERVICES = `# comment
services:
  - name: prometheus
    last-reviewed: 2026-02-16
    current-version: "v3.9.1"
  - name: ntfy
    last-reviewed: "2026-02-17"
    current-version: "v2.17.0"
  - name: authentik
    last-reviewed: 2026-03-01
    current-version: 2026.2.0
  - name: alloy
    last-reviewed: null
    current-version: null
`;

const status = (service: string, state: PackageStatus["state"], newest = "9.9.9") => ({
  service,
  package: service,
  newest,
  state,
});

function rows(statuses: PackageStatus[]): Row[] {
  return dashboardRows(listServices(SERVICES, "service-versions.yaml"), statuses);
}

/** The table's data lines of a body, each split into its cells (on unescaped pipes). */
function table(body: string): string[][] {
  return body.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---")).slice(1)
    .map((l) => l.slice(2, -2).split(" | "));
}

Deno.test("rows: one per service in the file, its version and review date; unwatched ones stay", () => {
  const r = rows([status("ntfy", { kind: "up to date" }, "2.17.0")]);
  assert.deepEqual(r.map((x) => [x.service, x.version, x.lastReviewed, x.status?.newest]), [
    ["prometheus", "v3.9.1", "2026-02-16", undefined],
    ["ntfy", "v2.17.0", "2026-02-17", "2.17.0"],
    ["authentik", "2026.2.0", "2026-03-01", undefined],
    ["alloy", null, null, undefined],
  ]);
  // A package whose service the file lacks still gets its row.
  const extra = rows([status("loki", { kind: "up to date" })]);
  assert.deepEqual(extra.map((x) => x.service), [
    "prometheus",
    "ntfy",
    "authentik",
    "alloy",
    "loki",
  ]);
  assert.equal(daysSince("2026-02-16", "2026-03-01"), 13);
  assert.equal(daysSince("2026-02-16", "2026-02-16"), 0);
  assert.equal(daysSince("someday", "2026-02-16"), null);
  assert.equal(daysSince(null, "2026-02-16"), null);
});

Deno.test("render: every state in words, sorted by attention then by oldest review, stable", () => {
  const statuses: PackageStatus[] = [
    status("prometheus", { kind: "up to date" }, "3.9.1"),
    status("ntfy", {
      kind: "pull",
      number: 5,
      url: "http://forge.test/eblume/blumeops/pulls/5",
      version: "2.18.0",
    }, "2.18.0"),
    status("authentik", {
      kind: "waiting",
      version: "2026.5.0",
      reason: "no tag on mirrors/authentik-client-go yet",
    }, "2026.5.0"),
  ];
  const body = renderDashboard(rows(statuses), "2026-03-03", "service-versions.yaml");
  assert.equal(body.split("\n")[0], DASHBOARD_MARKER);
  assert.deepEqual(table(body), [
    [
      "ntfy",
      "v2.17.0",
      "14 days",
      "2.18.0",
      "pull request [#5](http://forge.test/eblume/blumeops/pulls/5) open: 2.18.0",
    ],
    [
      "authentik",
      "2026.2.0",
      "2 days",
      "2026.5.0",
      "waiting: 2026.5.0 (no tag on mirrors/authentik-client-go yet)",
    ],
    ["prometheus", "v3.9.1", "15 days", "3.9.1", "up to date"],
    ["alloy", "—", "never", "not watched: not among the config's packages", "—"],
  ]);
  // The same rows in any order render the same body.
  assert.equal(
    renderDashboard(rows([...statuses].reverse()), "2026-03-03", "service-versions.yaml"),
    body,
  );
  assert.equal(renderedOn(body), "2026-03-03");
  assert.equal(renderedOn("some other text"), null);
  const later = renderDashboard(rows(statuses), "2026-03-04", "service-versions.yaml");
  assert.notEqual(later, body, "ages are counted on the day the body says");
  assert.equal(renderedOn(later), "2026-03-04");

  const more = table(renderDashboard(
    rows([
      status("prometheus", { kind: "failed", reason: "hash mismatch", url: "http://f.test/x/1" }),
      status("ntfy", {
        kind: "merged",
        step: "deploying",
        followUp: { number: 7, url: "http://f.test/p/7" },
      }),
      status("authentik", { kind: "deployed", tag: "v2026.2.0-abc1234-nix" }, "2026.2.0"),
      status("alloy", {
        kind: "merged",
        step: "waiting for its image in the registry",
        followUp: null,
      }, null as unknown as string),
    ]),
    "2026-03-03",
    "service-versions.yaml",
  ));
  assert.deepEqual(more.map((r) => r[4]), [
    "failed: hash mismatch ([details](http://f.test/x/1))",
    "merged, waiting for its image in the registry",
    "merged, deploying: follow-up [#7](http://f.test/p/7)",
    "merged and deployed: v2026.2.0-abc1234-nix",
  ]);
  assert.equal(more[1][3], "unknown", "a run that could not tell the newest release says so");
});

Deno.test("render: untrusted text cannot break the table, add HTML or a marker, mention or link", () => {
  const hostile = "a | b\nc\r\n<!-- upgrade-bot:dashboard --> <img src=x onerror=alert(1)> " +
    "[x](javascript:alert(1)) ![i](http://evil/i.png) `code` **bold** @erich #1 \\| &amp; \x1b[31m";
  const body = renderDashboard(
    rows([
      status("ntfy", { kind: "failed", reason: hostile, url: "javascript:alert(1)" }, "1.0.0|x"),
    ]),
    "2026-03-03",
    "service-versions.yaml",
  );
  assert.equal(body.split(DASHBOARD_MARKER).length, 2, "exactly one marker");
  assert.doesNotMatch(body, /<img|<!-- upgrade-bot:dashboard --> <|\]\(javascript|!\[/);
  assert.ok(!body.includes("\x1b"), "no terminal escapes");
  assert.doesNotMatch(body, /@erich|#1\b/, "no mention, no issue reference");
  const lines = body.split("\n");
  const row = lines.find((l) => l.startsWith("| ntfy "))!;
  assert.equal(lines.filter((l) => l.startsWith("| ")).length, 2 + 4, "newlines did not add rows");
  // Five cells: every pipe inside a cell is a character reference.
  assert.equal(row.match(/(?<!\\)\|/g)!.length, 6);
  assert.match(row, /failed: a &#124; b c &#60;&#33;-- upgrade-bot:dashboard --&#62;/);
  assert.doesNotMatch(row, /details/, "a javascript: URL is no link");
  assert.match(row, /\| 1\.0\.0&#124;x \|/);
  assert.equal(cell("x".repeat(500)).length, 300);
  assert.equal(cell("&"), "&#38;");
  assert.equal(cell("#5 @bob"), "#\u200b5 @\u200bbob");
});

Deno.test("marker: the bot's oldest open issue with the marker; others' and later ones are not it", () => {
  const issue = (number: number, user: string, body: string): Issue => ({
    number,
    title: "Upgrade dashboard",
    body,
    state: "open",
    user,
    url: `http://forge.test/i/${number}`,
    comments: 0,
  });
  const body = `${DASHBOARD_MARKER}\ntable`;
  const found = findDashboard([
    issue(9, "bot", body),
    issue(3, "mallory", body),
    issue(4, "bot", "no marker here"),
    issue(6, "Bot", body),
  ], "bot");
  assert.equal(found.issue?.number, 6);
  assert.deepEqual(found.duplicates.map((i) => i.number), [9]);
  assert.deepEqual(findDashboard([issue(3, "mallory", body)], "bot"), {
    issue: null,
    duplicates: [],
  });
});

const real = realRepoSource();
Deno.test({
  name: "the REAL service-versions.yaml: 42 services, one row each, rendered stably",
  ignore: "skip" in real,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "dashboard-real-" });
    try {
      const source = (real as { source: string }).source;
      await $({ quiet: true })`git clone -q --bare ${source} ${dir}/repo.git`;
      const text =
        (await $({ quiet: true })`git -C ${dir}/repo.git show HEAD:service-versions.yaml`)
          .stdout;
      const services = listServices(text, "service-versions.yaml");
      assert.equal(services.length, 42);
      assert.equal(new Set(services.map((s) => s.name)).size, 42);
      const ntfy = services.find((s) => s.name === "ntfy")!;
      assert.deepEqual(ntfy, {
        name: "ntfy",
        type: "argocd",
        currentVersion: "v2.17.0",
        lastReviewed: "2026-02-17",
        upstream: "https://github.com/binwiederhier/ntfy/releases",
      });
      // Quoted dates and nulls read as the file says.
      assert.equal(services.find((s) => s.name === "authentik")!.lastReviewed, "2026-03-01");
      assert.equal(services.find((s) => s.name === "alloy")!.currentVersion, null);
      const statuses = [
        status("authentik", { kind: "up to date" }, "2026.2.0"),
        status("ntfy", { kind: "up to date" }, "2.17.0"),
      ];
      const body = renderDashboard(
        dashboardRows(services, statuses),
        "2026-12-03",
        "service-versions.yaml",
      );
      const data = table(body);
      assert.equal(data.length, 42);
      assert.equal(
        data.filter((r) => r[3] === "not watched: not among the config's packages").length,
        40,
      );
      assert.deepEqual(data.find((r) => r[0] === "ntfy"), [
        "ntfy",
        "v2.17.0",
        "289 days",
        "2.17.0",
        "up to date",
      ]);
      assert.equal(
        renderDashboard(
          dashboardRows(services, [...statuses].reverse()),
          "2026-12-03",
          "service-versions.yaml",
        ),
        body,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the REAL repository with zero config: every service's row watched, or saying why not",
  ignore: "skip" in real,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "dashboard-real-scan-" });
    try {
      const source = (real as { source: string }).source;
      await $({ quiet: true })`git clone -q ${source} ${dir}/repo`;
      const config = defaultConfig();
      // The scan a zero-config cron run makes of the base branch (its mirrors confirmed on the
      // forge besides: tests/acceptance), every package found up to date.
      const scan = await scanCheckout(config, `${dir}/repo`);
      const specs = packageSpecs(scannedConfig(config, scan.packages));
      const services = listServices(
        await Deno.readTextFile(`${dir}/repo/service-versions.yaml`),
        "service-versions.yaml",
      );
      const rows = dashboardRows(
        services,
        specs.map((p) => status(serviceOf(p), { kind: "up to date" })),
        new Map(),
        [...scan.unresolved, ...scan.unwatched],
      );
      const data = table(renderDashboard(rows, "2026-03-10", "service-versions.yaml"));
      console.log(data.map((r) => `| ${r.join(" | ")} |`).join("\n"));
      assert.equal(data.length, 42);
      const watched = data.filter((r) => !r[3].startsWith("not watched: ")).map((r) => r[0]);
      // Under another name (docs: quartz's; nix-container-builder: the ringtail flake's) or kind
      // (immich: its Application, though its Helm values were left out).
      // grafana by its Dockerfile's source label (GitHub releases).
      for (const s of ["docs", "nix-container-builder", "immich", "cloudnative-pg", "grafana"]) {
        assert.ok(watched.includes(s), s);
      }
      assert.equal(watched.length, 30, watched.join(", "));
      const why = Object.fromEntries(
        data.filter((r) => r[3].startsWith("not watched: ")).map((r) => [r[0], r[3]]),
      );
      // The owner's own code: nothing in the file uses its version.
      const own = "not watched: its Dockerfile's CONTAINER&#95;APP&#95;VERSION " +
        "comes from no forge mirror and no command in the file uses it";
      // A download from a host no source reads: config can name its source.
      const fetched = (host: string, line: number) =>
        `not watched: its Dockerfile fetches CONTAINER&#95;APP&#95;VERSION from ${host} (the ` +
        `RUN at line ${line}), no source the bot can tell: packages&#91;&#93;.source can name one`;
      assert.deepEqual(why, {
        argocd: "not watched: no file the bot scans holds its version (type argocd)",
        "transmission-exporter": own,
        kiwix: fetched("mirror.download.kiwix.org", 12),
        cv: own,
        "runner-job-image": fetched("dl.dagger.io", 58),
        forgejo: "not watched: no file the bot scans holds its version (type ansible)",
        ...Object.fromEntries(
          ["alloy", "zot", "caddy", "borgmatic", "jellyfin", "automounter"].map((s) => [
            s,
            "not watched: no file the bot scans holds its version (type ansible, no " +
            "current-version)",
          ]),
        ),
      });
      // With the registries and version sources off, their services say so.
      const off = await scanCheckout({ ...config, ...OFFLINE }, `${dir}/repo`);
      const offRows = dashboardRows(services, [], new Map(), [...off.unresolved, ...off.unwatched]);
      const reason = (s: string) => offRows.find((r) => r.service === s)!.unwatched;
      assert.equal(
        reason("mosquitto"),
        "upstream image eclipse-mosquitto: its registry's tags are not read (registries are off)",
      );
      assert.equal(
        reason("nix-container-builder"),
        "its flake's inputs are not updated (flakes are off)",
      );
      assert.equal(
        reason("devpi"),
        "its Dockerfile's CONTAINER_APP_VERSION comes from no forge mirror (version sources are off)",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
