// A flake's lock file: read and checked (untrusted), its root inputs with their follows, pins and branches, and what an update moved (pure).
import { InputError } from "../runtime/errors.ts";

/** One input of the flake itself (a root input), as its lock records it. */
export interface FlakeInput {
  name: string;
  /** `follows`: the input path it follows (`nixpkgs`); such an input is never updated apart. */
  follows: string[] | null;
  /** The source type: github, git, gitlab, path, tarball... */
  type: string;
  /** Where it comes from, as people read it: `github:NixOS/nixpkgs`, `git+https://...`. */
  source: string;
  /** The branch or tag flake.nix names (`nixos-25.11`); null: the default branch. */
  ref: string | null;
  /** Pinned in flake.nix to a revision: an update leaves it. */
  pinned: boolean;
  rev: string | null;
  /** The commit's time (seconds), as the upstream's commit says: shown, never trusted for the
   * schedule. */
  lastModified: number | null;
  /** git inputs: the commit count from the root, which makes the count between two revisions. */
  revCount: number | null;
  /** The locked attributes (owner, repo, url...), for links. */
  locked: Record<string, string | number>;
}

export interface FlakeLock {
  file: string;
  inputs: FlakeInput[];
}

// deno-lint-ignore no-control-regex
const SAFE_TEXT = /^[^\x00-\x1f\x7f]{1,500}$/;
const REV = /^[0-9a-f]{40}$/;

/** The lock file `text` (named `file` in errors): versions 5 to 7; every value the bot uses is
 * checked, since the file is upstream's words as much as ours. */
export function parseFlakeLock(text: string, file: string): FlakeLock {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const bad = (what: string) => new InputError(`${file}: ${what}`);
  if (!isObject(doc)) throw bad("expected a JSON object");
  if (typeof doc.version !== "number" || doc.version < 5 || doc.version > 7) {
    throw bad(`version ${JSON.stringify(doc.version)}: only lock versions 5 to 7 are read`);
  }
  const nodes = doc.nodes;
  if (!isObject(nodes)) throw bad("no nodes");
  const rootName = typeof doc.root === "string" ? doc.root : "root";
  const root = nodes[rootName];
  if (!isObject(root)) throw bad(`no root node ${JSON.stringify(rootName)}`);
  const refs = isObject(root.inputs) ? root.inputs : {};
  const inputs: FlakeInput[] = [];
  for (const [name, ref] of Object.entries(refs).sort(([a], [b]) => a.localeCompare(b))) {
    if (!/^[A-Za-z_][A-Za-z0-9_'-]{0,63}$/.test(name)) {
      throw bad(`input ${JSON.stringify(name.slice(0, 80))} is not a flake input name`);
    }
    if (Array.isArray(ref)) {
      if (!ref.every((p) => typeof p === "string" && SAFE_TEXT.test(p))) {
        throw bad(`input ${name}: follows is not a list of input names`);
      }
      inputs.push({
        name,
        follows: ref as string[],
        type: "follows",
        source: `follows ${ref.join("/")}`,
        ref: null,
        pinned: false,
        rev: null,
        lastModified: null,
        revCount: null,
        locked: {},
      });
      continue;
    }
    const node = typeof ref === "string" ? nodes[ref] : undefined;
    if (!isObject(node)) throw bad(`input ${name}: no node ${JSON.stringify(ref)}`);
    const locked = attrs(node.locked, `input ${name}: locked`, bad);
    const original = attrs(node.original, `input ${name}: original`, bad);
    const rev = typeof locked.rev === "string" ? locked.rev : null;
    if (rev !== null && !REV.test(rev)) throw bad(`input ${name}: locked rev is not a commit`);
    const type = String(locked.type ?? "");
    if (!/^[a-z][a-z+-]{0,20}$/.test(type)) throw bad(`input ${name}: no source type`);
    inputs.push({
      name,
      follows: null,
      type,
      source: sourceOf(original),
      ref: typeof original.ref === "string" ? original.ref : null,
      pinned: typeof original.rev === "string",
      rev,
      lastModified: typeof locked.lastModified === "number" ? locked.lastModified : null,
      revCount: typeof locked.revCount === "number" ? locked.revCount : null,
      locked,
    });
  }
  return { file, inputs };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A node's `locked` or `original`: strings and numbers only, each one line. */
function attrs(
  v: unknown,
  what: string,
  bad: (what: string) => Error,
): Record<string, string | number> {
  if (!isObject(v)) throw bad(`${what} is missing`);
  const out: Record<string, string | number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "number" && Number.isSafeInteger(x)) out[k] = x;
    else if (typeof x === "string" && (x === "" || SAFE_TEXT.test(x))) out[k] = x;
    else if (typeof x !== "boolean") throw bad(`${what}.${k} is not a one-line value`);
  }
  return out;
}

