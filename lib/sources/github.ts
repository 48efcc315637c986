// GitHub releases as a source of versions: the repository a Dockerfile's source label names, a repository's releases list read through octokit, validated, and the versions its tags make under the template the current version settles (pure apart from the one request).
import { Octokit } from "octokit";
import { z } from "zod";
import { InputError } from "../runtime/errors.ts";
import type { ArgSource } from "../runtime/config_model.ts";
import type { Datasource } from "./datasource.ts";
import { SOURCE_LABEL, sourceUrl } from "../images/pull_text.ts";
import { tagVersions } from "./registry_base.ts";

type GithubSource = Extract<ArgSource, { kind: "github" }>;

/** A GitHub repository's releases: discovered from the Dockerfile's source label when it names a
 * github.com repository and a command fetches the version (grafana's tarball from
 * dl.grafana.com), else named in config; the newest page, one request through octokit. */
export const github: Datasource<GithubSource> = {
  kind: "github",
  discover(commands, _froms, labels) {
    // A label alone says where the code is, not that the version is an upstream release.
    if (commands.length === 0) return null;
    const repo = githubRepoOf(labels.get(SOURCE_LABEL) ?? null);
    return repo ? { kind: "github", repo } : null;
  },
  label: (source) => `GitHub releases of ${source.repo}`,
  page: (source, version) =>
    source.tag === undefined
      ? `https://github.com/${source.repo}/releases`
      : `https://github.com/${source.repo}/releases/tag/${
        encodeURIComponent(source.tag.replace("{version}", version))
      }`,
  async versions(source, io, current) {
    const answer = await githubReleases(io.urls.github, source.repo, io.count);
    const what = `${io.urls.github}: ${source.repo}'s releases`;
    const tags = releaseTags(answer, what);
    const tag = source.tag ?? releaseTemplate(tags, current);
    if (tag === null) {
      throw new InputError(
        `${what}: none is tagged ${
          TEMPLATES.map((t) => t.replace("{version}", current)).join(" or ")
        } (the current version), so their tag template cannot be told: name it in ` +
          "packages[].source.tag",
      );
    }
    return { versions: tagVersions(tags, tag), source: { ...source, tag } };
  },
};

/** The GitHub repository (`owner/name`) a source label names, or null: the label is untrusted,
 * so only an http(s) URL on github.com whose path is a valid owner and name (a `.git` and a
 * final `/` allowed) passes; another host, a deeper path, a query are none. */
export function githubRepoOf(label: string | null): string | null {
  const url = sourceUrl(label);
  if (url === null) return null;
  const { hostname, port, search, hash, pathname } = new URL(url);
  if (!["github.com", "www.github.com"].includes(hostname) || port || search || hash) return null;
  const m = /^\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9_.-]{1,100}?)(?:\.git)?\/?$/
    .exec(pathname);
  if (!m || /^\.+$/.test(m[2])) return null;
  return `${m[1]}/${m[2]}`;
}

/** The tag templates releases are written in, in the order they are tried. */
const TEMPLATES = ["v{version}", "{version}"];

/** The template under which `current` is one of the releases' `tags` (`v{version}` before
 * `{version}`), or null: a version that is no release names no template, so none is guessed. */
export function releaseTemplate(tags: string[], current: string): string | null {
  return TEMPLATES.find((t) => tagVersions(tags, t).includes(current)) ?? null;
}

/** A release as far as the bot reads it. */
const RELEASES = z.array(
  z.object({ tag_name: z.string(), draft: z.boolean().optional() }).loose(),
);

/** The tags of the releases that are not drafts; `what` names the answer. */
export function releaseTags(answer: unknown, what: string): string[] {
  const parsed = RELEASES.safeParse(answer);
  if (!parsed.success) throw new InputError(`${what}: not a list of GitHub releases`);
  return parsed.data.filter((r) => !r.draft).map((r) => r.tag_name);
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
