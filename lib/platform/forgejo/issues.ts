// Forgejo's issues, as the dashboard keeps its one: the bot's open issues listed, one opened, one edited.
import type { Issue } from "../forge.ts";
import { redact } from "../../runtime/log.ts";
import { type ForgejoApi, ownerRepo, PAGE } from "./api.ts";
import { type Json, lastPage, toIssue } from "./convert.ts";

export async function issues(api: ForgejoApi, repo: string, createdBy: string): Promise<Issue[]> {
  const all: Issue[] = [];
  for (let page = 1;; page++) {
    const { data, headers } = await api.call(
      "GET /repos/{owner}/{repo}/issues",
      {
        ...ownerRepo(repo),
        type: "issues",
        state: "open",
        created_by: createdBy,
        page,
        limit: PAGE,
      },
      `listing the open issues ${createdBy} opened in ${repo}`,
    );
    const batch = (data as Json[]).map(toIssue);
    all.push(...batch);
    if (lastPage(batch.length, all.length, headers)) return all;
  }
}

export async function createIssue(
  api: ForgejoApi,
  repo: string,
  p: { title: string; body: string },
): Promise<Issue> {
  // Not retried: a retry after a lost response would open a second issue (the caller looks
  // for it instead).
  const { data } = await api.call(
    "POST /repos/{owner}/{repo}/issues",
    {
      ...ownerRepo(repo),
      title: redact(p.title),
      body: redact(p.body),
      request: { retries: 0 },
    },
    `opening an issue in ${repo}`,
  );
  return toIssue(data as Json);
}

export async function updateIssue(
  api: ForgejoApi,
  repo: string,
  index: number,
  p: { title?: string; body?: string; state?: "open" | "closed" },
): Promise<Issue> {
  // Forgejo answers 201 here, not 200.
  const { data } = await api.call(
    "PATCH /repos/{owner}/{repo}/issues/{index}",
    {
      ...ownerRepo(repo),
      index,
      ...p,
      ...(p.title === undefined ? {} : { title: redact(p.title) }),
      ...(p.body === undefined ? {} : { body: redact(p.body) }),
    },
    `updating issue #${index} of ${repo}`,
  );
  return toIssue(data as Json);
}
