// The dashboard issue's marker: how the bot finds its one issue again among the open issues (pure).
import type { Issue } from "../platform/forge.ts";
import { ownComments } from "../upstream/inert.ts";

/** The hidden first line of the dashboard's body, read back only as a top-level HTML comment
 * (lib/upstream/inert.ts): untrusted text in the body is escaped (render.ts), so no release name
 * or failure reason can carry a second one. */
export const DASHBOARD_MARKER = "<!-- upgrade-bot:dashboard -->";

/** Whether `body` holds the marker as a top-level HTML comment. As the dashboard writes it, its
 * first line: a line starting with `<!--` opens an HTML block that ends on the line holding
 * `-->`, so that line alone is one, with no markdown parse (which cost a run with nothing new tens
 * of milliseconds); anywhere else, the parse says. */
function marked(body: string): boolean {
  if (body === DASHBOARD_MARKER || body.startsWith(`${DASHBOARD_MARKER}\n`)) return true;
  return body.includes(DASHBOARD_MARKER) && ownComments(body).includes(DASHBOARD_MARKER);
}

/** The bot's dashboard among `issues`: the oldest open issue that `me` opened with the marker in
 * its body (an issue someone else opened with it is not the bot's), and any later ones (a
 * create whose answer was lost, a race), which the bot closes. */
export function findDashboard(
  issues: Issue[],
  me: string,
): { issue: Issue | null; duplicates: Issue[] } {
  const mine = issues
    .filter((i) => i.user.toLowerCase() === me.toLowerCase() && marked(i.body))
    .sort((a, b) => a.number - b.number);
  return { issue: mine[0] ?? null, duplicates: mine.slice(1) };
}
