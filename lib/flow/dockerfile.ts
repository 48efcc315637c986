// A Dockerfile package in the cron run: its newest ready release as a C1 pull request, the checks on it read back.
import { join } from "node:path";
import { type Forge, isBotPull, type Pull } from "../platform/forge.ts";
import { compareVersions, tagFor } from "../nix/versions.ts";
import { discoverDockerfile, setDockerfileVersion } from "../docker/dockerfile.ts";
import {
  checksFailedNote,
  checksMarker,
  dockerBody,
  dockerChangelog,
  type DockerFacts,
  dockerTitle,
  parseDockerTitle,
} from "../docker/pulltext.ts";
import { listServices, updateServiceVersions } from "../mikado/service_versions.ts";
import { dockerBranch, dockerChangelogPath, SITE_FORGE_URL } from "../site/defaults.ts";
import { InputError } from "../runtime/errors.ts";
import { readOptional, writeFileAtomic } from "../runtime/files.ts";
import { progress } from "../runtime/log.ts";
import { withClone } from "../runtime/workspace.ts";
import { newReport, type Report } from "./report.ts";
import { discover, ownTags } from "./releases.ts";
import { versionOnForge } from "./package.ts";
import { mayRewrite, pushBranch } from "./publish.ts";
import { closeIfDone } from "./close.ts";
import type { RunOptions } from "./run.ts";

/** What the packages of one run share: the open pull requests, listed once. */
export interface SharedPulls {
  open: () => Promise<Pull[]>;
}

/** `run` for a Dockerfile package: say once when the checks on its open pull request fail, then
 * find the newest release whose tags every mirror has and open or move the pull request for it:
 * the ARG, service-versions.yaml and a changelog fragment in one commit on its own branch. */
export async function runDockerfile(
  o: RunOptions,
  forge: Forge,
  shared: SharedPulls,
): Promise<Report> {
  const began = performance.now();
  const { config } = o;
  const { repo, base } = config.forge;
  const name = config.package.name;
  const branch = dockerBranch(name);
  const listed = await shared.open();
  const me = listed.some((p) => p.head === branch) ? await forge.whoami() : "";
  const listedMine = listed.find((p) => isBotPull(p, repo, branch, me)) ?? null;
  const current = await versionOnForge(forge, config);
  const title = (t: string) => {
    const parsed = parseDockerTitle(t);
    return parsed?.package === name ? { chain: config.chain, to: parsed.to } : null;
  };
  // Someone upgraded by hand: the bot's pull request is done (not with --version: that forces).
  const closed = listedMine && !o.version
    ? await closeIfDone(o, forge, listedMine, current, title)
    : null;
  const mine = closed ? null : listedMine;
  if (mine && !o.dryRun) await sayFailedChecks(forge, repo, mine, me);
  const found = await discover(forge, o, current, mine, await ownTags(forge, config), title);
  const report = newReport(o, current, found.target?.version ?? current);
  report.builder = "none: the repository's workflow builds the image";
  report.closed = closed;
  report.waiting = found.waiting;
  if (!found.target) {
    report.upToDate = true;
    report.message = found.message;
    report.seconds = (performance.now() - began) / 1000;
    return report;
  }
  const to = found.target.version;
  report.branch = branch;
  await withClone(config, forge.gitRemote(repo), async (git, work) => {
    const remoteTip = await git.sha(`refs/remotes/origin/${branch}`);
    const ours = !remoteTip || await mayRewrite(git, remoteTip, branch) ||
      await git.run(["merge-base", "--is-ancestor", remoteTip, `origin/${base}`]).then(
        () => true,
        () => false,
      );
    if (!ours) progress(`${branch} was changed since the bot last pushed it: adding on top`);
    await git.run(["checkout", "--quiet", "-b", branch, `origin/${ours ? base : branch}`]);
    const dockerfile = join(config.package.dir, "Dockerfile");
    const before = await Deno.readTextFile(join(work, dockerfile));
    const declared = discoverDockerfile(before, [config.forge.url, SITE_FORGE_URL]);
    if (!declared) throw new InputError(`${dockerfile}: no ARG with the version`);
    report.version.from = declared.version;
    if (compareVersions(declared.version, to) >= 0) {
      report.upToDate = true;
      report.message = `${branch} already holds ${declared.version}`;
      return;
    }
    await writeFileAtomic(join(work, dockerfile), setDockerfileVersion(before, to));
    const facts = await editRecords(o, work, branch, declared, to, forge);
    const subject = dockerTitle(facts);
    const sha = await git.commit([dockerfile, facts.servicesFile, facts.changelog], subject);
    report.commits = [{ sha, subject }];
    report.diff = await git.diff(`origin/${base}`);
    const body = dockerBody(facts);
    if (o.dryRun) {
      report.commits = [{ sha: null, subject }];
      report.pull = {
        number: mine?.number ?? 0,
        url: "",
        title: subject,
        body,
        action: "would open or update",
      };
      return;
    }
    await pushBranch(git, branch, remoteTip, ours);
    const pull = mine
      ? await forge.updatePull(repo, mine.number, { title: subject, body })
      : await forge.createPull(repo, { head: branch, base, title: subject, body });
    report.pull = {
      number: pull.number,
      url: pull.url,
      title: subject,
      body,
      action: mine ? "updated" : "opened",
    };
    progress(`${name}: pull request #${pull.number} ${report.pull.action}: ${pull.url}`);
  });
  report.seconds = (performance.now() - began) / 1000;
  return report;
}

/** service-versions.yaml and the changelog fragment written in the clone; the facts the texts
 * say. */
async function editRecords(
  o: RunOptions,
  work: string,
  branch: string,
  declared: { version: string; literal: string },
  to: string,
  forge: Forge,
): Promise<DockerFacts> {
  const { config } = o;
  if (!config.service_versions) {
    throw new InputError(
      `${config.package.name}: a Dockerfile package needs its service-versions.yaml entry ` +
        `(service_versions is off)`,
    );
  }
  const { file, name: service } = config.service_versions;
  const servicesText = await Deno.readTextFile(join(work, file));
  const date = new Date().toISOString().slice(0, 10);
  const updated = updateServiceVersions(servicesText, file, service, to, date);
  await writeFileAtomic(join(work, file), updated);
  const changelog = dockerChangelogPath(branch);
  const facts: DockerFacts = {
    package: config.package.name,
    dir: config.package.dir,
    from: declared.version,
    to,
    argValue: `${declared.literal.startsWith("v") ? "v" : ""}${to}`,
    serviceValue: listServices(updated, file).find((e) => e.name === service)?.currentVersion ?? to,
    service,
    servicesFile: file,
    changelog,
    mirrors: config.mirrors.map((m) => {
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
async function sayFailedChecks(forge: Forge, repo: string, pull: Pull, me: string): Promise<void> {
  const status = await forge.commitStatus(repo, pull.headSha);
  if (status.state !== "failure" && status.state !== "error") return;
  const marker = checksMarker(pull.headSha);
  const said = (await forge.comments(repo, pull.number)).some((c) =>
    c.user.toLowerCase() === me.toLowerCase() && c.body.includes(marker)
  );
  if (said) return;
  await forge.comment(repo, pull.number, checksFailedNote(pull.headSha, status.checks));
  progress(`pull request #${pull.number}: the checks on its head fail, said so on it`);
}
