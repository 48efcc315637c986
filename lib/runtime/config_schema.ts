// The config file's schema (zod): what each key may hold, in the words the errors use; its JSON Schema.
import { z } from "zod";
import { InputError } from "./errors.ts";
import { parseDuration } from "./duration.ts";
import { NOTES_PLACEHOLDERS } from "../upstream/notes.ts";

// A run parses one config: compiling the schema's fast path on first use (zod's JIT) costs more
// than it saves, about 2ms of every run's start.
z.config({ jitless: true });

/** A value as an error message names it. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** An error message that ends in what was found instead. */
const got = (expected: string) => (iss: { input?: unknown }) =>
  `${expected}, got ${describe(iss.input)}`;

/** A check on a string whose message quotes it. */
const quoted = (what: string) => (iss: { input?: unknown }) => `"${iss.input}" ${what}`;

const text = (missing?: string) =>
  z.string({
    error: (iss) =>
      iss.input === undefined && missing ? missing : got("expected a non-empty string")(iss),
  }).min(1, { error: got("expected a non-empty string") });

const matching = (pattern: RegExp, what: string) => text().regex(pattern, { error: quoted(what) });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const simpleName = () => matching(NAME, "is not a simple name (letters, digits, . _ -)");
const envName = () => matching(/^[A-Za-z_][A-Za-z0-9_]*$/, "is not an environment variable name");
/** A Nix system name (x86_64-linux) and a build machine for it: a store URI or a machines line. */
const machines = () =>
  z.record(
    matching(/^[a-z0-9_]+-[a-z0-9_]+$/, "is not a Nix system such as aarch64-linux"),
    matching(
      /^[^\s;#]+(\s+[^\s;#]+)*$/,
      "is not a store URI such as ssh-ng://nix@arm-builder (or one machines line)",
    ),
    {
      error: (iss) =>
        iss.code === "invalid_type"
          ? got("expected a mapping of system: store URI")(iss)
          : undefined,
    },
  );
const repoName = () =>
  matching(
    /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "is not an owner/name repository",
  );
const attrName = (missing?: string) =>
  text(missing).regex(/^[A-Za-z_][A-Za-z0-9_'-]*$/, {
    error: quoted("is not a Nix attribute name"),
  });
const attrPath = () =>
  matching(
    /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/,
    "is not a Nix attribute path (like authentik-server.goModules)",
  );
const branch = () =>
  text().refine((s) => /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) && !s.includes(".."), {
    error: quoted("is not a branch name"),
  });

/** A path inside the repository: relative, no `..`, so edits never leave the checkout. */
const relativePath = () =>
  text().refine((s) => !s.startsWith("/") && !s.split("/").includes("..") && !s.includes("\0"), {
    error: quoted('must be a relative path inside the repository, without ".."'),
  });

const boolean = () => z.boolean({ error: got("expected true or false") });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: got("expected a list") });
const stringList = () => list(z.string({ error: got("expected a string") }));
const POSITIVE = got("expected a positive whole number");
const positiveInt = () => z.int({ error: POSITIVE }).min(1, { error: POSITIVE });
const SECONDS = (iss: { input?: unknown }) =>
  `expected a positive number of seconds, got ${JSON.stringify(iss.input)}`;
/** 0 (do not) or a positive whole number. */
const count = () => z.int({ error: POSITIVE }).min(0, { error: POSITIVE });

