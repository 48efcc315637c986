// The Mikado graph: the chain's cards and their state, drawn as a tree for the pull request.
import { join } from "node:path";
import type { Config } from "../runtime/config.ts";
import { readOptional } from "../runtime/files.ts";
import { goalCardPath, requiredStems } from "./cards.ts";
import { parseFrontMatter } from "./frontmatter.ts";

/** The chain as an ASCII tree, goal at the root. A card already shown with its prerequisites is
 * not expanded again, and a card requiring one of its ancestors is marked, so neither a cycle nor
 * a shared prerequisite can make the tree grow without bound. */
export function mikadoGraph(
  cards: { stem: string; requires: string[]; active: boolean }[],
  goal: string,
): string {
  const byStem = new Map(cards.map((c) => [c.stem, c]));
  const expanded = new Set<string>();
  const out: string[] = [];
  const visit = (stem: string, prefix: string, branch: string, path: string[]) => {
    const card = byStem.get(stem);
    const state = card === undefined ? "missing card" : card.active ? "active" : "done";
    const role = path.length === 0 ? "goal, " : "";
    let note = "";
    if (card !== undefined && card.requires.length > 0) {
      if (path.includes(stem)) note = " ← cycle";
      else if (expanded.has(stem)) note = " ← see above";
    }
    out.push(`${prefix}${branch}${stem} (${role}${state})${note}`);
    if (card === undefined || note !== "") return;
    expanded.add(stem);
    const inner = prefix + (branch === "" ? "" : branch === "└── " ? "    " : "│   ");
    card.requires.forEach((r, i) => {
      visit(r, inner, i === card.requires.length - 1 ? "└── " : "├── ", [...path, stem]);
    });
  };
  visit(goal, "", "", []);
  return out.join("\n");
}

/** The chain's cards with their state, for the pull request's graph. */
export async function chainGraph(top: string, config: Config): Promise<string> {
  const goal = goalCardPath(config);
  const cards: { stem: string; requires: string[]; active: boolean }[] = [];
  const seen = new Set<string>();
  const visit = async (stem: string, path: string) => {
    if (seen.has(stem)) return;
    seen.add(stem);
    const text = await readOptional(join(top, path));
    if (text === null) return;
    const fm = parseFrontMatter(text, path).map.toJSON();
    const requires = requiredStems(fm.requires, path);
    cards.push({ stem, requires, active: fm.status === "active" });
    for (const r of requires) await visit(r, join(config.cards_dir, `${r}.md`));
  };
  await visit(config.chain, goal);
  return mikadoGraph(cards, config.chain);
}
