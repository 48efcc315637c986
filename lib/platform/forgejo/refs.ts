// git's ref advertisement of a forge repository (`git ls-remote`), run without a shell.

/** `git ls-remote ARGS` with `env` (the forge's scoped credential header): one or two HTTP
 * requests whatever the number of refs. */
export async function lsRemote(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("git", {
    args: ["ls-remote", ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
