// Forgejo's repository and git reads: clone access, tags (over git's ref listing), files, mirror syncs, links for people.
import { InputError } from "../../runtime/errors.ts";
import type { Remote } from "../../runtime/git.ts";
import type { TagCommit } from "../forge.ts";
import { type ForgejoApi, ownerRepo, type RequestError } from "./api.ts";
import type { Json } from "./convert.ts";
import { listRefs, type RefListing } from "./refs.ts";

export function gitRemote(api: ForgejoApi, repo: string): Remote {
  return {
    url: `${api.url}/${repo}.git`,
    env: {
      GIT_CONFIG_COUNT: "1",
      // Scoped to the forge: git sends it to no other host (a submodule's, a redirect's).
      GIT_CONFIG_KEY_0: `http.${api.url.replace(/\/+$/, "")}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: ${api.authorization}`,
      GIT_TERMINAL_PROMPT: "0",
    },
  };
}

export function tagUrl(api: ForgejoApi, repo: string, tag: string): string {
  return `${api.url}/${repo}/src/tag/${tag.split("/").map(encodeURIComponent).join("/")}`;
}

export function compareUrl(api: ForgejoApi, repo: string, from: string, to: string): string {
  const ref = (r: string) => r.split("/").map(encodeURIComponent).join("/");
  return `${api.url}/${repo}/compare/${ref(from)}...${ref(to)}`;
}

/** Each tag under `prefix` with its commit (an annotated tag peeled), from git's ref listing. */
export async function tagCommits(
  api: ForgejoApi,
  repo: string,
  prefix = "",
): Promise<Map<string, string>> {
  const what = `listing the tags of ${repo} (git's ref listing)`;
  for (let attempt = 0;; attempt++) {
    api.requests++;
    let listing: RefListing;
    try {
      listing = await listRefs(
        gitRemote(api, repo).url,
        `refs/tags/${prefix}`,
        api.authorization,
        api.timeoutMs,
      );
    } catch (e) {
      listing = { status: 0, message: (e as Error).message };
    }
    if ("refs" in listing) {
      return new Map(
        [...listing.refs].map(([ref, sha]) => [ref.slice("refs/tags/".length), sha]),
      );
    }
    const { status, message } = listing;
    // The token's problems and a missing repository are said at once; the rest is retried.
    if ([401, 403, 404].includes(status) || attempt >= api.retries) {
      throw api.explain({ status: status || undefined, message }, what);
    }
    await new Promise((r) => setTimeout(r, (attempt + 1) ** 2 * api.retryBaseSeconds * 1000));
  }
}

export async function tag(api: ForgejoApi, repo: string, tag: string): Promise<TagCommit | null> {
  try {
    const r = await api.octokit.request("GET /repos/{owner}/{repo}/tags/{tag}", {
      ...ownerRepo(repo),
      tag,
    });
    const commit = (r.data as Json).commit as Json | undefined;
    return { sha: String(commit?.sha ?? ""), created: String(commit?.created ?? "") };
  } catch (e) {
    if ((e as { status?: number }).status === 404) {
      if (await gitHasTag(api, repo, tag)) {
        throw new InputError(
          `forge ${api.url}: the API answers 404 for tag ${tag} of ${repo}, which git lists: ` +
            `a proxy in front of Forgejo refusing %2F in paths? (let encoded slashes through)`,
        );
      }
      return null;
    }
    throw api.explain(e as RequestError, `looking up tag ${tag} of ${repo}`);
  }
}

/** Whether git's ref listing has `tag`. */
async function gitHasTag(api: ForgejoApi, repo: string, tag: string): Promise<boolean> {
  const ref = `refs/tags/${tag}`;
  const listing = await listRefs(gitRemote(api, repo).url, ref, api.authorization, api.timeoutMs)
    .catch(() => null);
  return listing !== null && "refs" in listing && listing.refs.has(ref);
}

/** Forgejo's POST mirror-sync only queues the sync and answers at once: the new tags show up
 * later. So the repository's `mirror_updated` is read before, and after the POST it is read
 * again (every half second, for at most `mirrorSyncWaitSeconds`) until it has moved past it.
 * It counts whole seconds, so a POST within the second of the last sync waits for the next. */
export async function syncMirror(api: ForgejoApi, repo: string): Promise<boolean> {
  const updated = async () => {
    const { data } = await api.call(
      "GET /repos/{owner}/{repo}",
      ownerRepo(repo),
      `reading the mirror ${repo}`,
    );
    return Date.parse(String((data as Json).mirror_updated ?? "")) || 0;
  };
  const before = await updated();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  if (Date.now() < before + 1000) await sleep(before + 1000 - Date.now());
  await api.call(
    "POST /repos/{owner}/{repo}/mirror-sync",
    ownerRepo(repo),
    `syncing the mirror ${repo}`,
  );
  const deadline = Date.now() + api.mirrorSyncWaitSeconds * 1000;
  for (;;) {
    if ((await updated()) > before) return true;
    if (Date.now() >= deadline) return false;
    await sleep(500);
  }
}

export async function readFile(
  api: ForgejoApi,
  repo: string,
  path: string,
  ref: string,
): Promise<string> {
  const { data } = await api.call(
    "GET /repos/{owner}/{repo}/raw/{+filepath}",
    { ...ownerRepo(repo), filepath: path, ref },
    `reading ${path} at ${ref} in ${repo}`,
  );
  // ({+filepath} keeps the slashes of the path unescaped.)
  // octokit gives text for text/plain and an ArrayBuffer for octet-stream.
  return typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer);
}
