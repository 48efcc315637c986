// The forge the config names, with the token from the environment.
import type { Settings } from "../runtime/config.ts";
import type { Forge } from "./forge.ts";
import { InputError } from "../runtime/errors.ts";
import { takeSecret } from "../runtime/log.ts";

/** The forge, with the token from the environment variable the settings name. octokit is loaded here,
 * not at start: `upgrade` never needs it. */
export async function connect(settings: Pick<Settings, "forge" | "webhook">): Promise<Forge> {
  const token = takeSecret(settings.forge.token_env);
  // The webhook secret too, where this command does not need it: out of the environment, redacted.
  takeSecret(settings.webhook.secret_env);
  if (!token) {
    throw new InputError(
      `set ${settings.forge.token_env} to a Forgejo access token (forge.token_env)`,
    );
  }
  const { ForgejoForge } = await import("./forgejo/client.ts");
  const { url, timeout_seconds, retries, retry_seconds } = settings.forge;
  const forge = new ForgejoForge(url, token, {
    timeoutSeconds: timeout_seconds,
    retries,
    retryBaseSeconds: retry_seconds,
  });
  return forge;
}
