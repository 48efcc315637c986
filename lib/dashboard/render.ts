// The dashboard issue's body: the table of services as Markdown, every untrusted text escaped (pure).
import { mdCode, oneLine } from "../mikado/markdown.ts";
import { DASHBOARD_MARKER } from "./marker.ts";
import { daysSince, type PackageState, type Row, sortRows } from "./rows.ts";

/** Longest failure reason or other free text a cell shows. */
const MAX_CELL = 300;

/** Longest reason a row not watched gives: one short cell beside the others. */
const MAX_UNWATCHED = 160;

/** Untrusted text (release names, failure reasons, anything read from a file or a forge) as one
 * table cell's text: on one line; `|` cannot end the cell; no HTML (so no second marker) and no
 * Markdown (so no link, image or emphasis): each such character is a character reference, which
 * Markdown shows as the character and never reads as markup. `@` and `#` get a zero-width space
 * after them: an edit of the dashboard must not mention people or reference issues. */
export function cell(text: string, max = MAX_CELL): string {
  const flat = oneLine(text).trim();
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  // First the zero-width spaces, then the references (whose own `#` must stay as it is).
  return short
    .replace(/[@#]/g, (c) => `${c}\u200b`)
    .replace(/[&<>|\\`*_[\]~!]/g, (c) => `&#${c.codePointAt(0)};`);
}

/** `url` when it is a plain http(s) URL that can stand in a Markdown link as it is. */
function plainUrl(url: string | null): string | null {
  return url && /^https?:\/\/[^\s()<>|\\`"'[\]]+$/.test(url) ? url : null;
}

/** A Markdown link when `url` is a plain http(s) URL, else the text alone. */
function link(text: string, url: string | null): string {
  const plain = plainUrl(url);
  return plain ? `[${text}](${plain})` : text;
}

function stateText(s: PackageState): string {
  switch (s.kind) {
    case "up to date":
      return "up to date";
    case "pull":
      return `pull request ${link(`#${s.number}`, s.url)} open` +
        (s.version === null ? "" : `: ${cell(s.version)}`);
    case "waiting":
      return `waiting: ${cell(s.version)} (${cell(s.reason)})`;
    case "failed": {
      const details = plainUrl(s.url) ? ` (${link("details", s.url)})` : "";
      return `failed: ${cell(s.reason)}${details}`;
    }
    case "merged":
      return `merged, ${cell(s.step)}` +
        (s.followUp ? `: follow-up ${link(`#${s.followUp.number}`, s.followUp.url)}` : "");
    case "deployed":
      return `merged and deployed: ${cell(s.tag)}`;
  }
}

function reviewed(lastReviewed: string | null, today: string): string {
  if (lastReviewed === null) return "never";
  const days = daysSince(lastReviewed, today);
  if (days === null) return cell(lastReviewed);
  return days === 1 ? "1 day" : `${days} days`;
}

const NONE = "—";

/** What the dashboard says: its text depends only on the rows and `asOf` (YYYY-MM-DD, the day its
 * review ages are counted on), so a run with nothing new renders exactly the body it rendered
 * before. */
export function renderDashboard(rows: Row[], asOf: string, file: string): string {
  const lines = [
    DASHBOARD_MARKER,
    `upgrade-bot keeps this issue: every service of ${mdCode(file)} and where the bot's ` +
    `upgrade of it stands. The bot edits it when something changes.`,
    "",
    "To have the next run upgrade a package, comment `/upgrade NAME` (its newest release) or " +
    "`/upgrade NAME VERSION`. Only people with write access may.",
    "",
    `Reviewed: days since \`last-reviewed\`, counted on ${asOf}.`,
    "",
  ];
  // The Deployed column (pins, drift) only when some row has something to say there.
  const deployed = rows.some((r) => r.notes.length > 0);
  lines.push(
    `| Service | Version | Reviewed | Newest release | State |${deployed ? " Deployed |" : ""}`,
    `| --- | --- | ---: | --- | --- |${deployed ? " --- |" : ""}`,
  );
  for (const r of sortRows(rows)) {
    const newest = r.status
      ? (r.status.newest === null ? "unknown" : cell(r.status.newest))
      : `not watched: ${cell(r.unwatched ?? "", MAX_UNWATCHED)}`;
    lines.push(
      `| ${cell(r.service)} | ${r.version === null ? NONE : cell(r.version)} | ` +
        `${reviewed(r.lastReviewed, asOf)} | ${newest} | ` +
        `${r.status ? stateText(r.status.state) : NONE} |` +
        (deployed ? ` ${r.notes.length ? r.notes.map((n) => cell(n)).join("; ") : NONE} |` : ""),
    );
  }
  return lines.join("\n");
}

/** The day a body rendered by renderDashboard counted its ages on; null for any other text. */
export function renderedOn(body: string): string | null {
  return /^Reviewed: days since `last-reviewed`, counted on (\d{4}-\d{2}-\d{2})\.$/m.exec(body)
    ?.[1] ?? null;
}
