// After merge: the merged upgrade followed to the deployment (image in the registry -> follow-up pull request).
import { ownComments } from "../upstream/inert.ts";
import { join } from "node:path";
import type { Forge, Pull } from "../platform/forge.ts";
import { Registry } from "../platform/registry.ts";
import { imageTag, recordDeployment, setImageTag } from "../mikado/kustomization.ts";
import { goalCardPath } from "../mikado/cards.ts";
import { parsePullTitle } from "../mikado/pull_text.ts";
import { mdCode } from "../mikado/markdown.ts";
import { deployBranch, deployTitle } from "../site/defaults.ts";
import { withClone } from "../runtime/workspace.ts";
import { ownBranchTip, pushBranch } from "./own_branch.ts";
import { writeFileAtomic } from "../runtime/files.ts";
import { progress } from "../runtime/log.ts";
import { InputError } from "../runtime/errors.ts";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { BaseFiles } from "./context.ts";

/** Where the follow-through stands for one package:
 * - `none`: no merged pull request of the bot's chain, or `deploy: null`;
 * - `deployed`: the manifest holds the merge's tag already;
 * - `open`: the follow-up pull request is open (or was closed: a person decided);
 * - `waiting`: the image is not in the registry yet;
 * - `failed`: the workflow run for the merge commit failed (said once on the merged pull request);
 * - `opened`: the follow-up pull request was opened now (or, dry, would be). */
export interface FollowThrough {
  state: "none" | "deployed" | "open" | "waiting" | "failed" | "opened";
  message: string;
  /** The image tag the merge builds. */
  tag: string | null;
  pull: { number: number; url: string } | null;
}

/** The hidden marker of the "workflow failed" comment, so it is posted once. */
function failureMarker(sha: string): string {
  return `<!-- upgrade-bot:deploy-failed:${sha} -->`;
}

/** Fills `{name}`, `{version}`, `{sha7}`. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k) => values[k] ?? m);
}

/** The tag template as a pattern: `{version}` given, `{sha7}` any 7 hex digits. */
function tagPattern(template: string, version: string, name: string): RegExp {
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const parts = template.split(/(\{\w+\})/).map((p) =>
    p === "{sha7}" ? "[0-9a-f]{7}" : esc(fill(p, { version, name }))
  );
  return new RegExp(`^${parts.join("")}$`);
}

/** One step of the follow-through of the package's upgrade to `current` (the base branch's
 * version). One request when the deployment is at `current` already (the manifest, read once a
 * run: `files`); only then are the closed pull requests read (`closed`, shared by the packages of
 * one run). */
