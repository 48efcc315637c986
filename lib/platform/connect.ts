// The forge the config names, with the token from the environment.
import type { Config } from "../runtime/config.ts";
import type { Forge } from "./forge.ts";
import { InputError } from "../runtime/errors.ts";
import { takeSecret } from "../runtime/log.ts";

/** The forge, with the token from the environment variable config names. octokit is loaded here,
 * not at start: `upgrade` never needs it. */
export async function connect(config: Config): Promise<Forge> {
  const token = takeSecret(config.forge.token_env);
  // The webhook secret too, where this command does not need it: out of the environment, redacted.
  takeSecret(config.webhook.secret_env);
  if (!token) {
    throw new InputError(
      `set ${config.forge.token_env} to a Forgejo access token (forge.token_env)`,
    );
  }
  const { ForgejoForge } = await import("./forgejo/client.ts");
  const { url, timeout_seconds, retries, retry_seconds } = config.forge;
  const forge = new ForgejoForge(url, token, {
    timeoutSeconds: timeout_seconds,
    retries,
    retryBaseSeconds: retry_seconds,
  });
  return forge;
}
