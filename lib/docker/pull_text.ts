// A Dockerfile package's pull request: its title (and the inverse), body, commit and changelog line, and the failing-checks note (pure).
import { mdCode, oneLine } from "../mikado/markdown.ts";
import { withFragmentLine } from "../mikado/changelog.ts";
import { looseVersion, orderableVersion } from "../nix/versions.ts";
import { linkTarget } from "../mikado/markdown.ts";
import { splitDraft } from "../platform/forge.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import { withUpstream } from "../upstream/render.ts";
import { DOCKER_WORKFLOW, DOCKERFILE_VERSION_ARG, pinBranch } from "../site/defaults.ts";

/** What a Dockerfile upgrade's texts say. */
export interface DockerFacts {
  package: string;
  dir: string;
  from: string;
  to: string;
  /** The versions as the files write them (`v0.61.0`). */
  argValue: string;
  serviceValue: string;
  service: string;
  servicesFile: string;
  changelog: string;
  mirrors: { repo: string; tag: string; url: string }[];
  /** Where the new version comes from when no mirror has it (PyPI, an Alpine index), and the
   * page of that version. */
  source?: { label: string; url: string };
  /** What changed upstream between the two tags of each mirror (lib/upstream). */
  upstream?: MirrorChanges[];
}

const TITLE = /^Upgrade (\S+) from (\S+) to (\S+)$/;

/** `Upgrade loki from 3.6.5 to 3.7.0`: the repository's own wording for a version bump. */
export function dockerTitle(f: { package: string; from: string; to: string }): string {
  const word = (s: string) => oneLine(s).replace(/\s+/g, "_");
  return `Upgrade ${word(f.package)} from ${word(f.from)} to ${word(f.to)}`;
}

/** The inverse of dockerTitle (a draft marker allowed). */
export function parseDockerTitle(
  title: string,
): { package: string; from: string; to: string } | null {
  const m = TITLE.exec(splitDraft(title.trim()).title);
  return m ? { package: m[1], from: m[2], to: m[3] } : null;
}

/** The version a C1 title's `to` names, as the bot orders it; null when it names none it can
 * order (people edit titles). An image's tag may leave out parts (`18.4` is `18.4.0`); the other
 * kinds write whole versions. */
export function versionOfTitle(to: string | undefined, image: boolean): string | null {
  if (to === undefined) return null;
  return image ? looseVersion(to) : orderableVersion(to);
}

/** `pinned`: the bot pins the built image's tag after merge (`deploy` set, lib/flow/pins.ts). */
export function dockerBody(f: DockerFacts, pinned = true): string {
  return withUpstream(f.upstream ?? [], (upstream) => [
    `Upgrade ${oneLine(f.package)} from ${mdCode(f.from)} to ${mdCode(f.to)}: a version bump ` +
    "under review (C1: this branch and pull request, no Mikado cards).",
    "",
    ...(f.source
      ? [`New version from the ${oneLine(f.source.label)}: ${linkTarget(f.source.url)}`]
      : [
        "Mirror tags:",
        ...f.mirrors.map((m) => `- [${mdCode(m.repo)} at ${mdCode(m.tag)}](${linkTarget(m.url)})`),
      ]),
    "",
    "### Changes",
    "",
    `- ${mdCode(`${f.dir}/Dockerfile`)}: ${mdCode(`ARG ${DOCKERFILE_VERSION_ARG}=${f.argValue}`)}`,
    `- ${mdCode(f.servicesFile)}: ${mdCode(f.service)} at ${
      mdCode(f.serviceValue)
    }, reviewed today`,
    `- ${mdCode(f.changelog)}: the changelog fragment`,
    "",
    ...upstream,
    "### Build",
    "",
    `The image is built by the repository's workflow (${mdCode(DOCKER_WORKFLOW)}), not by ` +
    "upgrade-bot: the bot does not build Dockerfiles. It reads the checks reported on this " +
    "branch on its later runs and says here if they fail.",
    "",
    "### After merge",
    "",
    `1. The workflow builds and pushes the ${oneLine(f.package)} image from the merge commit.`,
    pinned
      ? `2. Once the image is in the registry, upgrade-bot opens a pull request pinning its tag in ` +
        `every manifest that deploys it (branch ${mdCode(pinBranch(f.package))}).`
      : `2. Update the image tag in ${
        mdCode(`argocd/manifests/${f.package}/kustomization.yaml`)
      } (${mdCode("deploy: null")}: the bot does not).`,
    "3. Verify the deployment: ArgoCD sync, the service's UI.",
    "",
    "*Opened by upgrade-bot.*",
    "",
  ]);
}

/** The changelog fragment: its line added, the fragment's other lines kept. */
export function dockerChangelog(existing: string | null, f: DockerFacts): string {
  const line = oneLine(
    `Upgrade ${f.package} from ${f.from} to ${f.to} (Dockerfile, ` +
      (f.source
        ? `from the ${f.source.label}).`
        : `built from the forge mirror ${f.mirrors[0].repo} at ${f.mirrors[0].tag}).`),
  );
  return withFragmentLine(existing, line);
}

/** The marker of the note on a failing head: one note per head commit. */
export function checksMarker(sha: string): string {
  return `<!-- upgrade-bot: checks failed on ${sha} -->`;
}

/** The note on the pull request when the checks reported on its head fail. */
export function checksFailedNote(
  sha: string,
  checks: { context: string; state: string; description: string; url: string }[],
): string {
  const failing = checks.filter((c) => c.state === "failure" || c.state === "error");
  return [
    checksMarker(sha),
    `The checks on ${mdCode(sha.slice(0, 10))} fail:`,
    "",
    ...failing.map((c) =>
      `- ${mdCode(c.context)} ${c.state}` +
      (c.description ? `: ${oneLine(c.description)}` : "") +
      (c.url ? ` ([details](${linkTarget(c.url)}))` : "")
    ),
    "",
    "The bot does not build Dockerfiles; a fix pushed to this branch is checked again. " +
    "*upgrade-bot*",
    "",
  ].join("\n");
}
