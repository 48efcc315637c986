// The run's sources I/O against the stand-in for GitHub's API (tests/support/arg_sources.ts; GitHub cannot run here): a discovered GitHub source's tag template settled by the current version, or a clear error when it cannot be.
import assert from "node:assert/strict";
import { VersionSources } from "../../lib/sources/client.ts";
import { startSourcesStandIn } from "../support/arg_sources.ts";

Deno.test("a GitHub source with no tag: the template under which the current version is a release, said in the source as read; none guessed", async () => {
  const standIn = startSourcesStandIn();
  try {
    const sources = new VersionSources(
      { pypi: standIn.url, alpine: standIn.url, github: standIn.url },
      null,
    );
    const release = (tag_name: string) => ({ tag_name, draft: false, prerelease: false });
    standIn.github.set("grafana/grafana", ["v12.4.0", "12.9.0", "v12.3.3"].map(release));
    const read = await sources.versions({ kind: "github", repo: "grafana/grafana" }, "12.3.3");
    assert.deepEqual(read, {
      versions: ["12.4.0", "12.3.3"],
      source: { kind: "github", repo: "grafana/grafana", tag: "v{version}" },
    });
    // A tag named in config is kept, whatever the releases hold.
    const named = { kind: "github" as const, repo: "grafana/grafana", tag: "{version}" };
    assert.deepEqual(await sources.versions(named, "12.3.3"), {
      versions: ["12.9.0"],
      source: named,
    });
    // The current version is no release: the error says what to name.
    await assert.rejects(
      sources.versions({ kind: "github", repo: "grafana/grafana" }, "12.3.2"),
      /grafana\/grafana's releases: none is tagged v12\.3\.2 or 12\.3\.2 \(the current version\).*packages\[\]\.source\.tag/,
    );
    assert.equal(sources.requests, 3, "one request a read");
  } finally {
    await standIn.stop();
  }
});