/** The input's source as flake.nix would write it, without ref or rev. */
function sourceOf(o: Record<string, string | number>): string {
  if (o.type === "github" || o.type === "gitlab" || o.type === "sourcehut") {
    return `${o.type}:${o.owner}/${o.repo}`;
  }
  if (typeof o.url === "string") return `${o.type}+${o.url}`;
  if (typeof o.path === "string") return `path:${o.path}`;
  return String(o.type);
}

/** What an update did to one input. */
export interface InputMove {
  name: string;
  source: string;
  ref: string | null;
  from: string;
  to: string;
  /** Commits between the two (git inputs count them from the lock); null: not counted. */
  commits: number | null;
  /** The forge's compare page; null: the source has none the bot knows. */
  compare: string | null;
  fromDate: string | null;
  toDate: string | null;
}

/** The root inputs whose locked revision changed, in name order. */
export function movedInputs(before: FlakeLock, after: FlakeLock): InputMove[] {
  const old = new Map(before.inputs.map((i) => [i.name, i]));
  return after.inputs.flatMap((i) => {
    const was = old.get(i.name);
    if (!was || i.follows || !i.rev || !was.rev || was.rev === i.rev) return [];
    return [{
      name: i.name,
      source: i.source,
      ref: i.ref,
      from: was.rev,
      to: i.rev,
      commits: i.revCount !== null && was.revCount !== null ? i.revCount - was.revCount : null,
      compare: compareUrl(i, was.rev, i.rev),
      fromDate: dateOf(was.lastModified),
      toDate: dateOf(i.lastModified),
    }];
  });
}

/** What an update may not change, said as problems: a follows input no longer following, a pinned
 * input moved, an input's branch or source changed (flake.nix is a person's to change). */
export function updateProblems(before: FlakeLock, after: FlakeLock): string[] {
  const now = new Map(after.inputs.map((i) => [i.name, i]));
  return before.inputs.flatMap((b) => {
    const a = now.get(b.name);
    if (!a) return [`input ${b.name} is gone from ${after.file}`];
    if (JSON.stringify(a.follows) !== JSON.stringify(b.follows)) {
      return [`input ${b.name} no longer follows ${b.follows?.join("/") ?? "nothing"}`];
    }
    if (b.pinned && a.rev !== b.rev) return [`input ${b.name} is pinned but moved`];
    if (a.ref !== b.ref || a.source !== b.source) {
      return [
        `input ${b.name} moved from ${b.source} ${b.ref ?? ""} to ${a.source} ${a.ref ?? ""}`,
      ];
    }
    return [];
  });
}

/** The inputs an update may move: not follows, not pinned. `only` (the config's list) narrows
 * them; naming an input that cannot move is an error. */
