// Drift between service-versions.yaml and what the manifests deploy, and the notes a row shows.
import assert from "node:assert/strict";
import { findDrift } from "../../lib/dashboard/drift.ts";
import { serviceNotes } from "../../lib/dashboard/pin_notes.ts";
import { dashboardRows } from "../../lib/dashboard/rows.ts";
import { renderDashboard } from "../../lib/dashboard/render.ts";
import { listServices } from "../../lib/mikado/service_versions.ts";
import { builtImages } from "../../lib/pins/images.ts";

const SERVICES = `services:
  - name: operator
    current-version: "v2.4.0"
  - name: secrets
    current-version: chart-1.0.0
  - name: photos
    current-version: v3.0.0
  - name: player
    current-version: "1.2.0"
  - name: torrent
    current-version: 4.1.1
  - name: wiki
    current-version: 3.8.2
  - name: runner
    current-version: 12.0.0
  - name: unset
`;

const app = (name: string, rev: string) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  source:\n    targetRevision: ${rev}\n`;
const images = (entries: [string, string][]) =>
  `images:\n${
    entries.map(([n, t]) => `  - name: registry.example/site/${n}\n    newTag: ${t}\n`).join("")
  }`;

const MANIFESTS = new Map([
  ["argocd/apps/operator.yaml", app("operator", "v2.3.9")],
  ["argocd/apps/secrets.yaml", app("secrets", "chart-1.0.0")],
  // A chart's own version is not the service's: not compared.
  ["argocd/apps/photos.yaml", app("photos", "photos-0.10.3")],
  ["argocd/apps/broken.yaml", "kind: [unclosed"],
  ["argocd/manifests/player/kustomization.yaml", images([["player", "v1.1.0-aaaaaaa"]])],
  ["argocd/manifests/torrent/kustomization.yaml", images([["torrent", "v4.1.1-bbbbbbb"]])],
  [
    "argocd/manifests/wiki/kustomization.yaml",
    images([["wiki-serve", "v3.8.2-ccccccc"], ["torrent", "v4.0.6-ddddddd"]]),
  ],
  [
    "argocd/manifests/runner/deployment.yaml",
    `env:\n  - name: RUNNER_LABELS\n    value: "k8s:docker://registry.example/site/job:v0.2.0-eeeeeee"\n`,
  ],
]);

const BUILDS = new Map([
  ["containers/player/Dockerfile", "ARG CONTAINER_APP_VERSION=1.2.0\n"],
  ["containers/torrent/Dockerfile", "ARG CONTAINER_APP_VERSION=4.1.1\n"],
  ["containers/wiki-serve/Dockerfile", "ARG CONTAINER_APP_VERSION=3.8.2\n"],
  ["containers/job/Dockerfile", "ARG CONTAINER_APP_VERSION=0.2.0\n"],
]);

const FILE = "service-versions.yaml";

function drift() {
  const built = builtImages(BUILDS, MANIFESTS, "registry.example/site/{name}").images;
  return findDrift(listServices(SERVICES, FILE), MANIFESTS, built, FILE);
}

Deno.test("drift: records against Applications and built images; one image at two tags", () => {
  const twoTags = "torrent is deployed at 2 tags: v4.1.1-bbbbbbb " +
    "(argocd/manifests/torrent/kustomization.yaml), v4.0.6-ddddddd " +
    "(argocd/manifests/wiki/kustomization.yaml)";
  assert.deepEqual(Object.fromEntries(drift()), {
    operator: ["service-versions.yaml says v2.4.0; argocd/apps/operator.yaml deploys v2.3.9"],
    player: [
      "service-versions.yaml says 1.2.0; argocd/manifests/player/kustomization.yaml deploys " +
      "player:v1.1.0-aaaaaaa",
    ],
    torrent: [twoTags],
    wiki: [twoTags],
    // secrets: same revision; photos: a chart version; wiki: wiki-serve at 3.8.2 as recorded;
    // runner: the job image in a value is not the runner's own.
  });
});

Deno.test("drift and pins on the dashboard: the Deployed column, escaped, only when there are notes", () => {
  const notes = serviceNotes(
    [
      {
        image: "wiki-serve",
        state: "pinned",
        tag: "v3.8.2-ccccccc",
        services: ["wiki"],
        pull: null,
      },
      {
        image: "torrent",
        state: "opened",
        tag: "v4.1.1-fffffff",
        services: ["torrent"],
        pull: { number: 7, url: "http://forge/pulls/7" },
      },
      {
        image: "player",
        state: "waiting",
        tag: "v1.2.0-0000000",
        services: ["player"],
        pull: null,
      },
      { image: "job", state: "skipped", tag: null, services: [], pull: null },
      // Failed before its tag was known (the clone's history unreadable, say).
      { image: "job", state: "failed", tag: null, services: ["runner"], pull: null },
    ],
    Object.fromEntries(drift()),
  );
  const rows = dashboardRows(listServices(SERVICES, FILE), [], notes);
  const body = renderDashboard(rows, "2026-03-08", FILE);
  const row = (name: string) => body.split("\n").find((l) => l.startsWith(`| ${name} |`))!;
  assert.match(
    row("wiki"),
    /\| wiki-serve pinned at v3\.8\.2-ccccccc; drift: torrent is deployed at 2 tags: /,
  );
  assert.match(
    row("torrent"),
    /\| torrent pin to v4\.1\.1-fffffff: pull request #\u200b7; drift: /,
  );
  assert.match(
    row("player"),
    /\| player pin to v1\.2\.0-0000000: waiting; drift: service-versions\.yaml says 1\.2\.0;/,
  );
  assert.match(
    row("operator"),
    /\| drift: service-versions\.yaml says v2\.4\.0; argocd\/apps\/operator\.yaml deploys v2\.3\.9 \|$/,
  );
  assert.match(row("runner"), /\| job pin: failed \|$/);
  assert.match(row("unset"), /\| — \| — \|$/, "nothing to say: the dash");
  const plain = renderDashboard(
    dashboardRows(listServices(SERVICES, FILE), []),
    "2026-03-08",
    FILE,
  );
  assert.match(
    plain,
    /^\| Service \| Version \| Reviewed \| Newest release \| State \|$/m,
    "no notes, no column",
  );
});
