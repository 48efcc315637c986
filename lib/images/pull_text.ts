// An upstream image's pull request: where its `org.opencontainers.image.source` label leads, its body and changelog line (pure; the title is the C1 bump's, lib/docker/pull_text.ts).
import { linkTarget, mdCode, oneLine } from "../mikado/markdown.ts";
import { withFragmentLine } from "../mikado/changelog.ts";
import type { ImageReference } from "../pins/references.ts";
import type { MirrorChanges } from "../upstream/changes.ts";
import { withUpstream } from "../upstream/render.ts";

/** The label naming an image's source repository (OCI image spec annotations). */
export const SOURCE_LABEL = "org.opencontainers.image.source";

/** The source URL an image's label gives, or null: the label is untrusted, so only an http(s)
 * URL with a host, no credentials and no control characters passes (at most 500 characters). */
export function sourceUrl(label: string | null): string | null {
  if (
    label === null || label.length > 500 || /[\s<>"`]/.test(label) ||
    [...label].some((c) => c < " " || c === "\x7f")
  ) {
    return null;
  }
  let url: URL;
  try {
    url = new URL(label);
  } catch {
    return null;
  }
  if (!/^https?:$/.test(url.protocol) || !url.hostname || url.username || url.password) {
    return null;
  }
  return url.href.replace(/\.git$/, "");
}

/** The forge mirror a source URL names: `<owner>/<repo>` where the site keeps mirrors, by the
 * source's repository name (`https://github.com/blakeblackshear/frigate` -> `mirrors/frigate`). */
export function mirrorOfSource(source: string, owner: string): string | null {
  const name = new URL(source).pathname.split("/").filter(Boolean)[1];
  return name && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ? `${owner}/${name}` : null;
}

/** What an upstream image's texts say. */
export interface ImageFacts {
  package: string;
  from: string;
  to: string;
  image: string;
  fromTag: string;
  tag: string;
  /** The images moving with it. */
  also: string[];
  moved: ImageReference[];
  /** What changed upstream: the forge mirror's compare page, else the image's source (its
   * label), else nothing known. */
  upstream:
    | { kind: "compare"; mirror: string; from: string; to: string; url: string }
    | { kind: "source"; url: string }
    | null;
  servicesFile: string;
  service: string;
  /** The record as written now; null: left as it was (`kept` says what it records). */
  serviceValue: string | null;
  kept: string | null;
  changelog: string;
}

const FIELD: Record<ImageReference["kind"], string> = {
  kustomize: "newTag",
  image: "image:",
  value: "the image in a value",
  helm: "image.tag",
};

/** `changes`: what changed upstream as read on the forge mirror (lib/upstream), the shared
 * section in place of the one line saying where it leads; empty: not read (no such mirror, or
 * its reading failed). */
export function imageBody(f: ImageFacts, changes: MirrorChanges[] = []): string {
  const where = f.upstream?.kind === "compare"
    ? `What changed upstream: [${mdCode(`${f.upstream.from}...${f.upstream.to}`)} on the forge ` +
      `mirror ${mdCode(f.upstream.mirror)}](${linkTarget(f.upstream.url)})`
    : f.upstream?.kind === "source"
    ? `What changed upstream: the image's source, [${mdCode(f.upstream.url)}](${
      linkTarget(f.upstream.url)
    }) (its ${mdCode(SOURCE_LABEL)} label; no forge mirror of it has both tags)`
    : `What changed upstream: unknown (the image has no ${mdCode(SOURCE_LABEL)} label with an ` +
      "http(s) URL)";
  const record = f.serviceValue !== null
    ? `- ${mdCode(f.servicesFile)}: ${mdCode(f.service)} at ${
      mdCode(f.serviceValue)
    }, reviewed today`
    : `- ${mdCode(f.servicesFile)}: ${mdCode(f.service)} left at ${mdCode(f.kept ?? "")}: ` +
      `it records something other than the tag (${mdCode(f.fromTag)}), so the bot does ` +
      "not write it";
  return withUpstream(changes, (upstream) => [
    `Upgrade ${oneLine(f.package)} from ${mdCode(f.fromTag)} to ${mdCode(f.tag)}: a version ` +
    "bump under review (C1: this branch and pull request, no Mikado cards).",
    "",
    `Image: ${mdCode(f.image)}` +
    (f.also.length ? `, with ${f.also.map(mdCode).join(", ")} at the same tag` : ""),
    "",
    ...(changes.length ? [] : [where, ""]),
    "### Changes",
    "",
    ...f.moved.map((r) =>
      `- ${mdCode(r.path)} line ${r.line + 1}: ${FIELD[r.kind]} ${mdCode(r.tag)} → ${mdCode(f.tag)}`
    ),
    record,
    `- ${mdCode(f.changelog)}: the changelog fragment`,
    "",
    ...upstream,
    "### After merge",
    "",
    `1. ArgoCD syncs the manifests to ${mdCode(`${f.image}:${f.tag}`)}.`,
    "2. Verify the deployment: ArgoCD sync and health, the service itself.",
    "",
    "*Opened by upgrade-bot.*",
    "",
  ]);
}

/** The changelog fragment: its line added, the fragment's other lines kept. */
export function imageChangelog(existing: string | null, f: ImageFacts): string {
  return withFragmentLine(
    existing,
    `Upgrade ${f.package} from ${f.fromTag} to ${f.tag} (upstream image ${f.image}).`,
  );
}
