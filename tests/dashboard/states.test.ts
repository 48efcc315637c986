// Each package's dashboard state from its outcome in a cron run (pure).
import assert from "node:assert/strict";
import { packageStatus } from "../../lib/dashboard/states.ts";
import { makeReport, type Report } from "../../lib/flow/report.ts";
import type { PackageOutcome } from "../../lib/flow/cron.ts";
import type { FollowThrough } from "../../lib/flow/follow_through.ts";
import { defaultConfig } from "../../lib/site/defaults.ts";
import { packageSpecs, runSettings } from "../../lib/runtime/config.ts";

const config = packageSpecs(defaultConfig())[0];
const settings = runSettings(defaultConfig(), { builder: "local" });

function outcome(
  edit: (r: Report) => void,
  more: Partial<PackageOutcome> = {},
): PackageOutcome {
  const report = makeReport(settings, {
    package: config.name,
    from: "2026.2.0",
    to: "2026.2.0",
    date: "2026-02-01",
    began: performance.now(),
  }, null);
  report.upToDate = true;
  edit(report);
  return {
    package: "authentik",
    outcome: "up to date",
    report,
    error: null,
    closed: null,
    followThrough: null,
    ...more,
  };
}

const follow = (f: Partial<FollowThrough>): FollowThrough => ({
  state: "none",
  message: "",
  tag: null,
  pull: null,
  ...f,
});

Deno.test("states: up to date, a pull request, waiting, failed, merged, deployed", () => {
  const up = packageStatus(outcome(() => {}), config);
  assert.deepEqual(up, {
    service: "authentik",
    package: "authentik",
    newest: "2026.2.0",
    state: { kind: "up to date" },
  });

  const opened = packageStatus(
    outcome((r) => {
      r.upToDate = false;
      r.version.to = "2026.5.0";
      r.newest = "2026.5.0";
      r.pull = { number: 4, url: "http://f/p/4", title: "t", body: "", action: "opened" };
    }),
    config,
  );
  assert.deepEqual(opened.state, {
    kind: "pull",
    number: 4,
    url: "http://f/p/4",
    version: "2026.5.0",
  });
  assert.equal(opened.newest, "2026.5.0");

  // The run found its pull request open already: the number and version come from it.
  const open = packageStatus(
    outcome((r) => {
      r.open = {
        number: 6,
        url: "http://f/p/6",
        title: "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.3.0",
      };
      r.waiting = ["2026.5.0"];
    }),
    config,
  );
  assert.deepEqual(open.state, {
    kind: "pull",
    number: 6,
    url: "http://f/p/6",
    version: "2026.3.0",
  });
  assert.equal(open.newest, "2026.5.0", "a waiting release is the newest seen");

  const waiting = packageStatus(outcome((r) => r.waiting = ["2026.6.0", "2026.5.0"]), config);
  assert.deepEqual(waiting.state, {
    kind: "waiting",
    version: "2026.6.0",
    reason: "no tag on mirrors/authentik-client-go yet",
  });
  assert.equal(waiting.newest, "2026.6.0");

  const young = packageStatus(
    outcome((r) => {
      r.waiting = ["2026.6.0"];
      r.young = [{ version: "2026.6.0", age: "1d2h" }];
    }),
    config,
  );
  assert.deepEqual(young.state, {
    kind: "waiting",
    version: "2026.6.0",
    reason: "first seen 1d2h ago: younger than min_release_age",
  });

  const moved = packageStatus(
    outcome((r) => {
      r.open = {
        number: 6,
        url: "http://f/p/6",
        title: "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.3.0",
      };
      r.moved = [{
        repo: "mirrors/authentik",
        tag: "version/2026.3.0",
        commit: "a".repeat(40),
        now: "b".repeat(40),
      }];
    }),
    config,
  );
  assert.deepEqual(moved.state, {
    kind: "waiting",
    version: "2026.3.0",
    reason: "tag version/2026.3.0 of mirrors/authentik moved from aaaaaaa to bbbbbbb: a /rebuild " +
      "by a writer accepts it",
  });

  const failedHarvest = packageStatus(
    outcome((r) => {
      r.failure = { kind: "build", message: "python-deps: uv failed", logTail: [] } as never;
      r.pull = { number: 4, url: "http://f/p/4", title: "WIP: t", body: "", action: "opened" };
    }),
    config,
  );
  assert.deepEqual(failedHarvest.state, {
    kind: "failed",
    reason: "python-deps: uv failed",
    url: "http://f/p/4",
  });

  const failedEarly = packageStatus({
    package: "authentik",
    outcome: "failed",
    report: null,
    error: { message: "forge: HTTP 503", exitCode: 1 },
    closed: null,
    followThrough: null,
  }, config);
  assert.deepEqual(failedEarly, {
    service: "authentik",
    package: "authentik",
    newest: null,
    state: { kind: "failed", reason: "forge: HTTP 503", url: null },
  });

  const deploying = packageStatus(
    outcome(() => {}, {
      followThrough: follow({ state: "open", pull: { number: 8, url: "http://f/p/8" } }),
    }),
    config,
  );
  assert.deepEqual(deploying.state, {
    kind: "merged",
    step: "deploying",
    followUp: { number: 8, url: "http://f/p/8" },
  });
  const image = packageStatus(
    outcome(() => {}, { followThrough: follow({ state: "waiting" }) }),
    config,
  );
  assert.equal(image.state.kind, "merged");
  const deployed = packageStatus(
    outcome(() => {}, {
      followThrough: follow({ state: "deployed", tag: "v2026.2.0-abc1234-nix" }),
    }),
    config,
  );
  assert.deepEqual(deployed.state, { kind: "deployed", tag: "v2026.2.0-abc1234-nix" });
  const workflow = packageStatus(
    outcome(() => {}, {
      followThrough: follow({ state: "failed", message: "the workflow run 3 failed" }),
    }),
    config,
  );
  assert.deepEqual(workflow.state, {
    kind: "failed",
    reason: "the workflow run 3 failed",
    url: null,
  });

  // A package of `packages:` with its own service entry gets that entry's row.
  const named = {
    ...config,
    package: { name: "authentik-copy", dir: "x" },
    service_versions: { file: "service-versions.yaml", name: "authentik" },
  };
  assert.equal(packageStatus(outcome(() => {}), named).service, "authentik");
});

