// The pin after every build: each image the repository builds moved, in every manifest that deploys it, to the tag built from the newest commit on the base branch that changed its directory.
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import { type Forge, isBotPull, type Pull } from "../platform/forge.ts";
import { Registry } from "../platform/registry.ts";
import { type BuiltImage, builtImages, builtTag, stale } from "../pins/images.ts";
import { type ImageReference, moveReferences } from "../pins/references.ts";
import { pinBody, type PinFacts } from "../pins/pull_text.ts";
import { readPinFiles } from "../pins/checkout.ts";
import { type BaseHistory, readBaseHistory } from "../pins/history.ts";
import { findDrift, imageOf } from "../dashboard/drift.ts";
import { listServices, updateServiceVersions } from "../mikado/service_versions.ts";
import { MERGE_STYLE, pinBranch, pinTitle, SERVICE_VERSIONS_FILE } from "../site/defaults.ts";
import { type RunClone, withClone } from "../runtime/workspace.ts";
import { ownBranchTip, pushBranch } from "./own_branch.ts";
import type { Git } from "../runtime/git.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { checkoutFiles } from "../runtime/tree.ts";
import { progress } from "../runtime/log.ts";
import { permissionProblem } from "../runtime/permissions.ts";

/** Where one image's pin stands:
 * - `pinned`: every manifest deploys the tag built from the newest commit that changed it;
 * - `open`: the pin pull request for that tag is open;
 * - `waiting`: that tag is not in the registry yet (the workflow has not pushed it);
 * - `failed`: the workflow run of that commit failed, so no such tag will come;
 * - `opened`: the pin pull request was opened or moved to that tag now (or, dry, would be);
 * - `declined`: a person closed the pin pull request for that tag: left alone until a newer build;
 * - `skipped`: the follow-through of the bot's own upgrade has it this run. */
export interface PinOutcome {
  image: string;
  state: "pinned" | "open" | "waiting" | "failed" | "opened" | "declined" | "skipped";
  message: string;
  /** The tag production should run; null when skipped. */
  tag: string | null;
  /** The services of service-versions.yaml this image stands for (the dashboard's rows). */
  services: string[];
  pull: { number: number; url: string } | null;
}

/** The pins of one run, and the drift the same checkout shows (service -> what disagrees). */
export interface PinRun {
  pins: PinOutcome[];
  drift: Record<string, string[]>;
}

/** One step of every image's pin, in a clone of the base branch with its history (the newest
 * commit that changed each image's directory is read there: no request). `openPulls` and
 * `closedPulls` are the run's shared lists (the closed one read only when a pin is due); `skip`
 * names images whose package's follow-through acted this run. */
