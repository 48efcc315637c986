// GitHub releases as a source of versions: a repository's releases list read through octokit, validated, and the versions its tags make (pure apart from the one request).
import { Octokit } from "octokit";
import { z } from "zod";
import { versionOfTag } from "../nix/versions.ts";
import { InputError } from "../runtime/errors.ts";
import type { ArgSource } from "../runtime/config_model.ts";
import type { Datasource } from "./datasource.ts";

type GithubSource = Extract<ArgSource, { kind: "github" }>;

/** A GitHub repository's releases: only named in config (a Dockerfile shows no GitHub release);
 * the newest page, one request through octokit. */
export const github: Datasource<GithubSource> = {
  kind: "github",
  label: (source) => `GitHub releases of ${source.repo}`,
  page: (source, version) =>
    `https://github.com/${source.repo}/releases/tag/${
      encodeURIComponent(source.tag.replace("{version}", version))
    }`,
  async versions(source, io) {
    const answer = await githubReleases(io.urls.github, source.repo, io.count);
    return githubVersions(answer, source.tag, `${io.urls.github}: ${source.repo}'s releases`);
  },
};

/** A release as far as the bot reads it. */
const RELEASES = z.array(
  z.object({ tag_name: z.string(), draft: z.boolean().optional() }).loose(),
);

/** The versions the releases' tags make through `template` (`v{version}`): drafts and tags of
 * another shape or with a version the bot cannot order left out; `what` names the answer. */
export function githubVersions(answer: unknown, template: string, what: string): string[] {
  const parsed = RELEASES.safeParse(answer);
  if (!parsed.success) throw new InputError(`${what}: not a list of GitHub releases`);
  return parsed.data.filter((r) => !r.draft).map((r) => versionOfTag(template, r.tag_name))
    .filter((v): v is string => v !== null);
}

/** The newest page of `repo`'s releases (`owner/name`) at the API `base`: one request, counted by
 * `count`. */
export async function githubReleases(
  base: string,
  repo: string,
  count: () => void,
): Promise<unknown> {
  const [owner, name] = repo.split("/");
  const octokit = new Octokit({
    baseUrl: base.replace(/\/+$/, ""),
    userAgent: "upgrade-bot",
    retry: { enabled: false },
    throttle: { enabled: false },
    request: {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        count();
        return fetch(input, { ...init, signal: AbortSignal.timeout(30_000) });
      },
    },
  });
  try {
    const r = await octokit.request("GET /repos/{owner}/{repo}/releases", {
      owner,
      repo: name,
      per_page: 100,
    });
    return r.data;
  } catch (e) {
    const status = (e as { status?: number }).status;
    throw new InputError(
      `${base}: the releases of ${repo}: ${status ? `HTTP ${status}` : (e as Error).message}`,
    );
  }
}
