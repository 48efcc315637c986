// The Forgejo API as the client's parts reach it: octokit with Forgejo's quirks, errors that name what is missing, the token's user.
import { Octokit } from "octokit";
import { InputError, UpgradeFailed } from "../../runtime/errors.ts";
import type { Json } from "./convert.ts";

export const PAGE = 50; // Forgejo's default `limit`; its admin may cap pages lower (MAX_RESPONSE_ITEMS)

/** Statuses that retrying cannot fix; octokit would retry 409 and 423 by default. */
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 423, 451];

/** What the client is built with: retries, timeouts, how long a mirror sync is waited for. */
export interface ForgejoOptions {
  retries?: number;
  retryBaseSeconds?: number;
  timeoutSeconds?: number;
  mirrorSyncWaitSeconds?: number;
}

/** An error octokit throws: the HTTP status, when there was an answer. */
export type RequestError = { status?: number; message: string };

export class ForgejoApi {
  readonly octokit: Octokit;
  readonly mirrorSyncWaitSeconds: number;
  readonly retries: number;
  readonly retryBaseSeconds: number;
  /** API requests and git ref listings made. */
  requests = 0;
  /** How long one request may take. */
  readonly timeoutMs: number;

  constructor(readonly url: string, readonly token: string, options: ForgejoOptions = {}) {
    this.mirrorSyncWaitSeconds = options.mirrorSyncWaitSeconds ?? 60;
    const timeout = this.timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
    this.retries = options.retries ?? 3;
    this.retryBaseSeconds = options.retryBaseSeconds ?? 1;
    this.octokit = new Octokit({
      baseUrl: `${url.replace(/\/+$/, "")}/api/v1`,
      auth: token,
      userAgent: "upgrade-bot",
      // Retries wait 1, 4, 9 ... times the base value.
      retry: {
        doNotRetry: DO_NOT_RETRY,
        retries: options.retries ?? 3,
        retryAfterBaseValue: (options.retryBaseSeconds ?? 1) * 1000,
      },
      // Forgejo sends no rate-limit headers for the throttling plugin to read.
      throttle: { enabled: false },
      request: {
        fetch: (input: RequestInfo | URL, init?: RequestInit) => {
          this.requests++;
          return fetch(input, { ...init, signal: AbortSignal.timeout(timeout) });
        },
      },
    });
  }

  /** One API call; errors become messages that name the repository and what is missing. */
  async call(
    route: string,
    params: Json,
    what: string,
  ): Promise<{ data: unknown; headers: Record<string, string | number | undefined> }> {
    try {
      const r = await this.octokit.request(route, params);
      return { data: r.data, headers: r.headers as Record<string, string | number | undefined> };
    } catch (e) {
      throw this.explain(e as RequestError, what);
    }
  }

  /** The token as git's HTTP requests carry it (to the forge's own URLs only). */
  get authorization(): string {
    return `token ${this.token}`;
  }

  explain(e: RequestError, what: string): Error {
    const where = `forge ${this.url}: ${what}`;
    switch (e.status) {
      case 401:
        return new InputError(`${where}: the token was rejected (401): check forge.token_env`);
      case 403:
        return new InputError(
          `${where}: the token lacks permission (403): it needs read and write access to the ` +
            `repository (scopes write:repository, write:issue)`,
        );
      case 404:
        return new InputError(`${where}: not found (404), or the token cannot see it`);
      default:
        return new UpgradeFailed(`${where}: ${e.status ? `HTTP ${e.status}: ` : ""}${e.message}`);
    }
  }

  private me: Promise<string> | null = null;

  /** The token's own login, asked once. */
  whoami(): Promise<string> {
    this.me ??= this.call("GET /user", {}, "reading the token's user").then(
      ({ data }) => String((data as Json).login),
      (e) => {
        this.me = null; // a failure is not remembered
        throw e;
      },
    );
    return this.me;
  }
}

/** `owner/name` as the API's route parameters. */
export function ownerRepo(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split("/");
  return { owner, repo: name };
}
