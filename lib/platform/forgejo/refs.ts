// git's ref advertisement of a forge repository (`git ls-remote`), run without a shell.
import { type ProcessOutput, run } from "../../runtime/process.ts";

/** `git ls-remote ARGS` with `env` (the forge's scoped credential header) added to the bot's
 * environment: one or two HTTP requests whatever the number of refs. */
export async function lsRemote(
  args: string[],
  env: Record<string, string>,
): Promise<ProcessOutput> {
  return await run(["git", "ls-remote", ...args], { env, inheritEnv: true, check: false });
}
