// An Application package's pull request: its body and changelog line (pure; the title is the C1 bump's, lib/docker/pull_text.ts).
import { linkTarget, mdCode, oneLine } from "../mikado/markdown.ts";
import { withFragmentLine } from "../mikado/changelog.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import { withUpstream } from "../upstream/render.ts";

/** What an Application upgrade's texts say. */
export interface ApplicationFacts {
  package: string;
  from: string;
  to: string;
  mirror: { repo: string; fromTag: string; tag: string; url: string };
  /** Each Application file moved, and its `directory.include` when that moved too. */
  applications: { file: string; include: string | null }[];
  servicesFile: string;
  service: string;
  /** The record as written now; null: left as it was (`kept` says what it records). */
  serviceValue: string | null;
  kept: string | null;
  /** What the record said before when it disagreed with the deployed tag. */
  drift: string | null;
  changelog: string;
  /** What changed upstream between the two tags of the mirror (lib/upstream). */
  upstream?: MirrorChanges[];
}

export function applicationBody(f: ApplicationFacts): string {
  const record = f.serviceValue !== null
    ? `- ${mdCode(f.servicesFile)}: ${mdCode(f.service)} at ${
      mdCode(f.serviceValue)
    }, reviewed today` +
      (f.drift !== null
        ? ` (it recorded ${mdCode(f.drift)} while the Applications deployed ${
          mdCode(f.mirror.fromTag)
        })`
        : "")
    : `- ${mdCode(f.servicesFile)}: ${mdCode(f.service)} left at ${mdCode(f.kept ?? "")}: ` +
      `it records something other than the tag (${mdCode(f.mirror.fromTag)}), so the bot does ` +
      "not write it; a person updates it if it moves with this tag";
  return withUpstream(f.upstream ?? [], (upstream) => [
    `Upgrade ${oneLine(f.package)} from ${mdCode(f.from)} to ${mdCode(f.to)}: a version bump ` +
    "under review (C1: this branch and pull request, no Mikado cards).",
    "",
    `Mirror tag: [${mdCode(f.mirror.repo)} at ${mdCode(f.mirror.tag)}](${
      linkTarget(f.mirror.url)
    })`,
    "",
    "### Changes",
    "",
    ...f.applications.map((a) =>
      `- ${mdCode(a.file)}: ${mdCode(`targetRevision: ${f.mirror.tag}`)}` +
      (a.include === null ? "" : `, ${mdCode(`directory.include: ${a.include}`)}`)
    ),
    record,
    `- ${mdCode(f.changelog)}: the changelog fragment`,
    "",
    ...upstream,
    "### After merge",
    "",
    `1. ArgoCD syncs ${
      f.applications.length === 1 ? "the Application" : `the ${f.applications.length} Applications`
    } to ${mdCode(f.mirror.tag)} of ${mdCode(f.mirror.repo)}.`,
    "2. Verify the deployment: ArgoCD sync and health, the service itself.",
    "",
    "*Opened by upgrade-bot.*",
    "",
  ]);
}

/** The changelog fragment: its line added, the fragment's other lines kept. */
export function applicationChangelog(existing: string | null, f: ApplicationFacts): string {
  return withFragmentLine(
    existing,
    `Upgrade ${f.package} from ${f.from} to ${f.to} (ArgoCD ${
      f.applications.length === 1 ? "Application" : "Applications"
    } at ${f.mirror.tag} of the forge mirror ${f.mirror.repo}).`,
  );
}
