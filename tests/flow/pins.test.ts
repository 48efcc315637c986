// The pin after every build on the real repository (cloned from the bundle at run time), with the
// Forgejo stand-in and a real registry (Debian's docker-registry): the drift the dashboard shows,
// what a run with nothing new asks, a person's merge pinned in every manifest that deploys the
// image (the repository's checks passing on the branch), and automerge once the checks pass.
import assert from "node:assert/strict";
import { $ } from "zx";
import { stringify } from "yaml";
import { realRepoSource } from "../support/real_world.ts";
import { startRegistry } from "../support/registry.ts";
import { failedChecks, repoChecks } from "../support/repo_checks.ts";
import { startForge } from "../forge/server.ts";
import { ForgejoForge } from "../../lib/platform/forgejo/client.ts";
import { parseConfig, runSettings } from "../../lib/runtime/config.ts";
import { pinImages, type PinRun } from "../../lib/flow/pins.ts";
import type { Pull } from "../../lib/platform/forge.ts";
import { serviceNotes } from "../../lib/dashboard/pin_notes.ts";
import { dashboardRows } from "../../lib/dashboard/rows.ts";
import { renderDashboard } from "../../lib/dashboard/render.ts";
import { listServices } from "../../lib/mikado/service_versions.ts";

const TOKEN = "pins-test-token";
const src = realRepoSource();

