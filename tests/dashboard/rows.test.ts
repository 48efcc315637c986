// The rows of services no package watches, on strings: each says the scan's reason for it, and a service watched under another name or kind never reads as unwatched.
import assert from "node:assert/strict";
import { listServices } from "../../lib/mikado/service_versions.ts";
import { renderDashboard } from "../../lib/dashboard/render.ts";
import { dashboardRows, type PackageStatus, unwatchedReason } from "../../lib/dashboard/rows.ts";

const SERVICES = listServices(
  `services:
  - name: grafana
    type: argocd
    current-version: "12.3.3"
  - name: immich
    type: argocd
    current-version: "v2.5.6"
  - name: docs
    type: argocd
    current-version: "1.28.2"
  - name: argocd
    type: argocd
    current-version: "v3.3.2"
  - name: jellyfin
    type: ansible
    current-version: null
  - name: forgejo
    type: ansible
    current-version: "14.0.2"
  - name: loki
    current-version: "3.6.5"
`,
  "service-versions.yaml",
);

const status = (service: string, pkg = service): PackageStatus => ({
  service,
  package: pkg,
  newest: "1.0.0",
  state: { kind: "up to date" },
});

/** What a scan said: grafana's Dockerfile follows nothing, immich's Helm values name no image
 * (but its Application is watched), loki's mirror lacks the tag, an image beside grafana's names
 * no entry (no service: it is not grafana's version). */
const LEFT_OUT = [
  { dir: "argocd/manifests/grafana", reason: "docker.io/library/busybox: one of several images" },
  {
    dir: "argocd/manifests/immich/values.yaml",
    reason: "line 19: image.tag v2.5.6 names no repository",
    service: "immich",
  },
  {
    dir: "containers/loki",
    reason: "mirror mirrors/loki has no tag v3.6.5 for the current 3.6.5",
    service: "loki",
  },
  {
    dir: "containers/grafana",
    reason: "its Dockerfile's CONTAINER_APP_VERSION comes from no forge mirror",
    service: "grafana",
  },
];

Deno.test("a service no package watches says the scan's reason for its own files", () => {
  // immich through its Application, docs through the quartz package: watched, whatever was left out.
  const rows = dashboardRows(
    SERVICES,
    [status("immich"), status("docs", "quartz")],
    new Map(),
    LEFT_OUT,
  );
  assert.deepEqual(rows.map((r) => [r.service, r.status?.package ?? null, r.unwatched]), [
    ["grafana", null, "its Dockerfile's CONTAINER_APP_VERSION comes from no forge mirror"],
    ["immich", "immich", null],
    ["docs", "quartz", null],
    ["argocd", null, "no file the bot scans holds its version (type argocd)"],
    [
      "jellyfin",
      null,
      "no file the bot scans holds its version (type ansible, no current-version)",
    ],
    ["forgejo", null, "no file the bot scans holds its version (type ansible)"],
    ["loki", null, "mirror mirrors/loki has no tag v3.6.5 for the current 3.6.5"],
  ]);
  // No scan: the config names the packages, and this one is not among them.
  assert.equal(unwatchedReason(SERVICES[0], null), "not among the config's packages");
  assert.equal(
    dashboardRows(SERVICES, [])[0].unwatched,
    "not among the config's packages",
  );
});

Deno.test("the reason is one short cell: escaped, on one line, cut", () => {
  const long = `line 1 | <b>@people</b>\n${"x".repeat(400)}`;
  const body = renderDashboard(
    dashboardRows(SERVICES.slice(0, 1), [], new Map(), [{ service: "grafana", reason: long }]),
    "2026-03-10",
    "service-versions.yaml",
  );
  const line = body.split("\n").find((l) => l.startsWith("| grafana |"))!;
  const cells = line.slice(2, -2).split(" | ");
  assert.equal(cells.length, 5, line);
  assert.ok(cells[3].startsWith("not watched: line 1 &#124; &#60;b&#62;@\u200bpeople"), cells[3]);
  assert.ok(cells[3].endsWith("…"));
  assert.ok(cells[3].length < 220, `${cells[3].length} characters`);
  assert.equal(cells[4], "—");
});
