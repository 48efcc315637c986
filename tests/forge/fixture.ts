// Builds bare repositories for the Forgejo stand-in in one `git fast-import` run, with fixed
// commit dates so tag order is deterministic.

export interface FixtureCommit {
  message: string;
  /** Files written by this commit; earlier files stay. */
  files?: Record<string, string>;
  /** Committer (and tagger) time. */
  date: Date;
  /** Annotated tags on this commit; `{ name, lightweight: true }` for a plain ref. */
  tags?: (string | { name: string; lightweight: true })[];
}

const encoder = new TextEncoder();

function data(text: string): string {
  return `data ${encoder.encode(text).length}\n${text}\n`;
}

/** Creates `root/<owner>/<name>.git` with `commits` in order on `branch`; returns the git dir. */
export async function createRepo(
  root: string,
  fullName: string,
  commits: FixtureCommit[],
  branch = "main",
): Promise<string> {
  const gitDir = `${root}/${fullName}.git`;
  await git(["init", "--quiet", "--bare", `--initial-branch=${branch}`, gitDir]);
  let stream = "";
  commits.forEach((c, i) => {
    const who = `Fixture <fixture@example.com> ${Math.floor(c.date.getTime() / 1000)} +0000`;
    stream += `commit refs/heads/${branch}\nmark :${i + 1}\ncommitter ${who}\n${data(c.message)}`;
    for (const [path, content] of Object.entries(c.files ?? {})) {
      stream += `M 100644 inline ${path}\n${data(content)}`;
    }
    for (const tag of c.tags ?? []) {
      stream += typeof tag === "string"
        ? `tag ${tag}\nfrom :${i + 1}\ntagger ${who}\n${data(`release ${tag}`)}`
        : `reset refs/tags/${tag.name}\nfrom :${i + 1}\n`;
    }
  });
  await git(["--git-dir", gitDir, "fast-import", "--quiet"], stream);
  return gitDir;
}

export async function git(args: string[], input?: string, cwd?: string): Promise<string> {
  const child = new Deno.Command("git", {
    args,
    cwd,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(input));
    await writer.close();
  }
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text.trim();
}
