// `serve`: Forgejo webhooks until stopped, each handled under the lock.
import type { Forge } from "../platform/forge.ts";
import { InputError } from "../runtime/errors.ts";
import { handleCommentForPackages } from "../flow/rebuild.ts";
import { serveWebhooks } from "../platform/forgejo/webhook.ts";
import { withLock } from "../runtime/workspace.ts";
import { takeSecret } from "../runtime/log.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { connect } from "../platform/connect.ts";
import type { Invocation } from "./invocation.ts";

/** `serve`: webhooks until stopped, each handled under the lock (the table checked --port). */
export async function serveCommand(
  { values, settings, packages }: Invocation,
): Promise<number> {
  const forge = await connect(settings);
  return await serve(settings, packages, forge, Number(values.port), values.host ?? "127.0.0.1");
}

async function serve(
  settings: Settings,
  packages: PackageSpec[],
  forge: Forge,
  port: number,
  hostname: string,
): Promise<number> {
  const secret = takeSecret(settings.webhook.secret_env);
  if (!secret) {
    throw new InputError(
      `set ${settings.webhook.secret_env} to the webhook secret (webhook.secret_env)`,
    );
  }
  const server = serveWebhooks({
    hostname,
    port,
    secret,
    maxBodyBytes: settings.webhook.max_body_bytes,
    handle: async (ev) =>
      (await withLock(
        settings,
        "serve",
        () => handleCommentForPackages(settings, packages, forge, ev),
      )) ??
        "skipped: lock held",
  });
  console.error(
    `upgrade-bot: receiving webhooks on http://${server.addr.hostname}:${server.addr.port}/`,
  );
  await server.finished;
  return 0;
}
