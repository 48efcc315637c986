// ArgoCD Applications: the sources that deploy a forge mirror at a tag, read and moved to another tag keeping every other byte (pure).
import { type Document, isMap, isScalar, isSeq, parseDocument, Scalar, type YAMLMap } from "yaml";
import { InputError } from "../runtime/errors.ts";
import { versionOfTag } from "../nix/versions.ts";
import { spliceScalars } from "../mikado/yaml_splice.ts";

/** One source of an Application that deploys a forge mirror at a tag. */
export interface MirrorSource {
  /** The mirror as the forge names it (`mirrors/external-secrets`). */
  repo: string;
  /** `targetRevision` as written (`helm-chart-2.0.0`). */
  revision: string;
  /** The tag's shape (`helm-chart-{version}`) and its version (`2.0.0`); null when the revision
   * is no release tag (a branch, a commit). */
  tag: string | null;
  version: string | null;
  /** `directory.include` as written (`cnpg-1.27.1.yaml`), null when the source has none. */
  include: string | null;
}

/** The forge repository (owner/name) a `repoURL` names when its host is the forge's (any scheme:
 * the repository's Applications clone over ssh, `ssh://forgejo@host:2222/mirrors/<n>.git`). */
export function repoOfUrl(url: string, forgeUrls: string[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const hosts = forgeUrls.map((u) => new URL(u).hostname);
  if (!hosts.includes(parsed.hostname)) return null;
  const m = /^\/([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.git)?\/?$/.exec(
    parsed.pathname,
  );
  return m ? `${m[1]}/${m[2]}` : null;
}

/** The tag's shape: the text before the version's first digit is its prefix (`helm-chart-`,
 * `connect-`, `v`); null when what follows is not a release version. */
export function tagShape(revision: string): { tag: string; version: string } | null {
  const at = revision.search(/\d/);
  if (at < 0) return null;
  const tag = `${revision.slice(0, at)}{version}`;
  const version = versionOfTag(tag, revision);
  return version === null ? null : { tag, version };
}

function parse(text: string, file: string): Document {
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(`${file}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  return doc;
}

/** The source mappings of an Application (`spec.source`, and each of `spec.sources`); none when
 * the document is no Application. */
function sourceNodes(doc: Document): YAMLMap[] {
  if (!isMap(doc.contents) || doc.contents.get("kind") !== "Application") return [];
  const spec = doc.contents.get("spec", true);
  if (!isMap(spec)) return [];
  const one = spec.get("source", true);
  const many = spec.get("sources", true);
  return [...(isMap(one) ? [one] : []), ...(isSeq(many) ? many.items.filter(isMap) : [])];
}

function stringAt(node: YAMLMap, key: string): string | null {
  const value = node.get(key);
  return typeof value === "string" ? value : null;
}

/** Every source of the Application in `text` that deploys a forge mirror. */
export function mirrorSources(text: string, file: string, forgeUrls: string[]): MirrorSource[] {
  return sourceNodes(parse(text, file)).flatMap((node) => {
    const url = stringAt(node, "repoURL");
    const repo = url === null ? null : repoOfUrl(url, forgeUrls);
    const revision = stringAt(node, "targetRevision");
    if (repo === null || revision === null || !repo.startsWith("mirrors/")) return [];
    const directory = node.get("directory", true);
    const include = isMap(directory) ? stringAt(directory, "include") : null;
    const shape = tagShape(revision);
    return [{ repo, revision, tag: shape?.tag ?? null, version: shape?.version ?? null, include }];
  });
}

/** The Application with every source of `repo` at `from` moved to tag `to`, and each such
 * source's `directory.include` that names the old version (`cnpg-1.27.1.yaml`) naming the new one.
 * Only those scalars' text changes, each written in its old style (plain, quoted), so comments
 * and layout stay. A source of `repo` at another revision is an error: the files must agree. */
export function moveRevision(
  text: string,
  file: string,
  forgeUrls: string[],
  repo: string,
  from: { tag: string; version: string },
  to: { tag: string; version: string },
): string {
  if (/[\r\n]/.test(to.tag)) {
    throw new InputError(`${file}: tag ${JSON.stringify(to.tag)} spans lines`);
  }
  const edits: { old: Scalar; value: string }[] = [];
  for (const node of sourceNodes(parse(text, file))) {
    const url = stringAt(node, "repoURL");
    if (url === null || repoOfUrl(url, forgeUrls) !== repo) continue;
    const revision = node.get("targetRevision", true);
    if (!isScalar(revision) || revision.value !== from.tag) {
      throw new InputError(
        `${file}: a source of ${repo} is at ${
          JSON.stringify(isScalar(revision) ? revision.value : null)
        }, not ${from.tag}: make the Applications agree first`,
      );
    }
    edits.push({ old: oneLine(revision, file, "targetRevision"), value: to.tag });
    const directory = node.get("directory", true);
    const include = isMap(directory) ? directory.get("include", true) : null;
    if (
      isScalar(include) && typeof include.value === "string" &&
      include.value.includes(from.version)
    ) {
      const moved = include.value.split(from.version).join(to.version);
      edits.push({ old: oneLine(include, file, "directory.include"), value: moved });
    }
  }
  if (edits.length === 0) throw new InputError(`${file}: no source of ${repo}`);
  return spliceScalars(text, edits);
}

function oneLine(node: Scalar, file: string, key: string): Scalar {
  const quoted = node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE;
  if (!node.range || (!quoted && node.type !== Scalar.PLAIN)) {
    throw new InputError(`${file}: ${key} is not a one-line scalar`);
  }
  return node;
}
