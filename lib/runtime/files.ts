// Files: atomic writes, so an interrupted run never leaves a half-written file.
import { dirname, join } from "node:path";
import { redact } from "./log.ts";

/** Writes through a temp file in the same directory and renames it over the target; secrets are
 * redacted from everything the bot writes (cards quote build logs). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.upgrade-bot.tmp`);
  try {
    await Deno.writeTextFile(tmp, redact(text));
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

export async function readOptional(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}
