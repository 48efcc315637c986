// Forgejo stand-in release routes: a release by its tag (GetReleaseByTag), read against the real tag.

import { notFound, repoRoute, type Route } from "./api.ts";
import * as git from "./git.ts";
import { releaseJson } from "./json.ts";

const R = "/repos/{owner}/{repo}";

export const releaseRoutes: Route[] = [
  // A tag without a release record is a 404, as Forgejo answers for the tag-only releases a
  // mirror's sync records (and for a release whose tag is gone).
  repoRoute("GET", `${R}/releases/tags/{tag}`, "read", async (c) => {
    const record = (c.core.state.releases ?? []).find((r) =>
      r.repo === c.repo.full && r.tag === c.params.tag
    );
    const tag = record && (await git.tags(c.repo.gitDir)).find((t) => t.name === record.tag);
    if (!record || !tag) return notFound(c.core);
    return { status: 200, json: releaseJson(c.core, c.repo, record, tag) };
  }),
];
