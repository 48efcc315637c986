// Configuration: the YAML file, its defaults (the blumeops authentik layout) and validation.
import YAML from "yaml";
import { InputError } from "./errors.ts";

/** Where a literal lives: a file of the package directory, the attribute key holding it and, when
 * the key occurs more than once in that file, a text inside the attribute set that holds it. */
export interface LiteralLocation {
  file: string;
  key: string;
  within?: string;
}

/** One fixed-output hash the bot harvests. */
export interface HashSpec extends LiteralLocation {
  name: string;
  /** Which assignment of `key` in `file`, when discovery found it (see LiteralQuery.index). */
  index?: number;
  /** An extra attribute path of `build.file` to build for it, when the build does not reach it. */
  attr?: string;
  /** Or a Nix expression, evaluated in the package directory, that builds it. */
  expr?: string;
}

export interface Config {
  /** The config file read, or "built-in defaults". */
  source: string;
  package: { name: string; dir: string };
  /** The version copies; empty: every `version = "X.Y.Z"` literal of the package's files. */
  version: LiteralLocation[];
  /** The hashes to harvest; empty: every hash literal of the package's files not pinned. */
  hashes: HashSpec[];
  build: {
    /** The file to build; empty: test-build.nix when the package has one, else default.nix. */
    file: string;
    /** Attributes of `file` to build; empty: all of it. */
    verify: string[];
    args: string[];
    max_jobs: number | "auto" | null;
    timeout_seconds: number;
    max_rounds: number;
    heartbeat_seconds: number;
  };
  builder: string;
  ssh: { config_file: string | null; options: string[] };
  chain: string;
  git: { author_name: string; author_email: string };
  log_dir: string | null;
  forge: {
    url: string;
    repo: string;
    base: string;
    token_env: string;
    sync_mirrors: boolean;
    timeout_seconds: number;
    retries: number;
    /** Retries wait 1, 4, 9 ... times this. */
    retry_seconds: number;
  };
  /** The release mirrors: the first is the package's own; a version is ready when every mirror
   * has its tag. `tag` holds `{version}`. */
  mirrors: { repo: string; tag: string }[];
  prereleases: boolean;
  cards_dir: string;
  service_versions: { file: string; name: string } | null;
  /** Who may comment /rebuild: people with write, admin or owner permission, and these logins. */
  rebuild: { allow: string[] };
  webhook: { secret_env: string; max_body_bytes: number };
  lock: { dir: string | null; wait_seconds: number; stale_seconds: number };
}

export const DEFAULT_CONFIG_FILE = "upgrade-bot.yaml";

/** The blumeops layout of domain.md: a blumeops checkout needs no config file. */
export function defaultConfig(): Config {
  return {
    source: "built-in defaults",
    package: { name: "authentik", dir: "containers/authentik" },
    // Empty: found in the package's files (lib/nix/discover.ts); config lists override discovery.
    version: [],
    hashes: [],
    build: {
      file: "",
      verify: [],
      args: ["--extra-experimental-features", "nix-command flakes"],
      max_jobs: null,
      timeout_seconds: 3600,
      max_rounds: 6,
      heartbeat_seconds: 30,
    },
    builder: "ssh://ringtail",
    ssh: { config_file: null, options: [] },
    chain: "upgrade-authentik",
    git: { author_name: "upgrade-bot", author_email: "upgrade-bot@localhost" },
    log_dir: null,
    forge: {
      url: "https://forge.ops.eblu.me",
      repo: "eblume/blumeops",
      base: "main",
      token_env: "FORGE_TOKEN",
      sync_mirrors: false,
      timeout_seconds: 30,
      retries: 3,
      retry_seconds: 1,
    },
    mirrors: [
      { repo: "mirrors/authentik", tag: "version/{version}" },
      { repo: "mirrors/authentik-client-go", tag: "v3.{version}" },
    ],
    prereleases: false,
    cards_dir: "docs/how-to/authentik",
    service_versions: { file: "service-versions.yaml", name: "authentik" },
    rebuild: { allow: [] },
    webhook: { secret_env: "WEBHOOK_SECRET", max_body_bytes: 1024 * 1024 },
    lock: { dir: null, wait_seconds: 60, stale_seconds: 6 * 3600 },
  };
}

type Raw = Record<string, unknown>;

/** Reads and validates a config file; a missing file is only fine when it was not asked for. */
export async function loadConfig(path: string | undefined): Promise<Config> {
  const file = path ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && path === undefined) return defaultConfig();
    throw new InputError(`${file}: cannot read config file: ${(e as Error).message}`);
  }
  return parseConfig(text, file);
}

