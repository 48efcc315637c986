// Test helpers for Mikado chains: one upgrade's facts, and the branch ordering rules (domain.md).
import type { UpgradeFacts } from "../../lib/mikado/cards.ts";
import { git } from "./bot_run.ts";
import { AARCH64_WEBUI_HASH } from "./fixture.ts";

/** authentik 2026.2.0 -> 2026.5.0 mid-harvest, one hash of each kind the cards and the pull
 * text render differently: changed (src), still pending (python-deps), and unchanged here but
 * left stale for a system no machine builds (webui-deps on aarch64-linux). */
export const UPGRADE_FACTS: UpgradeFacts = {
  package: "authentik",
  chain: "upgrade-authentik",
  from: "2026.2.0",
  to: "2026.5.0",
  date: "2026-11-22",
  pkgDir: "containers/authentik",
  hashes: [
    {
      name: "src",
      file: "sources.nix",
      old: "sha256-Sx1vHnPx6Sm6QEXbGuLvAu9AGG/nn+xWB7bknGI2Dbo=",
      new: "sha256-8VHBzl8Ei8U16T8pY1LXv3GxTqq1wVYVpc0uEU2Nq0Y=",
      unchanged: false,
      otherSystems: [],
    },
    {
      name: "python-deps",
      file: "python-deps.nix",
      old: "sha256-l3ZdPzlf2Qq1kr3MO8dqJ9PL8T3O5Ekd1u4sbdTM5sM=",
      new: null,
      unchanged: false,
      otherSystems: [],
    },
    {
      name: "webui-deps",
      file: "webui-deps.nix",
      old: "sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=",
      new: "sha256-5pdgkKd7QzQ2ccybq4Q8GN8bJS1G1dpmkFUNC1Yh0eg=",
      unchanged: true,
      otherSystems: [{
        system: "aarch64-linux",
        old: AARCH64_WEBUI_HASH,
        new: null,
        unchanged: false,
        stale: "no machine builds aarch64-linux (config build.builders names none)",
      }],
    },
  ],
};

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
