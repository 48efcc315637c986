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

/** Where the Python tasks' results start in the driver's output. */
const RESULTS = "repo-checks-results: ";

/** The Python tasks named as arguments, each run as `python3 <task>` runs it (`runpy` as
 * `__main__`, `sys.argv` its path alone, in the repository), its exit status and output (stdout
 * and stderr) kept apart; in one interpreter, so that a branch's checks start Python and import
 * rich once, not six times (the tests check dozens of branches). */
const PYTHON_TASKS = `
import contextlib, io, json, runpy, sys, traceback
results = []
for script in sys.argv[1:]:
    out = io.StringIO()
    code = 0
    sys.argv = [script]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as e:
            if e.code is None or isinstance(e.code, int):
                code = e.code or 0
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
    results.append({"code": code, "output": out.getvalue()})
print("${RESULTS}" + json.dumps(results))
`;

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
  // changelog-check is bash; the others are Python scripts run by uv in the repository, here all
  // in one interpreter (PYTHON_TASKS), in MISE_CHECKS' order.
  const python: string[] = [];
  for (const task of MISE_CHECKS) {
    const script = `mise-tasks/${task}`;
    const isBash = (await Deno.readTextFile(`${repo}/${script}`)).startsWith("#!/usr/bin/env bash");
    if (isBash) await run(task, sh`bash ${script}`);
    else python.push(task);
  }
  const p = await sh`${PYTHON} -c ${PYTHON_TASKS} ${python.map((t) => `mise-tasks/${t}`)}`;
  const line = p.stdout.split("\n").find((l) => l.startsWith(RESULTS));
  if (!line) throw new Error(`the Python tasks printed no results:\n${p.stdout}${p.stderr}`);
  const ran = JSON.parse(line.slice(RESULTS.length)) as { code: number; output: string }[];
  python.forEach((task, i) => {
    results.push({ name: task, ok: ran[i].code === 0, output: ran[i].output.trim() });
  });
  results.sort((a, b) => MISE_CHECKS.indexOf(a.name) - MISE_CHECKS.indexOf(b.name));
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
