// A Dockerfile package in the cron run: its newest ready release as a C1 pull request, the checks on it read back.
import { ownComments } from "../upstream/inert.ts";
import { join } from "node:path";
import type { PackageSpec, Settings } from "../runtime/config.ts";
import type { Forge, Pull } from "../platform/forge.ts";
import { compareVersions, parseVersion, tagFor } from "../nix/versions.ts";
import { discoverDockerfile, setDockerfileVersion } from "../docker/dockerfile.ts";
import {
  checksFailedNote,
  checksMarker,
  dockerBody,
  dockerChangelog,
  type DockerFacts,
  dockerTitle,
  parseDockerTitle,
} from "../docker/pull_text.ts";
import { listServices, updateServiceVersions } from "../mikado/service_versions.ts";
import { dockerBranch, dockerChangelogPath, SITE_FORGE_URL } from "../site/defaults.ts";
import { InputError } from "../runtime/errors.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import { progress } from "../runtime/log.ts";
import { withClone } from "../runtime/workspace.ts";
import { botPullsFrom, type RunShared, type UpgradeResult } from "./context.ts";
import { makeReport, type Report, type RunFacts, today } from "./report.ts";
import { discover, ownTags } from "./releases.ts";
import { versionOnForge } from "./read_package.ts";
import { checkoutBotBranch, pushBranch } from "./publish.ts";
import { closeIfDone } from "./close.ts";

/** `run` for a Dockerfile package: say once when the checks on its open pull request fail, then
 * find the newest release whose tags every mirror has (`forced`: --version, this one) and open or
 * move the pull request for it: the ARG, service-versions.yaml and a changelog fragment in one
 * commit on its own branch. */
export async function runDockerfile(
  settings: Settings,
  spec: PackageSpec,
  forge: Forge,
  forced: string | undefined,
  shared: RunShared,
): Promise<Report> {
  const began = performance.now();
  const date = today();
  const { repo, base } = settings.forge;
  const name = spec.name;
  const branch = dockerBranch(name);
  const listedMine = (await botPullsFrom(forge, repo, shared, branch))[0] ?? null;
  const current = await versionOnForge(shared.files, settings, spec);
  const title = (t: string) => {
    const parsed = parseDockerTitle(t);
    return parsed?.package === name ? { chain: spec.chain, to: parsed.to } : null;
  };
  // Someone upgraded by hand: the bot's pull request is done (not with --version: that forces).
  const closed = listedMine && !forced
    ? await closeIfDone(settings, spec, forge, listedMine, current, title)
    : null;
  const mine = closed ? null : listedMine;
  if (mine && !settings.dryRun) await sayFailedChecks(forge, repo, mine);
  const found = await discover(
    forge,
    settings,
    spec,
    forced,
    current,
    mine,
    await ownTags(forge, spec),
    title,
  );
  const facts: RunFacts = {
    package: name,
    from: current,
    to: found.target?.version ?? current,
    date,
    baseVersion: current,
    closed,
    // The dashboard's row of a run that finds the pull request open already: its number and
    // version, and the newest release seen.
    open: mine ? { number: mine.number, url: mine.url, title: mine.title } : null,
    waiting: found.waiting,
    newest: found.newest,
    young: found.young,
    began,
  };
  // The repository's workflow builds the image, not the bot.
  const report = (facts: RunFacts, result: UpgradeResult | null): Report => ({
    ...makeReport(settings, facts, result),
    builder: "none: the repository's workflow builds the image",
  });
  if (!found.target) return report({ ...facts, upToDate: found.message }, null);
  const to = found.target.version;
  return await withClone(settings, forge.gitRemote(repo), async (git, work) => {
    const { remoteTip, ours } = await checkoutBotBranch(git, base, branch);
    if (!ours) progress(`${branch} was changed since the bot last pushed it: adding on top`);
    const dockerfile = join(spec.dir, "Dockerfile");
    const before = await Deno.readTextFile(join(work, dockerfile));
    const declared = discoverDockerfile(before, [settings.forge.url, SITE_FORGE_URL]);
    if (!declared) throw new InputError(`${dockerfile}: no ARG with the version`);
    const from = parseVersion(declared.version, `${dockerfile}:${declared.line}: the version ARG`);
    if (compareVersions(from, to) >= 0) {
      return report({ ...facts, from, branch, upToDate: `${branch} already holds ${from}` }, null);
    }
    const after = setDockerfileVersion(before, to, dockerfile);
    // The ARG is what the image builds from: a bump that leaves it never commits the rest.
    if (after === before) {
      throw new InputError(`${dockerfile}: moving the version ARG to ${to} changed nothing`);
    }
    await writeFileAtomic(join(work, dockerfile), after);
    const records = await editRecords(spec, work, branch, declared, to, forge);
    const subject = dockerTitle(records);
    const sha = await git.commit([dockerfile, records.servicesFile, records.changelog], subject);
    const body = dockerBody(records, settings.deploy !== null);
    const result: UpgradeResult = {
      hashes: [],
      builds: 0,
      rounds: [],
      verified: false,
      failure: null,
      buildSeconds: 0,
      commits: [{ sha, subject }],
      prerequisite: null,
      graph: "",
      mentions: [],
      pins: [],
      upstream: [],
      diff: await git.diff(`origin/${base}`),
      logFile: null,
      pull: null,
    };
    if (settings.dryRun) {
      result.pull = {
        number: mine?.number ?? 0,
        url: "",
        title: subject,
        body,
        action: "would open or update",
      };
      return report({ ...facts, from, branch }, result);
    }
    await pushBranch(git, branch, remoteTip, ours);
    const pull = mine
      ? await forge.updatePull(repo, mine.number, { title: subject, body })
      : await forge.createPull(repo, { head: branch, base, title: subject, body });
    const action = mine ? "updated" : "opened";
    result.pull = { number: pull.number, url: pull.url, title: subject, body, action };
    progress(`${name}: pull request #${pull.number} ${action}: ${pull.url}`);
    return report({ ...facts, from, branch }, result);
  });
}

