// Test helper: checks a branch against every ordering rule of the Mikado invariant (domain.md).
import { git } from "./botrun.ts";

export interface BranchCommit {
  subject: string;
  verb: string;
  added: string[];
  changed: string[];
}

/** The commits of `base..branch`, oldest first, with the files each adds and changes. */
export async function branchCommits(repo: string, range: string): Promise<BranchCommit[]> {
  const shas = (await git(repo, "rev-list", "--reverse", range)).split("\n").filter(Boolean);
  const commits: BranchCommit[] = [];
  for (const sha of shas) {
    const subject = await git(repo, "log", "-1", "--format=%s", sha);
    const status = (await git(repo, "show", "--name-status", "--format=", sha)).split("\n").filter(
      Boolean,
    );
    commits.push({
      subject,
      verb: /^C2\([^)]+\): (\w+) /.exec(subject)?.[1] ?? "",
      added: status.filter((l) => l.startsWith("A")).map((l) => l.split("\t")[1]),
      changed: status.map((l) => l.split("\t").at(-1)!),
    });
  }
  return commits;
}

/** Every rule, as a list of violations (empty when the branch follows the convention). */
export function mikadoViolations(
  commits: BranchCommit[],
  chain: string,
  cardsDir: string,
): string[] {
  const problems: string[] = [];
  const isCard = (path: string) => path.startsWith(`${cardsDir}/`);
  let implOrCloseSeen = false;
  commits.forEach((c, i) => {
    if (!new RegExp(`^C2\\(${chain}\\): (plan|impl|close|finalize) \\S`).test(c.subject)) {
      problems.push(
        `${i}: subject "${c.subject}" is not C2(${chain}): <plan|impl|close|finalize> ...`,
      );
    }
    if (c.verb === "plan" && implOrCloseSeen) problems.push(`${i}: plan commit after impl/close`);
    if (c.verb === "plan" && c.changed.some((f) => !isCard(f))) {
      problems.push(`${i}: plan commit changes non-card files`);
    }
    if (c.verb === "impl" && c.changed.some(isCard)) {
      problems.push(`${i}: impl commit changes cards`);
    }
    if ((c.verb === "impl" || c.verb === "close") || implOrCloseSeen) {
      if (implOrCloseSeen && c.added.some(isCard)) {
        problems.push(`${i}: card introduced after impl/close`);
      }
    }
    if (c.verb === "impl" || c.verb === "close") implOrCloseSeen = true;
    if (c.verb === "finalize" && i !== commits.length - 1) {
      problems.push(`${i}: finalize is not last`);
    }
  });
  return problems;
}