export function updatableInputs(lock: FlakeLock, only: string[]): string[] {
  const movable = lock.inputs.filter((i) => !i.follows && !i.pinned).map((i) => i.name);
  for (const name of only) {
    const input = lock.inputs.find((i) => i.name === name);
    if (!input) throw new InputError(`flakes.inputs: ${lock.file} has no input ${name}`);
    if (input.follows) {
      throw new InputError(
        `flakes.inputs: ${name} follows ${input.follows.join("/")}: it moves with that input`,
      );
    }
    if (input.pinned) {
      throw new InputError(`flakes.inputs: ${name} is pinned to a revision in flake.nix`);
    }
  }
  return only.length ? movable.filter((n) => only.includes(n)) : movable;
}

/** The compare page of a GitHub or GitLab input, or of a git input served over http(s) by a
 * forge (Forgejo's and GitHub's `/compare/A...B`). */
export function compareUrl(input: FlakeInput, from: string, to: string): string | null {
  const l = input.locked;
  const name = /^[A-Za-z0-9._-]+$/;
  if (input.type === "github" && name.test(String(l.owner)) && name.test(String(l.repo))) {
    return `https://github.com/${l.owner}/${l.repo}/compare/${from}...${to}`;
  }
  if (input.type === "gitlab" && name.test(String(l.owner)) && name.test(String(l.repo))) {
    return `https://gitlab.com/${l.owner}/${l.repo}/-/compare/${from}...${to}`;
  }
  const web = gitWebUrl(input);
  return web ? `${web}/compare/${from}...${to}` : null;
}

/** A git input's http(s) address without `.git`: its forge's web page. */
function gitWebUrl(input: FlakeInput): string | null {
  const url = input.type === "git" ? String(input.locked.url ?? "") : "";
  if (!/^https?:\/\/[^\s?#]+$/.test(url)) return null;
  // Credentials in the address (a private upstream) never reach a link.
  return url.replace(/^(https?:\/\/)[^/@]*@/, "$1").replace(/\.git$/, "").replace(/\/+$/, "");
}

/** Where git can list the input's branches (for a newer release branch); null: not a git host. */
export function gitRemoteOf(input: FlakeInput): string | null {
  const l = input.locked;
  if (input.type === "github") return `https://github.com/${l.owner}/${l.repo}.git`;
  if (input.type === "gitlab") return `https://gitlab.com/${l.owner}/${l.repo}.git`;
  if (input.type === "git" && typeof l.url === "string") return l.url;
  return null;
}

/** A release branch's series, `nixos-25.11` -> prefix `nixos-`, [25, 11]; null: not one. */
function series(ref: string): { prefix: string; year: number; month: number } | null {
  const m = /^(.*?)(\d{2})\.(\d{2})$/.exec(ref);
  return m ? { prefix: m[1], year: Number(m[2]), month: Number(m[3]) } : null;
}

/** A branch named for a release series (`nixos-25.11`, `release-25.11`). */
export function isReleaseBranch(ref: string | null): ref is string {
  return ref !== null && series(ref) !== null;
}

/** The newest branch of `heads` in the same series as `ref` and newer than it (`nixos-26.05`
 * for `nixos-25.11`); null: none, or `ref` is no release branch. The bot never moves to it. */
export function newerBranch(ref: string | null, heads: string[]): string | null {
  const own = ref === null ? null : series(ref);
  if (!own) return null;
  const later = heads.flatMap((h) => {
    const s = series(h);
    return s && s.prefix === own.prefix &&
        (s.year > own.year || (s.year === own.year && s.month > own.month))
      ? [{ h, key: s.year * 100 + s.month }]
      : [];
  }).sort((a, b) => b.key - a.key);
  return later[0]?.h ?? null;
}

/** The lock's age as a date: its newest input's commit day (shown as the flake's "version"). */
export function lockDate(lock: FlakeLock): string {
  const newest = Math.max(0, ...lock.inputs.map((i) => i.lastModified ?? 0));
  return dateOf(newest) ?? "unknown";
}

function dateOf(seconds: number | null): string | null {
  return seconds ? new Date(seconds * 1000).toISOString().slice(0, 10) : null;
}