/** service-versions.yaml and the changelog fragment written in the clone; the facts the texts
 * say. */
async function editRecords(
  spec: PackageSpec,
  work: string,
  branch: string,
  declared: { version: string; literal: string },
  to: string,
  forge: Forge,
): Promise<DockerFacts> {
  if (!spec.service_versions) {
    throw new InputError(
      `${spec.name}: a Dockerfile package needs its service-versions.yaml entry ` +
        `(service_versions is off)`,
    );
  }
  const { file, name: service } = spec.service_versions;
  const servicesText = await Deno.readTextFile(join(work, file));
  const date = new Date().toISOString().slice(0, 10);
  const updated = updateServiceVersions(servicesText, file, service, to, date);
  await writeFileAtomic(join(work, file), updated);
  const changelog = dockerChangelogPath(branch);
  const facts: DockerFacts = {
    package: spec.name,
    dir: spec.dir,
    from: declared.version,
    to,
    argValue: `${declared.literal.startsWith("v") ? "v" : ""}${to}`,
    serviceValue: listServices(updated, file).find((e) => e.name === service)?.currentVersion ?? to,
    service,
    servicesFile: file,
    changelog,
    mirrors: spec.mirrors.map((m) => {
      const tag = tagFor(m.tag, to);
      return { repo: m.repo, tag, url: forge.tagUrl(m.repo, tag) };
    }),
  };
  const fragment = join(work, changelog);
  await writeFileAtomic(fragment, dockerChangelog(await readOptional(fragment), facts));
  return facts;
}

/** A failure of the checks reported on the pull request's head is said once on it (the note
 * carries the head's sha; a fix pushed makes a new head, checked afresh). */
async function sayFailedChecks(forge: Forge, repo: string, pull: Pull): Promise<void> {
  const status = await forge.commitStatus(repo, pull.headSha);
  if (status.state !== "failure" && status.state !== "error") return;
  const marker = checksMarker(pull.headSha);
  // Asked already to tell the bot's pull request (botPullsFrom); the client keeps the answer.
  const me = await forge.whoami();
  const said = (await forge.comments(repo, pull.number)).some((c) =>
    c.user.toLowerCase() === me.toLowerCase() && ownComments(c.body).includes(marker)
  );
  if (said) return;
  await forge.comment(repo, pull.number, checksFailedNote(pull.headSha, status.checks));
  progress(`pull request #${pull.number}: the checks on its head fail, said so on it`);
}