Deno.test("states: a Dockerfile package's open pull request gives its number and version", () => {
  const loki = {
    ...config,
    name: "loki",
    dir: "containers/loki",
    kind: "dockerfile" as const,
    mirrors: [{ repo: "mirrors/loki", tag: "v{version}" }],
    service_versions: { file: "service-versions.yaml", name: "loki" },
  };
  const open = packageStatus(
    outcome((r) => {
      r.version = { from: "3.6.5", to: "3.6.5" };
      r.baseVersion = "3.6.5";
      r.newest = "3.7.0";
      r.open = { number: 5, url: "http://f/p/5", title: "Upgrade loki from 3.6.5 to 3.7.0" };
    }),
    loki,
  );
  assert.deepEqual(open, {
    service: "loki",
    package: "loki",
    newest: "3.7.0",
    state: { kind: "pull", number: 5, url: "http://f/p/5", version: "3.7.0" },
  });
  // A C2 title is not a Dockerfile package's: the number, no version read from it.
  const other = packageStatus(
    outcome((r) => {
      r.open = { number: 6, url: "http://f/p/6", title: "C2(upgrade-loki): loki 3.6.5 -> 3.7.0" };
    }),
    loki,
  );
  assert.deepEqual(other.state, { kind: "pull", number: 6, url: "http://f/p/6", version: null });
});

Deno.test("states: a pull request whose title a person edited to a version the bot cannot order is a row, not an error", () => {
  for (
    const [spec, title] of [
      [config, "C2(upgrade-authentik): authentik 2026.2.0 -> 2026.5"],
      [{ ...config, kind: "dockerfile" as const }, "Upgrade authentik from 2026.2.0 to latest"],
    ] as const
  ) {
    const edited = packageStatus(
      outcome((r) => {
        r.open = { number: 6, url: "http://f/p/6", title };
        r.waiting = ["2026.5.0"];
      }),
      spec,
    );
    assert.deepEqual(edited.state, { kind: "pull", number: 6, url: "http://f/p/6", version: null });
    assert.equal(edited.newest, "2026.5.0");
  }
});

