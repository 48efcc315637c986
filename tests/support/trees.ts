// Trees and their NAR hashes: writing a tree of files (with executable bits), hashing it as Nix
// does, and the trees the nixpkgs stand-in's dependency FODs write, re-derived in TypeScript so
// expected hashes never come from the builders under test.
import { $ } from "zx";

/** Paths ending in EXEC are written executable (without the marker): the executable bit is part
 * of a NAR hash, so the trees should exercise it. */
export const EXEC = "#exec";

export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const exec = name.endsWith(EXEC);
    const full = `${dir}/${exec ? name.slice(0, -EXEC.length) : name}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text, { mode: exec ? 0o755 : 0o644 });
    await Deno.chmod(full, exec ? 0o755 : 0o644);
  }
}

/** base16 sha256 (nix-hash output) to SRI. */
export function base16ToSri(hex: string): string {
  const bytes = hex.trim().match(/../g)!.map((b) => parseInt(b, 16));
  return "sha256-" + btoa(String.fromCharCode(...bytes));
}

/** NAR hash of a directory as SRI, via nix-hash (2.8 has no --sri). */
export async function hashDir(dir: string): Promise<string> {
  return base16ToSri((await $({ quiet: true })`nix-hash --type sha256 ${dir}`).stdout);
}

export async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** buildGoModule's goModules: go.sum plus a modules.txt of its non-go.mod lines (`awk` +
 * `sort -u`). */
export function goModulesTree(goSum: string): Record<string, string> {
  const mods = new Set<string>();
  for (const line of goSum.split("\n")) {
    const f = line.trim().split(/[ \t]+/);
    if (f.length >= 2 && !f[1].endsWith("/go.mod")) mods.add(`# ${f[0]} ${f[1]}`);
  }
  return { "go.sum": goSum, "modules.txt": [...mods].sort().map((m) => m + "\n").join("") };
}

/** git in a bare mirror, with no host git config (default branch, signing, identity). */
function bareGit(gitDir: string) {
  const env = { ...Deno.env.toObject(), GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  return $({ cwd: gitDir, env, quiet: true });
}

/** A file of a bare mirror at `rev`. */
export async function readBlob(gitDir: string, rev: string, path: string): Promise<string> {
  return (await bareGit(gitDir)`git cat-file blob ${`${rev}:${path}`}`).stdout;
}

/** The NAR hash of the tree a fetch of `rev` yields (the tree without .git), unpacked in `dir`. */
export async function hashGitTree(gitDir: string, rev: string, dir: string): Promise<string> {
  await Deno.mkdir(dir);
  await bareGit(gitDir)`git archive --format=tar -o ${dir + ".tar"} ${rev}`;
  await $({ quiet: true })`tar -x -f ${dir + ".tar"} -C ${dir}`;
  return hashDir(dir);
}

/** The NAR hash of `files` written to the new directory `dir`. */
export async function hashTree(dir: string, files: Record<string, string>): Promise<string> {
  await Deno.mkdir(dir);
  await writeTree(dir, files);
  return hashDir(dir);
}

// The worlds' templates: what every world of a test file starts with, built once and copied.

const templateRoots: string[] = [];

function removeTemplates(): void {
  for (const root of templateRoots.splice(0)) Deno.removeSync(root, { recursive: true });
}
// Each test file runs in an isolate of its own, with its own copy of this module: its templates go
// when its tests are done, a script's when it ends.
Deno.test.afterAll(removeTemplates);
globalThis.addEventListener("unload", removeTemplates);

/** A temp dir (readable by the nixbld users) for a template, removed with the test file's. */
export async function templateDir(prefix: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix });
  templateRoots.push(root);
  await Deno.chmod(root, 0o755);
  return root;
}

/** Copies `entries` of `template` into `root` (one cp), then points the git configs
 * `gitConfigs` (paths in `root`) at `root`'s repositories instead of the template's. */
export async function copyTemplate(
  template: string,
  root: string,
  entries: string[],
  gitConfigs: string[],
): Promise<void> {
  await $({ quiet: true })`cp -a ${entries.map((e) => `${template}/${e}`)} ${root}`;
  for (const config of gitConfigs) {
    const text = await Deno.readTextFile(`${root}/${config}`);
    await Deno.writeTextFile(`${root}/${config}`, text.replaceAll(template, root));
  }
}
