// Forgejo's releases and Actions: a tag's release notes, a commit's workflow runs and its checks.
import type { ActionRun, CommitStatus, Release } from "../forge.ts";
import { type ForgejoApi, ownerRepo, PAGE, type RequestError } from "./api.ts";
import type { Json } from "./convert.ts";

export async function release(
  api: ForgejoApi,
  repo: string,
  tag: string,
): Promise<Release | null> {
  try {
    const { data } = await api.octokit.request("GET /repos/{owner}/{repo}/releases/tags/{tag}", {
      ...ownerRepo(repo),
      tag,
    });
    const r = data as Json;
    return {
      tag,
      name: String(r.name ?? ""),
      body: String(r.body ?? ""),
      url: String(r.html_url ?? ""),
    };
  } catch (e) {
    // Forgejo answers 404 for a tag without a release, and for the tag-only "releases" a
    // mirror's sync records.
    if ((e as { status?: number }).status === 404) return null;
    throw api.explain(e as RequestError, `reading the release of tag ${tag} of ${repo}`);
  }
}

export async function actionRuns(
  api: ForgejoApi,
  repo: string,
  headSha: string,
): Promise<ActionRun[]> {
  const { data } = await api.call(
    "GET /repos/{owner}/{repo}/actions/runs",
    { ...ownerRepo(repo), head_sha: headSha, limit: PAGE },
    `listing the Actions runs of ${headSha.slice(0, 7)} in ${repo}`,
  );
  return ((data as Json).workflow_runs as Json[] ?? []).map((r) => ({
    id: Number(r.id),
    status: String(r.status ?? ""),
    workflow: String(r.workflow_id ?? ""),
    url: String(r.html_url ?? r.url ?? ""),
  }));
}

export async function commitStatus(
  api: ForgejoApi,
  repo: string,
  ref: string,
): Promise<CommitStatus> {
  const { data } = await api.call(
    "GET /repos/{owner}/{repo}/commits/{ref}/status",
    { ...ownerRepo(repo), ref, limit: PAGE },
    `reading the commit status of ${ref.slice(0, 12)} in ${repo}`,
  );
  const json = data as Json;
  return {
    state: String(json.state ?? ""),
    checks: ((json.statuses ?? []) as Json[]).map((s) => ({
      context: String(s.context ?? ""),
      // Forgejo names a single status's state `status` (GitHub: `state`).
      state: String(s.status ?? s.state ?? ""),
      description: String(s.description ?? ""),
      url: String(s.target_url ?? ""),
    })),
  };
}
