// `serve`: Forgejo webhooks until stopped, each handled under the lock.
import type { Forge } from "../platform/forge.ts";
import { InputError } from "../runtime/errors.ts";
import { handleCommentForPackages } from "../flow/packages.ts";
import { serveWebhooks } from "../platform/forgejo/webhook.ts";
import { withLock } from "../runtime/workspace.ts";
import { takeSecret } from "../runtime/log.ts";
import type { CommonOptions } from "../flow/prepare.ts";
import { connect } from "../platform/connect.ts";
import type { Invocation } from "./usage.ts";

/** `serve`: webhooks until stopped, each handled under the lock (the table checked --port). */
export async function serveCommand({ values, config, common }: Invocation): Promise<number> {
  const forge = await connect(config);
  return await serve(common, forge, Number(values.port), values.host ?? "127.0.0.1");
}

async function serve(
  common: CommonOptions,
  forge: Forge,
  port: number,
  hostname: string,
): Promise<number> {
  const { config } = common;
  const secret = takeSecret(config.webhook.secret_env);
  if (!secret) {
    throw new InputError(
      `set ${config.webhook.secret_env} to the webhook secret (webhook.secret_env)`,
    );
  }
  const server = serveWebhooks({
    hostname,
    port,
    secret,
    maxBodyBytes: config.webhook.max_body_bytes,
    handle: async (ev) =>
      (await withLock(config, "serve", () => handleCommentForPackages(common, forge, ev))) ??
        "skipped: lock held",
  });
  console.error(
    `upgrade-bot: receiving webhooks on http://${server.addr.hostname}:${server.addr.port}/`,
  );
  await server.finished;
  return 0;
}