Deno.test("states: an Application package's open pull request gives its number and version", () => {
  const secrets = {
    ...config,
    name: "external-secrets",
    dir: "argocd/apps",
    kind: "application" as const,
    applications: ["argocd/apps/external-secrets.yaml"],
    mirrors: [{ repo: "mirrors/external-secrets", tag: "helm-chart-{version}" }],
    service_versions: { file: "service-versions.yaml", name: "external-secrets" },
  };
  const open = packageStatus(
    outcome((r) => {
      r.version = { from: "2.0.0", to: "2.0.0" };
      r.baseVersion = "2.0.0";
      r.newest = "2.1.0";
      r.open = {
        number: 7,
        url: "http://f/p/7",
        title: "Upgrade external-secrets from 2.0.0 to 2.1.0",
      };
    }),
    secrets,
  );
  assert.deepEqual(open, {
    service: "external-secrets",
    package: "external-secrets",
    newest: "2.1.0",
    state: { kind: "pull", number: 7, url: "http://f/p/7", version: "2.1.0" },
  });
});

Deno.test("states: an image's versions as its tags write them (a two-part tag stays two parts)", () => {
  const pg = {
    ...config,
    name: "blumeops-pg",
    dir: "argocd/manifests/databases",
    kind: "image" as const,
    mirrors: [],
    image: {
      name: "ghcr.io/cloudnative-pg/postgresql",
      also: [],
      manifests: ["argocd/manifests/databases"],
      tag: "18.3",
    },
    service_versions: { file: "service-versions.yaml", name: "blumeops-pg" },
  };
  // Its pull request's title names the tags' text; the bot orders them as 18.3.0 and 18.4.0.
  const open = packageStatus(
    outcome((r) => {
      r.version = { from: "18.3.0", to: "18.3.0" };
      r.baseVersion = "18.3.0";
      r.newest = "18.4.0";
      r.open = { number: 7, url: "http://f/p/7", title: "Upgrade blumeops-pg from 18.3 to 18.4" };
    }),
    pg,
  );
  assert.deepEqual(open, {
    service: "blumeops-pg",
    package: "blumeops-pg",
    newest: "18.4",
    state: { kind: "pull", number: 7, url: "http://f/p/7", version: "18.4" },
  });
  const at18 = (r: Report) => {
    r.version = { from: "18.3.0", to: "18.3.0" };
    r.baseVersion = "18.3.0";
  };
  const opened = packageStatus(
    outcome((r) => {
      at18(r);
      r.upToDate = false;
      r.version = { from: "18.3.0", to: "19.0.0" };
      r.pull = { number: 8, url: "http://f/p/8", title: "t", body: "", action: "opened" };
    }),
    pg,
  );
  assert.equal(opened.newest, "19.0");
  assert.deepEqual(opened.state, { kind: "pull", number: 8, url: "http://f/p/8", version: "19.0" });
  const waiting = packageStatus(
    outcome((r) => {
      at18(r);
      r.waiting = ["18.4.0"];
    }),
    pg,
  );
  assert.equal(waiting.state.kind, "waiting");
  assert.equal((waiting.state as { version: string }).version, "18.4");
  // Up to date at 18.3: its newest is the tag's 18.3.
  assert.equal(
    packageStatus(outcome(at18), pg).newest,
    "18.3",
  );
  // Another kind's version is whole, as its files write it.
  assert.equal(
    packageStatus(outcome((r) => r.newest = "2026.5.0"), { ...config, kind: "dockerfile" })
      .newest,
    "2026.5.0",
  );
});

Deno.test("states: an Alpine package's newest revision is ordered as a number (-r10 after -r2)", () => {
  const transmission = { ...config, name: "transmission", kind: "dockerfile" as const };
  const status = packageStatus(
    outcome((r) => {
      r.baseVersion = r.version.from = r.version.to = "4.1.1-r2";
      r.newest = "4.1.1-r10";
      r.open = {
        number: 5,
        url: "http://f/p/5",
        title: "Upgrade transmission from 4.1.1-r2 to 4.1.1-r9",
      };
    }),
    transmission,
  );
  assert.equal(status.newest, "4.1.1-r10");
  assert.deepEqual(status.state, {
    kind: "pull",
    number: 5,
    url: "http://f/p/5",
    version: "4.1.1-r9",
  });
});
