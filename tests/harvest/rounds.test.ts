// Tests for lib/harvest/rounds.ts: the job settings of each round (every pending FOD at once, the
// verifying round left alone), and against real nix-build what a harvest may call verified.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { harvest, type HarvestResult, jobArgs } from "../../lib/harvest/rounds.ts";
import { LocalBuilder } from "../../lib/harvest/builders/local.ts";
import { packageSpecs, parseConfig, runSettings } from "../../lib/runtime/config.ts";
import { nixBase32Encode } from "../../lib/nix/hash.ts";

/** A flat fixed-output derivation whose output is `content`. */
function fod(name: string, content: string, algo: string, hash: string): string {
  return `derivation {
  name = "${name}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "printf %s '${content}' > $out" ];
  outputHashMode = "flat";
  outputHashAlgo = "${algo}";
  outputHash = "${hash}";
}
`;
}

function base32(algo: string, content: string): string {
  return nixBase32Encode(new Uint8Array(createHash(algo).update(content).digest()));
}

async function run(
  files: Record<string, string>,
  hashes: string,
  build = "test-build.nix",
): Promise<{ result: HarvestResult; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-rounds-test-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  const config = parseConfig(
    `package: { dir: ".", name: t }\nhashes:\n${hashes}\nbuild: { file: ${build}, max_rounds: 4, args: ["--option", "substituters", ""] }\n`,
    "test.yaml",
  );
  const result = await harvest({
    settings: runSettings(config),
    package: packageSpecs(config)[0],
    dir,
    files: Object.keys(files),
    builder: new LocalBuilder(),
    system: `${Deno.build.arch}-linux`,
    log: `${dir}/build.log`,
  });
  return { result, dir };
}

Deno.test("an unchanged legacy base32 hash is reported unchanged and keeps its spelling; sha512 FODs get sha512 placeholders", async () => {
  const nonce = crypto.randomUUID();
  const same = base32("sha256", `same ${nonce}`);
  const stale512 = base32("sha512", `old ${nonce}`);
  const { result, dir } = await run(
    {
      "a.nix": fod(`a-${nonce}`, `same ${nonce}`, "sha256", same),
      "b.nix": fod(`b-${nonce}`, `new ${nonce}`, "sha512", stale512),
      "test-build.nix": `{ a = import ./a.nix; b = import ./b.nix; }\n`,
    },
    `  - { name: a, file: a.nix, key: outputHash }\n  - { name: b, file: b.nix, key: outputHash }`,
  );
  try {
    assert.equal(result.failure, null, JSON.stringify(result.failure));
    assert.ok(result.verified);
    const [a, b] = result.hashes;
    assert.equal(a.unchanged, true, `${a.old} -> ${a.new}`);
    assert.ok((await Deno.readTextFile(`${dir}/a.nix`)).includes(`"${same}"`));
    assert.equal(b.unchanged, false);
    assert.match(b.new!, /^sha512-/);
    const want = `sha512-${createHash("sha512").update(`new ${nonce}`).digest("base64")}`;
    assert.equal(b.new, want);
    // The hash check's listing ran beside the verifying round: both are in the log, in order, and
    // rendered (no raw JSON lines left over).
    const log = await Deno.readTextFile(`${dir}/build.log`);
    const sections = [...log.matchAll(/^=== (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ["round 1", "round 2", "hash check"]);
    assert.doesNotMatch(log, /^@nix /m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a literal that is not the evaluated outputHash after the last round is never verified", async () => {
  const nonce = crypto.randomUUID();
  const sri = (content: string) =>
    `sha256-${createHash("sha256").update(content).digest("base64")}`;
  // The literal decides the FOD's hash only while it holds its placeholder (the harvest writes the
  // got hash back); after that the FOD uses another hash, so the build passes with a literal no
  // derivation has: every placeholder is gone, yet the literal was never checked.
  const c = `let
  hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  placeholder = builtins.elem hash [ PLACEHOLDERS ];
in derivation {
  name = "c-${nonce}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" (if placeholder then "printf %s one > $out" else "printf %s two > $out") ];
  outputHashMode = "flat";
  outputHashAlgo = "sha256";
  outputHash = if placeholder then hash else "${sri("two")}";
}
`;
  const { placeholderHash } = await import("../../lib/nix/hash.ts");
  const { result, dir } = await run(
    {
      "c.nix": c.replace("PLACEHOLDERS", `"${placeholderHash("c")}"`),
      "test-build.nix": `{ c = import ./c.nix; }\n`,
    },
    `  - { name: c, file: c.nix, key: hash }`,
  );
  try {
    assert.equal(result.verified, false);
    assert.equal(result.failure?.kind, "unverified-hash", JSON.stringify(result.failure));
    assert.match(
      result.failure!.message,
      new RegExp(
        `c \\(c\\.nix\\) holds ${
          sri("one").replace(/[+/]/g, "\\$&")
        }, which is the outputHash of no fixed-output derivation`,
      ),
    );
    assert.equal(result.hashes[0].new, sri("one"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a verifying round that fails is a build failure; the hash check beside it is over by then", async () => {
  const nonce = crypto.randomUUID();
  const { result, dir } = await run(
    {
      "a.nix": fod(`a-${nonce}`, `a ${nonce}`, "sha256", base32("sha256", `old ${nonce}`)),
      // Builds only once a's hash is harvested (-k skips it while a fails), then fails.
      "test-build.nix": `{ a = import ./a.nix; broken = derivation {
  name = "broken-${nonce}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo broken-on-purpose; exit 1" ];
  a = import ./a.nix;
}; }
`,
    },
    `  - { name: a, file: a.nix, key: outputHash }`,
  );
  try {
    assert.equal(result.failure?.kind, "build", JSON.stringify(result.failure));
    assert.equal(result.rounds.length, 2);
    assert.equal(result.verified, false);
    const log = await Deno.readTextFile(`${dir}/build.log`);
    const sections = [...log.matchAll(/^=== (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ["round 1", "round 2", "hash check"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a harvesting round runs a job per pending hash, with the cores divided among them", () => {
  assert.deepEqual(jobArgs(5, null, 2), ["--max-jobs", "5", "--cores", "1"]);
  assert.deepEqual(jobArgs(2, null, 16), ["--max-jobs", "2", "--cores", "8"]);
  // More jobs configured than hashes pending: the configured number stays.
  assert.deepEqual(jobArgs(3, 8, 16), ["--max-jobs", "8", "--cores", "2"]);
  assert.deepEqual(jobArgs(3, "auto", 4), ["--max-jobs", "4", "--cores", "1"]);
});

Deno.test("the verifying round keeps the builder's nix.conf, or build.max_jobs", () => {
  assert.deepEqual(jobArgs(0, null, 16), []);
  assert.deepEqual(jobArgs(0, 4, 16), ["--max-jobs", "4"]);
  assert.deepEqual(jobArgs(0, "auto", 16), ["--max-jobs", "auto"]);
});