/** Parses config YAML over the defaults; every error names the file and the key. */
export function parseConfig(text: string, file: string): Config {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const config = defaultConfig();
  config.source = file;
  if (doc === null || doc === undefined) return config;
  const v = new Validator(file);
  const root = v.object(doc, "");
  v.onlyKeys(root, "", [
    "package",
    "version",
    "hashes",
    "build",
    "builder",
    "ssh",
    "chain",
    "git",
    "log_dir",
    "forge",
    "mirrors",
    "prereleases",
    "cards_dir",
    "service_versions",
    "rebuild",
    "webhook",
    "lock",
  ]);
  if (root.package !== undefined) {
    const p = v.object(root.package, "package");
    v.onlyKeys(p, "package", ["name", "dir"]);
    if (p.name !== undefined) config.package.name = v.name(p.name, "package.name");
    if (p.dir !== undefined) config.package.dir = v.relativePath(p.dir, "package.dir");
  }
  if (root.version !== undefined) {
    config.version = v.list(root.version, "version").map((item, i) =>
      v.location(item, `version[${i}]`, "version")
    );
    if (config.version.length === 0) v.fail("version", "needs at least one file");
  }
  if (root.hashes !== undefined) {
    config.hashes = v.list(root.hashes, "hashes").map((item, i) => v.hash(item, `hashes[${i}]`));
    if (config.hashes.length === 0) {
      v.fail("hashes", "needs at least one hash (leave it out to discover them)");
    }
    const names = new Set<string>();
    for (const h of config.hashes) {
      if (names.has(h.name)) v.fail("hashes", `name "${h.name}" is used twice`);
      names.add(h.name);
    }
  }
  if (root.build !== undefined) readBuild(v, v.object(root.build, "build"), config);
  if (root.builder !== undefined) config.builder = v.builder(root.builder, "builder");
  if (root.ssh !== undefined) {
    const s = v.object(root.ssh, "ssh");
    v.onlyKeys(s, "ssh", ["config_file", "options"]);
    if (s.config_file !== undefined) {
      config.ssh.config_file = v.string(s.config_file, "ssh.config_file");
    }
    if (s.options !== undefined) config.ssh.options = v.stringList(s.options, "ssh.options");
  }
  if (root.chain !== undefined) config.chain = v.name(root.chain, "chain");
  if (root.git !== undefined) {
    const g = v.object(root.git, "git");
    v.onlyKeys(g, "git", ["author_name", "author_email"]);
    if (g.author_name !== undefined) {
      config.git.author_name = v.string(g.author_name, "git.author_name");
    }
    if (g.author_email !== undefined) {
      config.git.author_email = v.string(g.author_email, "git.author_email");
    }
  }
  if (root.log_dir !== undefined) config.log_dir = v.string(root.log_dir, "log_dir");
  if (root.forge !== undefined) readForge(v, v.object(root.forge, "forge"), config);
  if (root.mirrors !== undefined) {
    config.mirrors = v.list(root.mirrors, "mirrors").map((item, i) => {
      const key = `mirrors[${i}]`;
      const m = v.object(item, key);
      v.onlyKeys(m, key, ["repo", "tag"]);
      const tag = v.string(m.tag, `${key}.tag`);
      if (!tag.includes("{version}")) v.fail(`${key}.tag`, `"${tag}" must contain {version}`);
      return { repo: v.repoName(m.repo, `${key}.repo`), tag };
    });
    if (config.mirrors.length === 0) v.fail("mirrors", "needs at least the package's own mirror");
  }
  if (root.prereleases !== undefined) {
    config.prereleases = v.boolean(root.prereleases, "prereleases");
  }
  if (root.cards_dir !== undefined) config.cards_dir = v.relativePath(root.cards_dir, "cards_dir");
  if (root.service_versions !== undefined) {
    if (root.service_versions === null) config.service_versions = null;
    else {
      const s = v.object(root.service_versions, "service_versions");
      v.onlyKeys(s, "service_versions", ["file", "name"]);
      config.service_versions = {
        file: v.relativePath(s.file ?? "service-versions.yaml", "service_versions.file"),
        name: s.name === undefined
          ? config.package.name
          : v.string(s.name, "service_versions.name"),
      };
    }
  }
  if (root.rebuild !== undefined) {
    const r = v.object(root.rebuild, "rebuild");
    v.onlyKeys(r, "rebuild", ["allow"]);
    if (r.allow !== undefined) config.rebuild.allow = v.stringList(r.allow, "rebuild.allow");
  }
  if (root.webhook !== undefined) {
    const w = v.object(root.webhook, "webhook");
    v.onlyKeys(w, "webhook", ["secret_env", "max_body_bytes"]);
    if (w.secret_env !== undefined) {
      config.webhook.secret_env = v.envName(w.secret_env, "webhook.secret_env");
    }
    if (w.max_body_bytes !== undefined) {
      config.webhook.max_body_bytes = v.positiveInt(w.max_body_bytes, "webhook.max_body_bytes");
    }
  }
  if (root.lock !== undefined) {
    const l = v.object(root.lock, "lock");
    v.onlyKeys(l, "lock", ["dir", "wait_seconds", "stale_seconds"]);
    if (l.dir !== undefined) config.lock.dir = v.string(l.dir, "lock.dir");
    if (l.wait_seconds !== undefined) {
      config.lock.wait_seconds = l.wait_seconds === 0
        ? 0
        : v.positiveInt(l.wait_seconds, "lock.wait_seconds");
    }
    if (l.stale_seconds !== undefined) {
      config.lock.stale_seconds = v.positiveInt(l.stale_seconds, "lock.stale_seconds");
    }
  }
  return config;
}

