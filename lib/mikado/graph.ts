// The Mikado graph: the chain's cards and their state, drawn as a tree for the pull request (pure).

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