Deno.test({
  name: "pins on the real repository: drift, nothing new, a person's merge pinned, automerge",
  ignore: "skip" in src,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (!("source" in src)) return;
    const root = await Deno.makeTempDir({ prefix: "upgrade-bot-pins-" });
    const bare = `${root}/git/eblume/blumeops.git`;
    await $({ quiet: true })`git clone -q --bare ${src.source} ${bare}`;
    const registry = await startRegistry();
    const forge = await startForge({
      root: `${root}/git`,
      users: [{ login: "bot", token: TOKEN, permission: "admin" }],
      validate: true,
    });
    try {
      const settingsWith = (automerge: boolean) => {
        Deno.env.set("PINS_TEST_REGISTRY_CREDS", `${registry.user}:${registry.password}`);
        return runSettings(parseConfig(
          stringify({
            forge: { url: forge.url },
            deploy: {
              registry_url: registry.url,
              credentials_env: "PINS_TEST_REGISTRY_CREDS",
              automerge,
            },
          }),
          "pins.yaml",
        ));
      };
      const work = `${root}/work`;
      await $({ quiet: true })`git clone -q ${bare} ${work}`;
      const sh = $({ cwd: work, quiet: true });
      // One run's pin step, with its own client (its request count) and the run's shared list.
      const run = async (automerge = false) => {
        const client = new ForgejoForge(forge.url, TOKEN);
        let open: Promise<Pull[]> | null = null;
        let closed: Promise<Pull[]> | null = null;
        const from = forge.requests.length;
        const result = await pinImages(
          settingsWith(automerge),
          client,
          () => open ??= client.pulls("eblume/blumeops", "open"),
          () => closed ??= client.pulls("eblume/blumeops", "closed"),
          new Set(),
        );
        const during = forge.requests.slice(from);
        const byImage = Object.fromEntries(result.pins.map((p) => [p.image, p]));
        return { result, byImage, requests: client.requests, during };
      };
      const notChanging = (r: { during: { method: string; path: string }[] }) =>
        r.during.filter((q) => q.method !== "GET" && !q.path.endsWith("/git-upload-pack"));

      // ---- the repository as it is: transmission's kiwix and torrent tags are not main's build
      // of the newest commit that changed containers/transmission/ (b460333); the registry has
      // no such tag yet, so the pin waits. Every other deployed image is pinned.
      const first = await run();
      const transmissionSha = (await sh`git log -1 --format=%H -- containers/transmission`).stdout
        .trim();
      const wanted = `v4.1.1-r1-${transmissionSha.slice(0, 7)}`;
      assert.equal(first.byImage.transmission.state, "waiting", first.byImage.transmission.message);
      assert.equal(first.byImage.transmission.tag, wanted);
      const states = first.result.pins.map((p) => `${p.image}:${p.state}`);
      assert.equal(first.result.pins.length, 18, states.join(" "));
      assert.deepEqual(
        first.result.pins.filter((p) => p.state !== "pinned").map((p) => p.image),
        ["transmission"],
        states.join(" "),
      );
      // cv is deployed at a later commit of main's build (a manual dispatch): as current, kept.
      assert.match(first.byImage.cv.message, /deployed at v1\.0\.3-/);
      assert.deepEqual(notChanging(first), [], "a waiting pin writes nothing");

      // ---- the drift the dashboard shows on the real repository.
      assert.deepEqual(Object.keys(first.result.drift).sort(), [
        "cloudnative-pg",
        "kiwix",
        "transmission",
      ]);
      assert.deepEqual(first.result.drift["cloudnative-pg"], [
        "service-versions.yaml says v1.28.1; argocd/apps/cloudnative-pg.yaml deploys v1.27.1",
      ]);
      assert.match(
        first.result.drift.transmission[0],
        /^transmission is deployed at 2 tags: v4\.0\.6-r4-\w+ \(argocd\/manifests\/kiwix\/kustomization\.yaml\), v4\.1\.1-r1-\w+ \(argocd\/manifests\/torrent\/kustomization\.yaml\)$/,
      );
      const table = renderDashboard(
        dashboardRows(
          listServices(await Deno.readTextFile(`${work}/service-versions.yaml`), "s"),
          [],
          serviceNotes(first.result.pins, first.result.drift),
        ),
        "2026-03-08",
        "service-versions.yaml",
      );
      const driftRows = table.split("\n").filter((l) => l.includes("drift: "));
      assert.equal(driftRows.length, 3);
      console.log(`dashboard rows with drift on the real repository:\n${driftRows.join("\n")}`);

      // ---- a failed workflow run of that commit: said, no tag will come.
      const runId = await forge.addActionRun("eblume", "blumeops", {
        workflowId: "build-container.yaml",
        title: "Upgrade Transmission to 4.1.1",
        event: "push",
        headBranch: "main",
        headSha: transmissionSha,
        status: "failure",
      });
      const failed = await run();
      assert.equal(failed.byImage.transmission.state, "failed");
      assert.match(failed.byImage.transmission.message, new RegExp(`run ${runId} .* failure`));
      await forge.setActionRunStatus(runId, "success");

      // ---- the image pushed: one pull request moving both references.
      await registry.push("blumeops/transmission", wanted);
      const opened = await run();
      const pin = opened.byImage.transmission;
      assert.equal(pin.state, "opened", pin.message);
      const pulls = await new ForgejoForge(forge.url, TOKEN).pulls("eblume/blumeops", "open");
      const pull = pulls.find((p) => p.number === pin.pull!.number)!;
      assert.equal(pull.title, `Pin transmission image tag to ${wanted}`);
      assert.equal(pull.head, "deploy-transmission");
      console.log(`the pin pull request as rendered:\n${pull.title}\n\n${pull.body}`);
      for (const dir of ["kiwix", "torrent"]) {
        assert.match(
          pull.body,
          new RegExp(`argocd/manifests/${dir}/kustomization\\.yaml\` line \\d+: newTag`),
        );
      }
      assert.doesNotMatch(pull.body, /service-versions/, "the version did not move");
      await sh`git fetch -q origin`;
      await sh`git checkout -q -B deploy-transmission origin/deploy-transmission`;
      assert.deepEqual(
        (await sh`git diff --name-only origin/main...HEAD`).stdout.trim().split("\n"),
        [
          "argocd/manifests/kiwix/kustomization.yaml",
          "argocd/manifests/torrent/kustomization.yaml",
        ],
      );
      const diff = (await sh`git diff -U0 origin/main...HEAD`).stdout;
      assert.equal(diff.split("\n").filter((l) => /^\+\s/.test(l)).length, 2, diff);
      assert.equal(
        (diff.match(new RegExp(`^\\+    newTag: ${wanted}$`, "gm")) ?? []).length,
        2,
        diff,
      );
      await sh`git branch -f main origin/main`;
      const checks = await repoChecks(work);
      assert.equal(failedChecks(checks), "", "the repository's checks pass on the pin branch");

      // ---- nothing new: the pull request is open; what the run asks, and nothing written.
      const idle = await run();
      assert.equal(idle.byImage.transmission.state, "open");
      assert.deepEqual(notChanging(idle), []);
      console.log(
        `a run with nothing new (18 images, one pin open): ${idle.requests} forge API requests ` +
          `(${idle.during.length} HTTP requests at the forge with the clone's)`,
      );
      assert.ok(idle.requests <= 2, `the token's login and the open list, got ${idle.requests}`);

      // ---- a person closes the pin unmerged: left alone, asked no more than the lists; reopened.
      const patch = (state: string) =>
        fetch(`${forge.url}/api/v1/repos/eblume/blumeops/pulls/${pull.number}`, {
          method: "PATCH",
          headers: { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" },
          body: JSON.stringify({ state }),
        }).then((r) => r.body?.cancel());
      await patch("closed");
      const declined = await run();
      assert.equal(declined.byImage.transmission.state, "declined");
      assert.deepEqual(notChanging(declined), [], "no new pull request");
      await patch("open");

      // ---- a person's merge moves transmission to 4.1.2-r0: the open pin moves with it, the
      // service's record too (its version moved), and automerge waits for the checks.
      await sh`git checkout -q main`;
      await sh`git reset -q --hard origin/main`;
      const dockerfile = `${work}/containers/transmission/Dockerfile`;
      await Deno.writeTextFile(
        dockerfile,
        (await Deno.readTextFile(dockerfile)).replace(
          /^ARG CONTAINER_APP_VERSION=4\.1\.1-r1$/m,
          "ARG CONTAINER_APP_VERSION=4.1.2-r0",
        ),
      );
      await sh`git -c user.name=Human -c user.email=h@example.org commit -qam ${"Upgrade Transmission to 4.1.2"}`;
      await sh`git push -q origin main`;
      const personSha = (await sh`git rev-parse HEAD`).stdout.trim();
      const next = `v4.1.2-r0-${personSha.slice(0, 7)}`;
      await registry.push("blumeops/transmission", next);
      const moved = await run(true);
      assert.equal(moved.byImage.transmission.state, "opened", moved.byImage.transmission.message);
      assert.equal(moved.byImage.transmission.pull!.number, pull.number, "the same pull request");
      const api = async (path: string, init: RequestInit = {}) =>
        await (await fetch(`${forge.url}/api/v1/repos/eblume/blumeops${path}`, {
          ...init,
          headers: { Authorization: `token ${TOKEN}`, "Content-Type": "application/json" },
        })).json();
      const after = await api(`/pulls/${pull.number}`) as {
        title: string;
        body: string;
        merged: boolean;
        head: { sha: string };
      };
      assert.equal(after.title, `Pin transmission image tag to ${next}`);
      assert.match(
        after.body,
        /`service-versions\.yaml`: `transmission` at `4\.1\.2-r0` \(was `4\.1\.1-r1`\)/,
      );
      assert.match(after.body, /asked Forgejo to merge this pull request once its checks pass/);
      assert.equal(after.merged, false, "no checks passed yet: scheduled, not merged");
      assert.ok(
        forge.requests.some((q) =>
          q.method === "POST" && q.path.endsWith(`/pulls/${pull.number}/merge`)
        ),
      );
      await sh`git fetch -q origin`;
      await sh`git checkout -q -B deploy-transmission origin/deploy-transmission`;
      const services = await Deno.readTextFile(`${work}/service-versions.yaml`);
      assert.match(services, /- name: transmission\n(?:.*\n)*?\s+current-version: "4\.1\.2-r0"/);
      await sh`git branch -f main origin/main`;
      assert.equal(failedChecks(await repoChecks(work)), "", "checks pass on the moved branch");

      // ---- CI reports success on the head: Forgejo merges it.
      await api(`/statuses/${after.head.sha}`, {
        method: "POST",
        body: JSON.stringify({ state: "success", context: "ci" }),
      });
      const merged = await api(`/pulls/${pull.number}`) as { merged: boolean };
      assert.equal(merged.merged, true, "merged once the checks passed");

      // ---- after the merge: every image pinned, nothing asked beyond the login.
      const done: { result: PinRun; requests: number } = await run();
      assert.deepEqual(done.result.pins.filter((p) => p.state !== "pinned"), []);
      assert.equal(done.result.drift.transmission, undefined, "one tag now");
      assert.ok(done.requests <= 1, `nothing new: the login only, got ${done.requests}`);
      assert.deepEqual(forge.violations, []);
    } finally {
      await forge.stop();
      await registry.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
});