function readBuild(v: Validator, b: Raw, config: Config): void {
  v.onlyKeys(b, "build", [
    "file",
    "verify",
    "args",
    "max_jobs",
    "timeout_seconds",
    "max_rounds",
    "heartbeat_seconds",
  ]);
  const build = config.build;
  if (b.file !== undefined) build.file = v.relativePath(b.file, "build.file");
  if (b.verify !== undefined) build.verify = v.stringList(b.verify, "build.verify");
  if (b.args !== undefined) build.args = v.stringList(b.args, "build.args");
  if (b.max_jobs !== undefined) {
    build.max_jobs = b.max_jobs === "auto" ? "auto" : v.positiveInt(b.max_jobs, "build.max_jobs");
  }
  if (b.timeout_seconds !== undefined) {
    build.timeout_seconds = v.positiveInt(b.timeout_seconds, "build.timeout_seconds");
  }
  if (b.max_rounds !== undefined) {
    build.max_rounds = v.positiveInt(b.max_rounds, "build.max_rounds");
  }
  if (b.heartbeat_seconds !== undefined) {
    build.heartbeat_seconds = v.positiveInt(b.heartbeat_seconds, "build.heartbeat_seconds");
  }
}

function readForge(v: Validator, f: Raw, config: Config): void {
  v.onlyKeys(f, "forge", [
    "url",
    "repo",
    "base",
    "token_env",
    "sync_mirrors",
    "timeout_seconds",
    "retries",
    "retry_seconds",
  ]);
  const forge = config.forge;
  if (f.timeout_seconds !== undefined) {
    forge.timeout_seconds = v.positiveInt(f.timeout_seconds, "forge.timeout_seconds");
  }
  if (f.retries !== undefined) {
    forge.retries = f.retries === 0 ? 0 : v.positiveInt(f.retries, "forge.retries");
  }
  if (f.retry_seconds !== undefined) {
    if (typeof f.retry_seconds !== "number" || !(f.retry_seconds > 0)) {
      v.fail(
        "forge.retry_seconds",
        `expected a positive number of seconds, got ${JSON.stringify(f.retry_seconds)}`,
      );
    }
    forge.retry_seconds = f.retry_seconds;
  }
  if (f.url !== undefined) {
    forge.url = v.string(f.url, "forge.url").replace(/\/+$/, "");
    if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(forge.url)) {
      v.fail("forge.url", `"${forge.url}" is not an http(s) URL`);
    }
  }
  if (f.repo !== undefined) forge.repo = v.repoName(f.repo, "forge.repo");
  if (f.base !== undefined) forge.base = v.branch(f.base, "forge.base");
  if (f.token_env !== undefined) forge.token_env = v.envName(f.token_env, "forge.token_env");
  if (f.sync_mirrors !== undefined) {
    forge.sync_mirrors = v.boolean(f.sync_mirrors, "forge.sync_mirrors");
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A builder is `local` or `ssh://[user@]host[:port]`; a host may not start with `-`, so it can never
 * be read as an ssh option. */
export function parseBuilder(
  value: string,
): { kind: "local" } | { kind: "ssh"; user?: string; host: string; port?: number } {
  if (value === "local") return { kind: "local" };
  const m =
    /^ssh:\/\/(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$/
      .exec(value);
  if (!m) {
    throw new InputError(
      `builder "${value}": expected "local" or "ssh://[user@]host[:port]"`,
    );
  }
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new InputError(`builder "${value}": port ${port} is out of range`);
  }
  return { kind: "ssh", user: m[1], host: m[2].replace(/^\[|\]$/g, ""), port };
}

class Validator {
  constructor(private file: string) {}

  fail(key: string, what: string): never {
    throw new InputError(`${this.file}: ${key || "top level"}: ${what}`);
  }

  object(value: unknown, key: string): Raw {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.fail(key, `expected a mapping, got ${describe(value)}`);
    }
    return value as Raw;
  }

  onlyKeys(obj: Raw, key: string, allowed: string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) {
        this.fail(key ? `${key}.${k}` : k, `unknown key (allowed: ${allowed.join(", ")})`);
      }
    }
  }

  list(value: unknown, key: string): unknown[] {
    if (!Array.isArray(value)) this.fail(key, `expected a list, got ${describe(value)}`);
    return value;
  }

  string(value: unknown, key: string): string {
    if (typeof value !== "string" || value === "") {
      this.fail(key, `expected a non-empty string, got ${describe(value)}`);
    }
    return value;
  }

  stringList(value: unknown, key: string): string[] {
    return this.list(value, key).map((item, i) => {
      if (typeof item !== "string") {
        this.fail(`${key}[${i}]`, `expected a string, got ${describe(item)}`);
      }
      return item;
    });
  }

  name(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (!NAME.test(s)) this.fail(key, `"${s}" is not a simple name (letters, digits, . _ -)`);
    return s;
  }

  boolean(value: unknown, key: string): boolean {
    if (typeof value !== "boolean") {
      this.fail(key, `expected true or false, got ${describe(value)}`);
    }
    return value;
  }

  envName(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) {
      this.fail(key, `"${s}" is not an environment variable name`);
    }
    return s;
  }

  repoName(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) {
      this.fail(key, `"${s}" is not an owner/name repository`);
    }
    return s;
  }

  branch(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) || s.includes("..")) {
      this.fail(key, `"${s}" is not a branch name`);
    }
    return s;
  }

  positiveInt(value: unknown, key: string): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      this.fail(key, `expected a positive whole number, got ${describe(value)}`);
    }
    return value;
  }

  /** A path inside the repository: relative, no `..`, so edits never leave the checkout. */
  relativePath(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (s.startsWith("/") || s.split("/").includes("..") || s.includes("\0")) {
      this.fail(key, `"${s}" must be a relative path inside the repository, without ".."`);
    }
    return s.replace(/\/+$/, "");
  }

  builder(value: unknown, key: string): string {
    const s = this.string(value, key);
    try {
      parseBuilder(s);
    } catch (e) {
      this.fail(key, (e as Error).message);
    }
    return s;
  }

  /** A version location is a file name, or `{file, key, within}`. */
  location(value: unknown, key: string, defaultKey: string): LiteralLocation {
    if (typeof value === "string") return { file: this.relativePath(value, key), key: defaultKey };
    const o = this.object(value, key);
    this.onlyKeys(o, key, ["file", "key", "within"]);
    return {
      file: this.relativePath(o.file, `${key}.file`),
      key: o.key === undefined ? defaultKey : this.attrName(o.key, `${key}.key`),
      ...(o.within === undefined ? {} : { within: this.string(o.within, `${key}.within`) }),
    };
  }

  hash(value: unknown, key: string): HashSpec {
    const o = this.object(value, key);
    this.onlyKeys(o, key, ["name", "attr", "expr", "file", "key", "within"]);
    if (o.attr !== undefined && o.expr !== undefined) {
      this.fail(key, `takes "attr" (an attribute of build.file) or "expr", not both`);
    }
    if (o.key === undefined) {
      this.fail(`${key}.key`, "is required (e.g. hash, outputHash, vendorHash)");
    }
    return {
      name: this.name(o.name, `${key}.name`),
      ...this.location({ file: o.file, key: o.key, within: o.within }, key, "hash"),
      ...(o.attr === undefined ? {} : { attr: this.attrPath(o.attr, `${key}.attr`) }),
      ...(o.expr === undefined ? {} : { expr: this.string(o.expr, `${key}.expr`) }),
    };
  }

  attrName(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (!/^[A-Za-z_][A-Za-z0-9_'-]*$/.test(s)) this.fail(key, `"${s}" is not a Nix attribute name`);
    return s;
  }

  attrPath(value: unknown, key: string): string {
    const s = this.string(value, key);
    if (!/^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/.test(s)) {
      this.fail(key, `"${s}" is not a Nix attribute path (like authentik-server.goModules)`);
    }
    return s;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
