// Mikado chain conventions: the C2 commit subjects and bodies, and the plan of a reset (pure).
import { join } from "node:path";
import type { PackageSpec } from "../runtime/config.ts";
import { drvName } from "../nix/build_log_lines.ts";
import {
  type BuildFailureFacts,
  goalCardPath,
  planGoalCard,
  prerequisiteCard,
  requiredStems,
  type UpgradeFacts,
} from "./cards.ts";
import { parseFrontMatter } from "./front_matter.ts";

/** The commit subjects of the target's C2 convention: `C2(<chain>): <verb> <description>`. */
export function subjects(pkg: Pick<PackageSpec, "chain" | "name">, from: string, to: string) {
  const c2 = `C2(${pkg.chain}):`;
  const name = pkg.name;
  return {
    plan: `${c2} plan upgrade ${name} ${from} -> ${to}`,
    bump: `${c2} impl bump ${name} ${from} -> ${to}`,
    hashes: `${c2} impl update fixed-output hashes for ${name} ${to}`,
    partial: (pending: string[]) =>
      `${c2} impl partial hashes for ${name} ${to} (pending: ${pending.join(", ")})`,
    finalize: `${c2} finalize upgrade ${name} ${from} -> ${to}`,
    prerequisite: (stem: string, what: string) => `${c2} plan ${stem}: ${what}`,
    close: (stem: string) => `${c2} close ${stem}`,
  };
}

/** The impl commit of the hashes: all harvested, or partial with the pending ones named; its body
 * one line per hash. */
export function hashesCommit(facts: UpgradeFacts): { subject: string; body: string } {
  const s = subjects({ chain: facts.chain, name: facts.package }, facts.from, facts.to);
  const pending = facts.hashes.filter((h) => h.new === null).map((h) => h.name);
  return {
    subject: pending.length ? s.partial(pending) : s.hashes,
    body: facts.hashes.map((h) =>
      `${h.name}: ${
        h.new === null ? "pending" : h.unchanged ? `unchanged ${h.new}` : `${h.old} -> ${h.new}`
      }`
    ).join("\n"),
  };
}

/** The stems a card's front matter requires (read from the branch: untrusted). */
export function requiresOf(text: string, path: string): string[] {
  return requiredStems(parseFrontMatter(text, path).map.toJSON().requires, path);
}

/** Whether a card is part of a chain under way (`status: active`). */
export function isActive(text: string, path: string): boolean {
  return parseFrontMatter(text, path).map.get("status") === "active";
}

/** The Mikado reset after a failed build: a new prerequisite card for the failure, required by the
 * goal card (the card at `goalText` as the plan commit left it), and the commit that plans it. The
 * flow resets the branch to the plan, writes these, and replays the impl commits on top. */
export function resetPlan(
  pkg: Pick<PackageSpec, "cards_dir" | "chain" | "name">,
  facts: UpgradeFacts,
  failure: BuildFailureFacts,
  goalText: string,
  /** The overview card's stem, for the goal card to link (see planGoalCard). */
  overview: string | null,
): {
  stem: string;
  card: { path: string; text: string };
  goal: { path: string; text: string };
  subject: string;
} {
  const card = prerequisiteCard(facts, failure);
  const goal = goalCardPath(pkg);
  const requires = [...new Set([...requiresOf(goalText, goal), card.stem])];
  const what = failure.drv ? `${drvName(failure.drv)} fails to build` : "evaluation fails";
  return {
    stem: card.stem,
    card: { path: join(pkg.cards_dir, `${card.stem}.md`), text: card.text },
    // The goal card links the new card (its prerequisites list).
    goal: { path: goal, text: planGoalCard(goalText, facts, requires, goal, overview) },
    subject: subjects(pkg, facts.from, facts.to).prerequisite(card.stem, what),
  };
}