export async function followThrough(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  files: BaseFiles,
  current: string,
  closed: () => Promise<Pull[]>,
): Promise<FollowThrough> {
  const deploy = settings.deploy;
  const none = (message: string): FollowThrough => ({
    state: "none",
    message,
    tag: null,
    pull: null,
  });
  if (!deploy) return none("deploy: null: no follow-through");
  const { repo, base } = settings.forge;
  const name = spec.name;
  const image = fill(deploy.image, { name });
  const manifest = fill(deploy.manifest, { name });
  const text = await files(manifest).catch((e: Error) => {
    throw new InputError(
      `deploy.manifest: ${e.message} (deploy: null turns the follow-through off)`,
    );
  });
  const deployed = imageTag(text, image, `${repo}:${manifest}`);
  if (tagPattern(deploy.tag, current, name).test(deployed)) {
    return {
      state: "deployed",
      message: `${name} ${current} is deployed (${deployed})`,
      tag: deployed,
      pull: null,
    };
  }
  const all = await closed();
  const candidates = all.filter((p) => {
    const t = parsePullTitle(p.title);
    return p.merged && p.mergeSha && t?.chain === spec.chain && t.to === current;
  });
  // Only the bot's own: a pull request someone else titled like it is not followed.
  const me = candidates.length ? await forge.whoami() : "";
  const merged = candidates.filter((p) => p.user === me).sort((a, b) => b.number - a.number)[0];
  if (!merged) return none(`${name} ${current}: not the bot's merged upgrade: nothing to follow`);
  const version = current;
  const sha = merged.mergeSha!;
  const tag = fill(deploy.tag, { version, sha7: sha.slice(0, 7), name });
  const at = (
    state: FollowThrough["state"],
    message: string,
    pull: FollowThrough["pull"] = null,
  ) => ({
    state,
    message: `${name} ${version} (#${merged.number}, ${sha.slice(0, 7)}): ${message}`,
    tag,
    pull,
  });
  const title = deployTitle(name, tag);
  const branch = deployBranch(name);
  const followUps = [...await forge.pulls(repo, "open"), ...all].filter((p) =>
    p.title === title || p.head === branch && p.state === "open"
  );
  if (followUps.length) {
    const p = followUps[0];
    const what = p.state === "open" ? "is open" : p.merged ? "was merged" : "was closed";
    return at("open", `follow-up pull request #${p.number} ${what}`, {
      number: p.number,
      url: p.url,
    });
  }
  const registry = new Registry(deploy.registry_url, deploy.credentials_env);
  if (!(await registry.tagExists(image, tag))) {
    const runs = await forge.actionRuns(repo, sha);
    const failed = runs.find((r) => r.status === "failure" || r.status === "cancelled");
    if (!failed) return at("waiting", `waiting for ${image}:${tag} in the registry`);
    const marker = failureMarker(sha);
    // The bot's own note only: anyone may comment, and a copy in a quote or code is not the note.
    const said = (await forge.comments(repo, merged.number)).some((c) =>
      c.user === me && ownComments(c.body).includes(marker)
    );
    if (!said && !settings.dryRun) {
      await forge.comment(
        repo,
        merged.number,
        [
          `The container build for ${mdCode(sha.slice(0, 7))} ended with ${mdCode(failed.status)}` +
          (failed.url ? ` ([run ${failed.id}](${failed.url}))` : ` (run ${failed.id})`) +
          `, so ${mdCode(`${image}:${tag}`)} is not in the registry and the deployment stays at ` +
          `${
            mdCode(deployed)
          }. Re-run the workflow; the bot opens the follow-up once the image is there.`,
          "",
          marker,
        ].join("\n"),
      );
    }
    return at(
      "failed",
      `the workflow run ${failed.id} for the merge commit ended with ${failed.status}` +
        (said
          ? " (said already on the pull request)"
          : settings.dryRun
          ? ""
          : "; said so on the pull request"),
    );
  }
  if (settings.dryRun) return at("opened", `would open the follow-up pull request setting ${tag}`);
  const pull = await withClone(settings, forge.gitRemote(repo), async (git, work) => {
    const remoteTip = await ownBranchTip(git, settings, branch, base);
    await git.run(["checkout", "--quiet", "-b", branch, `origin/${base}`]);
    const date = new Date().toISOString().slice(0, 10);
    const manifestPath = join(work, manifest);
    await writeFileAtomic(
      manifestPath,
      setImageTag(await Deno.readTextFile(manifestPath), image, tag, manifest),
    );
    const paths = [manifest];
    const card = goalCardPath(spec);
    const cardText = await Deno.readTextFile(join(work, card)).catch(() => null);
    if (cardText !== null) {
      await writeFileAtomic(join(work, card), recordDeployment(cardText, version, tag, date, card));
      paths.push(card);
    }
    await git.commit(paths, `${title}\n\nThe image built from ${sha} (#${merged.number}).`);
    await pushBranch(git, branch, remoteTip);
    return await forge.createPull(repo, {
      head: branch,
      base,
      title,
      body: [
        `Deploys ${mdCode(`${image}:${tag}`)}, built by the repository's workflow from the merge ` +
        `commit ${mdCode(sha.slice(0, 7))} of #${merged.number} (${name} ${version}).`,
        "",
        `- ${mdCode(manifest)}: ${mdCode("newTag")} ${mdCode(deployed)} → ${mdCode(tag)}`,
        ...(cardText !== null
          ? [`- ${mdCode(card)}: the deployed tag in the upgrade history`]
          : []),
        "",
        "After merge: check that ArgoCD syncs and the service answers.",
      ].join("\n"),
    });
  });
  progress(`follow-up pull request #${pull.number} opened: ${pull.url}`);
  return at("opened", `opened follow-up pull request #${pull.number} setting ${tag}`, {
    number: pull.number,
    url: pull.url,
  });
}
