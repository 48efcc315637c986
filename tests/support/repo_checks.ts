// The target repository's own checks (mise-tasks/, prek.toml), run on a branch the bot left.
import { $ } from "zx";

export interface CheckResult {
  name: string;
  ok: boolean;
  output: string;
}

/** The mise-tasks the repository runs on every change that touches docs, containers or commits. */
export const MISE_CHECKS = [
  "mikado-branch-invariant-check",
  "changelog-check",
  "docs-check-frontmatter",
  "docs-check-filenames",
  "docs-check-links",
  "docs-check-index",
  "container-version-check",
];

/** Debian's python3 has python3-rich, python3-yaml and python3-typer, which the tasks import. */
const PYTHON = "/usr/bin/python3";

/** Runs every check on the checkout in `repo` (the branch checked out, `main` its base): the seven
 * mise-tasks, yamllint on service-versions.yaml, `git diff --check main...HEAD`, and prek's
 * end-of-file-fixer and trailing-whitespace on every file the branch changed. */
export async function repoChecks(repo: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const run = async (
    name: string,
    cmd: Promise<{ exitCode: number | null; stdout: string; stderr: string }>,
  ) => {
    const p = await cmd;
    results.push({ name, ok: p.exitCode === 0, output: (p.stdout + p.stderr).trim() });
  };
  const sh = $({
    cwd: repo,
    nothrow: true,
    quiet: true,
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
  });
  for (const task of MISE_CHECKS) {
    const script = `mise-tasks/${task}`;
    // changelog-check is bash; the others are Python scripts run by uv in the repository.
    const isBash = (await Deno.readTextFile(`${repo}/${script}`)).startsWith("#!/usr/bin/env bash");
    await run(task, isBash ? sh`bash ${script}` : sh`${PYTHON} ${script}`);
  }
  await run("yamllint service-versions.yaml", sh`yamllint -c .yamllint.yaml service-versions.yaml`);
  await run("git diff --check main...HEAD", sh`git diff --check main...HEAD`);
  const changed = (await sh`git diff --name-only --diff-filter=AM main...HEAD`).stdout.split("\n")
    .filter(Boolean);
  const problems: string[] = [];
  for (const file of changed) {
    const text = await Deno.readTextFile(`${repo}/${file}`);
    if (text !== "" && (!text.endsWith("\n") || text.endsWith("\n\n"))) {
      problems.push(`${file}: does not end in exactly one newline`);
    }
    text.split("\n").forEach((line, i) => {
      if (/[ \t]+\r?$/.test(line)) problems.push(`${file}:${i + 1}: trailing whitespace`);
    });
  }
  results.push({
    name: "end-of-file-fixer, trailing-whitespace (changed files)",
    ok: problems.length === 0,
    output: problems.join("\n"),
  });
  return results;
}

/** A readable list of the failed checks with their output, or "" when all passed. */
export function failedChecks(results: CheckResult[]): string {
  return results.filter((r) => !r.ok).map((r) => `--- ${r.name}\n${r.output}`).join("\n");
}
