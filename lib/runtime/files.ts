// Files: atomic writes (never a half-written file), and the programs shipped beside the code.
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

const shipped = new Map<string, Promise<string>>();

/** A program shipped beside the code that runs it (a shell script), read once: its parameters go
 * as arguments, never into its text. */
export function shippedText(url: URL): Promise<string> {
  let text = shipped.get(url.href);
  if (!text) shipped.set(url.href, text = Deno.readTextFile(url));
  return text;
}
