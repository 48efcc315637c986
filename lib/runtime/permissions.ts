// A permission the bot was not granted: which one, and that deno.json's "permissions" declare them.

/** Deno's words for a refused permission: `Requires run access to "ssh", run again with ...`. */
const REQUIRES = /Requires (\w+) access(?: to "([^"]*)")?/;

/** What to say when `e` (or an error it wraps, or its message) is a permission Deno refused; null
 * for any other error. Deno's own advice (`--allow-run`) is left out: the bot runs with `-P`. */
export function permissionProblem(e: unknown): string | null {
  for (let x = e; x instanceof Error; x = x.cause) {
    const m = REQUIRES.exec(x.message);
    if (!(x instanceof Deno.errors.NotCapable) && !m) continue;
    const what = m ? `${m[1]} access${m[2] === undefined ? "" : ` to "${m[2]}"`}` : x.message;
    return `not permitted: ${what}. The bot runs with the permission set deno.json declares ` +
      `("permissions", granted by deno run -P); this one is not in it.`;
  }
  return null;
}
