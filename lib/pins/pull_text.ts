// The pin pull request's body: the image, the commit it was built from, every reference moved (pure).
import { mdCode } from "../mikado/markdown.ts";
import { BUILD_WORKFLOW } from "../site/defaults.ts";
import type { BuiltImage } from "./images.ts";
import type { ImageReference } from "./references.ts";

/** What a pin pull request says. */
export interface PinFacts {
  image: BuiltImage;
  tag: string;
  /** The newest commit on `base` that changed the image's directory. */
  sha: string;
  base: string;
  moved: ImageReference[];
  /** The service-versions.yaml entry moved with it (the version changed), if any. */
  service: { file: string; name: string; from: string | null; to: string } | null;
  automerge: boolean;
}

const FIELD: Record<ImageReference["kind"], string> = {
  kustomize: "newTag",
  image: "image:",
  value: "the image in a value",
  helm: "image.tag",
};

export function pinBody(f: PinFacts): string {
  const { image } = f;
  return [
    `Pins ${mdCode(`${image.image}:${f.tag}`)}: the image the repository's workflow ` +
    `(${mdCode(BUILD_WORKFLOW[image.kind])}) built from ${mdCode(f.sha.slice(0, 7))}, the newest ` +
    `commit on ${mdCode(f.base)} that changed ${mdCode(`${image.dir}/`)}. Production manifests ` +
    "use images built from a commit on the base branch (`build-container-image.md`).",
    "",
    "### Changes",
    "",
    ...f.moved.map((r) =>
      `- ${mdCode(r.path)} line ${r.line + 1}: ${FIELD[r.kind]} ${mdCode(r.tag)} → ${mdCode(f.tag)}`
    ),
    ...(f.service
      ? [
        `- ${mdCode(f.service.file)}: ${mdCode(f.service.name)} at ${mdCode(f.service.to)} ` +
        `(was ${f.service.from === null ? "unset" : mdCode(f.service.from)}), reviewed today`,
      ]
      : []),
    "",
    "No changelog fragment: a routine tag pin, as the repository's own pins are.",
    "",
    "### After merge",
    "",
    ...(f.automerge
      ? [
        "The bot asked Forgejo to merge this pull request once its checks pass (`deploy.automerge`).",
      ]
      : []),
    "ArgoCD syncs the new tag; check that the service answers.",
    "",
    "*Opened by upgrade-bot.*",
    "",
  ].join("\n");
}
