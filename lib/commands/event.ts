// `event FILE`: one Forgejo Actions issue_comment payload, under the lock.
import type { Forge } from "../platform/forge.ts";
import { InputError } from "../runtime/errors.ts";
import { eventFromPayload } from "../platform/forgejo/comment_event.ts";
import { handleCommentForPackages } from "../flow/rebuild.ts";
import { withLock } from "../runtime/workspace.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { connect } from "../platform/connect.ts";
import type { Invocation } from "./invocation.ts";

/** An event payload file, read with a size limit: its content is untrusted. */
async function readPayload(file: string): Promise<unknown> {
  const info = await Deno.stat(file).catch(() => null);
  if (!info?.isFile) throw new InputError(`${file}: no such event payload file`);
  if (info.size > 4 * 1024 * 1024) throw new InputError(`${file}: event payload larger than 4 MiB`);
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new InputError(`${file}: not a JSON event payload: ${(e as Error).message}`);
  }
}

export async function eventCommand({ file, settings, packages }: Invocation): Promise<number> {
  const forge = await connect(settings);
  console.log(await handleEvent(settings, packages, forge, file!));
  return 0;
}

/** One Forgejo Actions issue_comment payload; says what came of it. */
async function handleEvent(
  settings: Settings,
  packages: PackageSpec[],
  forge: Forge,
  file: string,
): Promise<string> {
  const ev = eventFromPayload(await readPayload(file));
  if (ev === null) return "ignored: not a pull request comment";
  return (await withLock(
    settings,
    "event",
    () => handleCommentForPackages(settings, packages, forge, ev),
  )) ??
    "skipped: another run holds the lock";
}