export async function pinImages(
  settings: Settings,
  forge: Forge,
  openPulls: () => Promise<Pull[]>,
  closedPulls: () => Promise<Pull[]>,
  skip: Set<string>,
  servicesFile: string = SERVICE_VERSIONS_FILE,
  /** The run's clone of the base (the scan's too), with its history; else one of its own. */
  clone?: RunClone,
): Promise<PinRun> {
  const deploy = settings.deploy;
  if (!deploy) return { pins: [], drift: {} };
  const { repo, base } = settings.forge;
  const inClone = <T>(fn: (git: Git, work: string) => Promise<T>) =>
    clone ? clone.use(fn) : withClone(settings, forge.gitRemote(repo), fn);
  return await inClone(async (git, work) => {
    // The run's clone has no checkout: its files are read from git's objects.
    const repoFiles = clone ? await clone.files() : checkoutFiles(work);
    const files = await readPinFiles(repoFiles);
    const { images, skipped } = builtImages(files.builds, files.manifests, deploy.image);
    for (const s of skipped) progress(`pin ${s.name}: left out: ${s.reason}`);
    const servicesText = await repoFiles.read(servicesFile);
    const services = servicesText === null ? [] : listServices(servicesText, servicesFile);
    const drift = Object.fromEntries(findDrift(services, files.manifests, images, servicesFile));
    const registry = new Registry(deploy.registry_url, deploy.credentials_env);
    const pins: PinOutcome[] = [];
    const [me, dues] = await Promise.all([forge.whoami(), duePins(git, images, base, skip)]);
    for (const image of images) {
      const at = (
        state: PinOutcome["state"],
        message: string,
        tag: string | null = null,
        pull: PinOutcome["pull"] = null,
      ): PinOutcome => ({
        image: image.name,
        state,
        message: `pin ${image.name}: ${message}`,
        tag,
        pull,
        services: services.filter((s) => imageOf(s.name, images) === image).map((s) => s.name),
      });
      // One image's failure is its own: said on its row (with the tag due, once known), the
      // others go on.
      let due: string | null = null;
      const one = async (): Promise<void> => {
        if (skip.has(image.name)) {
          pins.push(at("skipped", "the follow-through of the bot's upgrade has it this run"));
          return;
        }
        const known = dues.get(image.name)!;
        due = known.tag;
        if ("error" in known) throw known.error;
        const { sha, tag, moved } = known;
        if (!moved.length) {
          pins.push(at("pinned", `deployed at ${tag}`, tag));
          return;
        }
        const title = pinTitle(image.name, tag);
        const branch = pinBranch(image.name);
        const mine = (await openPulls()).find((p) => isBotPull(p, repo, branch, me));
        if (mine?.title === title) {
          const pull = { number: mine.number, url: mine.url };
          pins.push(at("open", `pull request #${mine.number} is open`, tag, pull));
          return;
        }
        const closed = (await closedPulls()).find((p) =>
          p.title === title && !p.merged && isBotPull(p, repo, branch, me)
        );
        if (closed) {
          const pull = { number: closed.number, url: closed.url };
          pins.push(
            at("declined", `pull request #${closed.number} was closed unmerged`, tag, pull),
          );
          return;
        }
        if (!(await registry.tagExists(image.image, tag))) {
          const runs = await forge.actionRuns(repo, sha);
          const failed = runs.find((r) => r.status === "failure" || r.status === "cancelled");
          pins.push(
            failed
              ? at(
                "failed",
                `the workflow run ${failed.id} for ${
                  sha.slice(0, 7)
                } ended with ${failed.status}: no ${tag}`,
                tag,
              )
              : at("waiting", `waiting for ${image.image}:${tag} in the registry`, tag),
          );
          return;
        }
        if (settings.dryRun) {
          pins.push(
            at("opened", `would ${mine ? "move" : "open"} the pin pull request to ${tag}`, tag),
          );
          return;
        }
        const facts: PinFacts = {
          image,
          tag,
          sha,
          base,
          moved,
          service: null,
          automerge: deploy.automerge,
        };
        await commitPin(git, work, facts, branch, title, servicesText, servicesFile, settings.git);
        const body = pinBody(facts);
        const pull = mine
          ? await forge.updatePull(repo, mine.number, { title, body })
          : await forge.createPull(repo, { head: branch, base, title, body });
        if (deploy.automerge) await forge.mergeWhenChecksSucceed(repo, pull.number, MERGE_STYLE);
        progress(
          `pin ${image.name}: pull request #${pull.number} ${
            mine ? "moved to" : "opened for"
          } ${tag}: ${pull.url}`,
        );
        const opened = { number: pull.number, url: pull.url };
        pins.push(
          at(
            "opened",
            `${mine ? "moved" : "opened"} pull request #${pull.number} pinning ${tag}`,
            tag,
            opened,
          ),
        );
      };
      try {
        await one();
      } catch (e) {
        if (permissionProblem(e) || (e as { exitCode?: number }).exitCode === 130) throw e;
        pins.push(at("failed", (e as Error).message.split("\n")[0], due));
      }
    }
    return { pins, drift };
  });
}

/** The pin's one commit on `branch` from the base's tip, pushed: every stale reference moved,
 * and the image's service-versions entry when its version moved (`facts.service` set so). */
