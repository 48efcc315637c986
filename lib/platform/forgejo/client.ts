// Forge: the Forgejo client the bot uses, composed of its parts (repository and git reads, pull requests and comments, issues, releases and Actions).
import type {
  ActionRun,
  Comment,
  CommitStatus,
  Forge,
  Issue,
  Pull,
  Release,
  TagCommit,
} from "../forge.ts";
import type { Remote } from "../../runtime/git.ts";
import { ForgejoApi, type ForgejoOptions } from "./api.ts";
import * as repository from "./repository.ts";
import * as pullRequests from "./pulls.ts";
import * as issueList from "./issues.ts";
import * as releases from "./releases.ts";

export class ForgejoForge implements Forge {
  private api: ForgejoApi;

  constructor(readonly url: string, token: string, options: ForgejoOptions = {}) {
    this.api = new ForgejoApi(url, token, options);
  }

  /** API requests and git ref listings made. */
  get requests(): number {
    return this.api.requests;
  }

  gitRemote(repo: string): Remote {
    return repository.gitRemote(this.api, repo);
  }

  tagUrl(repo: string, tag: string): string {
    return repository.tagUrl(this.api, repo, tag);
  }

  compareUrl(repo: string, from: string, to: string): string {
    return repository.compareUrl(this.api, repo, from, to);
  }

  /** Tags through git's ref advertisement (`git ls-remote --tags` with the prefix as a ref
   * prefix), not the API: one or two requests whatever the number of tags, where the API needs
   * one per 50. */
  async tags(repo: string, prefix = ""): Promise<string[]> {
    return [...(await this.tagCommits(repo, prefix)).keys()];
  }

  tagCommits(repo: string, prefix = ""): Promise<Map<string, string>> {
    return repository.tagCommits(this.api, repo, prefix);
  }

  async tagExists(repo: string, tag: string): Promise<boolean> {
    return (await this.tag(repo, tag)) !== null;
  }

  tag(repo: string, tag: string): Promise<TagCommit | null> {
    return repository.tag(this.api, repo, tag);
  }

  syncMirror(repo: string): Promise<boolean> {
    return repository.syncMirror(this.api, repo);
  }

  readFile(repo: string, path: string, ref: string): Promise<string> {
    return repository.readFile(this.api, repo, path, ref);
  }

  release(repo: string, tag: string): Promise<Release | null> {
    return releases.release(this.api, repo, tag);
  }

  actionRuns(repo: string, headSha: string): Promise<ActionRun[]> {
    return releases.actionRuns(this.api, repo, headSha);
  }

  commitStatus(repo: string, ref: string): Promise<CommitStatus> {
    return releases.commitStatus(this.api, repo, ref);
  }

  pulls(repo: string, state: "open" | "closed" | "all"): Promise<Pull[]> {
    return pullRequests.pulls(this.api, repo, state);
  }

  createPull(
    repo: string,
    p: { head: string; base: string; title: string; body: string },
  ): Promise<Pull> {
    return pullRequests.createPull(this.api, repo, p);
  }

  updatePull(
    repo: string,
    index: number,
    p: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Pull> {
    return pullRequests.updatePull(this.api, repo, index, p);
  }

  mergeWhenChecksSucceed(repo: string, index: number, style: string): Promise<void> {
    return pullRequests.mergeWhenChecksSucceed(this.api, repo, index, style);
  }

  comments(repo: string, index: number, since?: string): Promise<Comment[]> {
    return pullRequests.comments(this.api, repo, index, since);
  }

  comment(repo: string, index: number, body: string): Promise<Comment> {
    return pullRequests.comment(this.api, repo, index, body);
  }

  react(repo: string, commentId: number, content: string): Promise<boolean> {
    return pullRequests.react(this.api, repo, commentId, content);
  }

  reactions(repo: string, commentId: number): Promise<{ user: string; content: string }[]> {
    return pullRequests.reactions(this.api, repo, commentId);
  }

  permission(repo: string, user: string): Promise<string | null | undefined> {
    return pullRequests.permission(this.api, repo, user);
  }

  issues(repo: string, createdBy: string): Promise<Issue[]> {
    return issueList.issues(this.api, repo, createdBy);
  }

  createIssue(repo: string, p: { title: string; body: string }): Promise<Issue> {
    return issueList.createIssue(this.api, repo, p);
  }

  updateIssue(
    repo: string,
    index: number,
    p: { title?: string; body?: string; state?: "open" | "closed" },
  ): Promise<Issue> {
    return issueList.updateIssue(this.api, repo, index, p);
  }

  whoami(): Promise<string> {
    return this.api.whoami();
  }
}