/** A mapping with exactly these keys, all optional unless the shape says otherwise. */
function mapping<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown key (allowed: ${Object.keys(shape).join(", ")})`
        : got("expected a mapping")(iss),
  });
}

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

const builderSpec = () =>
  text().refine((s) => builderProblem(s) === null, {
    error: (iss) => builderProblem(String(iss.input)) ?? "",
  });

/** What is wrong with a builder spec (config `builder`, `--builder`), or null. */
export function builderProblem(spec: string): string | null {
  try {
    parseBuilder(spec);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

const locationObject = {
  file: relativePath(),
  key: attrName().optional(),
  within: text().optional(),
};

/** A version location is a file name, or `{file, key, within}`. */
const location = z.union([relativePath(), mapping(locationObject)]);

const hash = mapping({
  name: simpleName(),
  attr: attrPath().optional(),
  expr: text().optional(),
  ...locationObject,
  key: attrName("is required (e.g. hash, outputHash, vendorHash)"),
}).refine((h) => h.attr === undefined || h.expr === undefined, {
  error: `takes "attr" (an attribute of build.file) or "expr", not both`,
});

const placeholders = (allowed: string[]) =>
  text().refine((s) => [...s.matchAll(/\{([^}]*)\}/g)].every((m) => allowed.includes(m[1])), {
    error: quoted(`may only hold the placeholders ${allowed.map((a) => `{${a}}`).join(" ")}`),
  });

/** A release notes file in the mirror's tree, per version. */
const notesPath = () =>
  placeholders(NOTES_PLACEHOLDERS).refine(
    (s) => !s.startsWith("/") && !s.split("/").includes(".."),
    {
      error: quoted("is not a path inside the mirror's tree"),
    },
  );

const MIRRORS_NEEDED = "needs at least the package's own mirror";
const mirrorItems = () =>
  list(mapping({
    repo: repoName(),
    tag: text().refine((t) => t.includes("{version}"), { error: quoted("must contain {version}") }),
  }));
const mirrorList = () => mirrorItems().min(1, { error: MIRRORS_NEEDED });

const upgradePath = () =>
  z.enum(["stepwise", "latest"], { error: got('expected "stepwise" or "latest"') });
/** A duration (`3d`, `12h`, `1d12h`), or null for none. */
const age = () =>
  text().refine((s) => parseDuration(s) !== null, {
    error: quoted("is not a duration such as 3d, 12h or 1d12h (units w d h m s)"),
  }).nullable();

/** One package of several: only what cannot be discovered; the rest follows its name. */
const packageEntry = mapping({
  name: simpleName(),
  dir: relativePath(),
  kind: z.enum(["nix", "dockerfile", "flake", "application", "image"], {
    error: got('expected "nix", "dockerfile", "flake", "application" or "image"'),
  }).optional(),
  // A flake's inputs are its own (lib/flake): no mirror.
  mirrors: mirrorItems().optional(),
  applications: z.array(relativePath()).min(1, { error: "needs at least one Application file" })
    .optional(),
  image: mapping({
    name: text().refine((s) => /^[a-z0-9][a-z0-9._/:-]*$/.test(s) && !s.includes("@"), {
      error: quoted("is not an image name such as ghcr.io/owner/name"),
    }),
    also: z.array(text()).optional(),
    manifests: z.array(relativePath()).min(1, { error: "needs at least one manifest directory" }),
  }).optional(),
  source: z.discriminatedUnion("kind", [
    mapping({ kind: z.literal("pypi"), name: text() }),
    mapping({ kind: z.literal("alpine"), name: text(), repositories: z.array(text()).min(1) }),
    mapping({
      kind: z.literal("registry"),
      image: text(),
      tag: text().refine((s) => s.split("{version}").length === 2, {
        error: quoted("holds no {version}"),
      }),
    }),
    mapping({
      kind: z.literal("github"),
      repo: text().refine((s) => /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(s), {
        error: quoted("is not a GitHub repository such as dagger/dagger"),
      }),
      tag: text().refine((s) => s.split("{version}").length === 2, {
        error: quoted("holds no {version}"),
      }).optional(),
    }),
  ], { error: got('expected a source with kind "pypi", "alpine", "registry" or "github"') })
    .optional(),
  chain: simpleName().optional(),
  cards_dir: relativePath().optional(),
  release_notes: notesPath().nullable().optional(),
  service_versions: mapping({ file: relativePath(), name: text() }).partial().nullable()
    .optional(),
  upgrade_path: upgradePath().optional(),
  min_release_age: age().optional(),
}).superRefine((p, ctx) => {
  if (p.kind === "image" && !p.image) {
    ctx.addIssue({ code: "custom", path: ["image"], message: "kind image needs its image" });
  }
  // A flake's inputs, an image's registry and an ARG's source are not forge mirrors.
  if (p.kind === "flake" || p.kind === "image" || p.source || (p.mirrors?.length ?? 0) > 0) return;
  ctx.addIssue({
    code: "custom",
    path: ["mirrors"],
    message: p.mirrors ? MIRRORS_NEEDED : "expected a list, got nothing",
  });
});

const httpUrl = () =>
  text().refine((s) => /^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(s.replace(/\/+$/, "")), {
    error: (iss) => `"${String(iss.input).replace(/\/+$/, "")}" is not an http(s) URL`,
  });

export const CONFIG_SCHEMA = mapping({
  packages: list(packageEntry).min(1, { error: "needs at least one package" }).superRefine(
    (packages, ctx) => {
      const names = new Set<string>();
      for (const p of packages) {
        if (names.has(p.name)) ctx.addIssue(`name "${p.name}" is used twice`);
        names.add(p.name);
      }
    },
  ).optional(),
  deploy: mapping({
    registry_url: httpUrl(),
    image: placeholders(["name"]),
    tag: placeholders(["version", "sha7"]).refine((t) => t.includes("{sha7}"), {
      error: quoted("must contain {sha7} (the merge commit's first 7 characters)"),
    }),
    manifest: placeholders(["name"]),
    credentials_env: envName().nullable(),
    automerge: boolean(),
  }).partial().nullable().optional(),
  package: mapping({ name: simpleName(), dir: relativePath() }).partial().optional(),
  version: list(location).min(1, { error: "needs at least one file" }).optional(),
  hashes: list(hash)
    .min(1, { error: "needs at least one hash (leave it out to discover them)" })
    .superRefine((hashes, ctx) => {
      const names = new Set<string>();
      for (const h of hashes) {
        if (names.has(h.name)) ctx.addIssue(`name "${h.name}" is used twice`);
        names.add(h.name);
      }
    }).optional(),
  build: mapping({
    file: relativePath(),
    verify: stringList(),
    args: stringList(),
    max_jobs: z.union([z.literal("auto"), positiveInt()]),
    builders: machines(),
    timeout_seconds: positiveInt(),
    max_rounds: positiveInt(),
    heartbeat_seconds: positiveInt(),
    env: z.array(envName()),
  }).partial().optional(),
  builder: builderSpec().optional(),
  ssh: mapping({ config_file: text(), options: stringList() }).partial().optional(),
  chain: simpleName().optional(),
  git: mapping({ author_name: text(), author_email: text() }).partial().optional(),
  log_dir: text().optional(),
  forge: mapping({
    url: httpUrl(),
    repo: repoName(),
    base: branch(),
    token_env: envName(),
    sync_mirrors: boolean(),
    timeout_seconds: positiveInt(),
    retries: count(),
    retry_seconds: z.number({ error: SECONDS }).positive({ error: SECONDS }),
  }).partial().optional(),
  mirrors: mirrorList().optional(),
  prereleases: boolean().optional(),
  packages_at_once: positiveInt().optional(),
  upgrade_path: upgradePath().optional(),
  min_release_age: age().optional(),
  cards_dir: relativePath().optional(),
  release_notes: notesPath().nullable().optional(),
  service_versions: mapping({ file: relativePath(), name: text() }).partial().nullable()
    .optional(),
  rebuild: mapping({ allow: stringList() }).partial().optional(),
  dashboard: mapping({ title: text() }).partial().nullable().optional(),
  webhook: mapping({ secret_env: envName(), max_body_bytes: positiveInt() }).partial().optional(),
  lock: mapping({ dir: text(), wait_seconds: count(), stale_seconds: positiveInt() }).partial()
    .optional(),
  flakes: mapping({
    every: age().unwrap(),
    inputs: list(attrName()),
    outputs: list(attrPath()),
    services: z.record(simpleName(), simpleName(), { error: got("expected a mapping") }),
    closure_lines: positiveInt(),
  }).partial().nullable().optional(),
  registries: z.record(
    text().refine((s) => /^[a-z0-9.-]+(:\d+)?$/.test(s), {
      error: quoted("is not a registry host such as docker.io"),
    }),
    httpUrl(),
    { error: got("expected a mapping") },
  ).nullable().optional(),
  sources: mapping({ pypi: httpUrl(), alpine: httpUrl(), github: httpUrl() }).partial().nullable()
    .optional(),
});

export type RawConfig = z.infer<typeof CONFIG_SCHEMA>;
export type RawLocation = z.infer<typeof location>;

/** The first problem zod found, as `key` (`hashes[0].attr`) and what is wrong with it. An unknown
 * key at the top is named first; in a choice (a file name or a mapping), the alternative of the
 * value's own type speaks, else the last one. */
export function firstProblem(issues: z.core.$ZodIssue[]): { key: string; message: string } {
  const issue = issues.find((i) => i.code === "unrecognized_keys" && i.path.length === 0) ??
    issues[0];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    const branch = issue.errors.find((b) =>
      !b.some((i) =>
        i.path.length === 0 && ["invalid_type", "invalid_value"].includes(i.code)
      )
    ) ?? issue.errors.at(-1)!;
    const inner = firstProblem(branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
    return inner;
  }
  if (issue.code === "invalid_key" && issue.issues.length > 0) {
    // A record's key: its own schema's words, about the key itself.
    return { key: keyOf(issue.path), message: issue.issues[0].message };
  }
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  return { key: keyOf(path), message: issue.message };
}

function keyOf(path: PropertyKey[]): string {
  return path.map((p, i) =>
    typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`
  )
    .join("");
}

/** The JSON Schema of upgrade-bot.yaml, for editors (`deno task schema` writes it). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CONFIG_SCHEMA, { target: "draft-7", io: "input", unrepresentable: "any" }),
    title: "upgrade-bot.yaml",
    description: "upgrade-bot's configuration: every key is optional (see docs/configuration.md).",
  };
}

if (import.meta.main) {
  await Deno.writeTextFile("upgrade-bot.schema.json", JSON.stringify(configJsonSchema(), null, 2));
}