async function commitPin(
  git: Git,
  work: string,
  facts: PinFacts,
  branch: string,
  title: string,
  servicesText: string | null,
  servicesFile: string,
  author: Settings["git"],
): Promise<void> {
  const { image, tag, base } = facts;
  // --force: the run's clone has nothing checked out yet (and an earlier pin's branch is left as
  // committed).
  await git.run(["checkout", "--quiet", "--force", "-B", branch, `origin/${base}`]);
  const paths = [...new Set(facts.moved.map((r) => r.path))];
  for (const path of paths) {
    const file = join(work, path);
    await writeFileAtomic(
      file,
      moveReferences(await Deno.readTextFile(file), path, image.image, facts.moved, tag),
    );
  }
  const recorded = servicesText === null
    ? null
    : listServices(servicesText, servicesFile).find((s) => s.name === image.name) ?? null;
  const bare = (v: string) => v.replace(/^v(?=\d)/, "");
  if (
    servicesText !== null && recorded && bare(recorded.currentVersion ?? "") !== bare(image.version)
  ) {
    const today = new Date().toISOString().slice(0, 10);
    await writeFileAtomic(
      join(work, servicesFile),
      updateServiceVersions(servicesText, servicesFile, image.name, bare(image.version), today),
    );
    paths.push(servicesFile);
    facts.service = {
      file: servicesFile,
      name: image.name,
      from: recorded.currentVersion,
      to: bare(image.version),
    };
  }
  await git.commit(paths, `${title}\n\nThe image built from ${facts.sha}.`, []);
  await pushBranch(git, branch, await ownBranchTip(git, { git: author }, branch, base));
}

/** What the base's history says of one image's pin: the tag due (built from the newest commit that
 * changed its directory) and its stale references; or what stopped the asking, with the tag due
 * once known. */
type Due =
  | { sha: string; tag: string; moved: ImageReference[] }
  | { error: unknown; tag: string | null };

/** Each image's pin due (but those in `skip`), from the base's history read once. */
async function duePins(
  git: Git,
  images: BuiltImage[],
  base: string,
  skip: Set<string>,
): Promise<Map<string, Due>> {
  const dues = new Map<string, Due>();
  let history: BaseHistory;
  try {
    history = await readBaseHistory(git, base);
  } catch (error) {
    for (const image of images) dues.set(image.name, { error, tag: null });
    return dues;
  }
  for (const image of images.filter((i) => !skip.has(i.name))) {
    const sha = history.lastChange(image.dir);
    const tag = builtTag(image.kind, image.version, sha);
    // A deployed tag built from a later commit of the base (a manual dispatch) is as current.
    const later = (sha7: string) => history.descends(sha7, sha);
    dues.set(image.name, { sha, tag, moved: stale(image, tag, later) });
  }
  return dues;
}

/** The cron run's pin step, after its packages: an image whose package's follow-through acted
 * this run (`followed`) is left to it. null: no `deploy`, or the step failed as a whole (said; the
 * packages' outcomes stand). */
export async function pinStep(
  settings: Settings,
  forge: Forge,
  openPulls: () => Promise<Pull[]>,
  closedPulls: () => Promise<Pull[]>,
  followed: { spec: PackageSpec; state: string | undefined }[],
  clone: RunClone,
): Promise<PinRun | null> {
  if (!settings.deploy) return null;
  const acted = followed.filter((f) => f.state && f.state !== "none" && f.state !== "deployed");
  const skip = new Set(acted.map((f) => f.spec.dir.split("/").filter(Boolean).pop()!));
  const servicesFile = followed.find((f) => f.spec.service_versions)?.spec.service_versions?.file;
  try {
    return await pinImages(settings, forge, openPulls, closedPulls, skip, servicesFile, clone);
  } catch (e) {
    if (permissionProblem(e) || (e as { exitCode?: number }).exitCode === 130) throw e;
    progress(`pins: ${(e as Error).message} (the packages' outcomes stand)`);
    return null;
  }
}
