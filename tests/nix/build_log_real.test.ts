// Tests for lib/nix/build_log.ts on real logs of the installed Nix: nix-build runs, so these are not
// in the unit tier (the transcripts of every format are in build_log.test.ts).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type ParsedLog, parseNixLog } from "../../lib/nix/build_log.ts";
import { placeholderHash } from "../../lib/nix/hash.ts";

const NIX_OPTIONS = ["--option", "substituters", ""];

async function run(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

function sriOf(content: string): string {
  return `sha256-${createHash("sha256").update(content).digest("base64")}`;
}

const DECOY = `got: ${placeholderHash("decoy")}`;

/** The lines the failing builder prints: 30 numbered lines, a decoy got line and optionally a fake mismatch block naming `fakeBlockFor` (the `ok` FOD, which builds fine). */
function brokenOutput(fakeBlockFor: string | null): string[] {
  const lines = Array.from({ length: 30 }, (_, i) => `broken line ${i + 1}`);
  lines.push(DECOY);
  if (fakeBlockFor) {
    lines.push(
      `error: hash mismatch in fixed-output derivation '${fakeBlockFor}':`,
      `         specified: ${placeholderHash("ok")}`,
      `            got:    ${placeholderHash("decoy")}`,
    );
  }
  return lines;
}

/**
 * A -k build of: two FODs with placeholder hashes (src, deps), one FOD with its
 * correct hash (ok), a dependant of src (app), a builder exiting 3 (broken) and
 * one killed by SIGKILL (killed). With `withFakeBlock`, broken also prints a
 * complete mismatch block for ok, which a parser reading build output would
 * report as a third mismatch. Contents carry `nonce` so nothing is in the store yet.
 */
function testExpression(nonce: string, withFakeBlock: boolean): string {
  const content = (name: string) => `${name} contents ${nonce}`;
  const shellEcho = (line: string) => `echo '${line}'`;
  const fakeBlock = withFakeBlock
    ? [
      `echo \\"error: hash mismatch in fixed-output derivation '\${builtins.unsafeDiscardStringContext ok.drvPath}':\\"`,
      shellEcho(`         specified: ${placeholderHash("ok")}`),
      shellEcho(`            got:    ${placeholderHash("decoy")}`),
    ].join("; ")
    : "true";
  return `
let
  system = builtins.currentSystem;
  fod = name: content: hash: derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" "echo fetching \${name}; echo '${DECOY}' >&2; printf '%s' '\${content}' > $out" ];
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = hash;
  };
  src = fod "src-${nonce}" "${content("src")}" "${placeholderHash("src")}";
  deps = fod "deps-${nonce}" "${content("deps")}" "${placeholderHash("deps")}";
  ok = fod "ok-${nonce}" "${content("ok")}" "${sriOf(content("ok"))}";
in {
  inherit src deps ok;
  app = derivation { name = "app-${nonce}"; inherit system; builder = "/bin/sh"; args = [ "-c" "cat \${src} > $out" ]; };
  broken = derivation {
    name = "broken-${nonce}"; inherit system; builder = "/bin/sh";
    args = [ "-c" "i=1; while [ $i -le 30 ]; do echo broken line $i; i=$((i+1)); done; echo '${DECOY}' >&2; ${fakeBlock}; exit 3" ];
  };
  killed = derivation {
    name = "killed-${nonce}"; inherit system; builder = "/bin/sh";
    args = [ "-c" "echo about to die; kill -9 $$" ];
  };
}
`;
}

const ATTRS = ["src", "deps", "ok", "app", "broken", "killed"] as const;

/** Writes the expression, instantiates it and returns the file, its drv paths by attribute and the nonce. */
async function prepare(dir: string, withFakeBlock: boolean) {
  const nonce = crypto.randomUUID();
  const file = `${dir}/test.nix`;
  await Deno.writeTextFile(file, testExpression(nonce, withFakeBlock));
  const inst = await run("nix-instantiate", [
    file,
    ...ATTRS.flatMap((a) => ["-A", a]),
    ...NIX_OPTIONS,
  ]);
  assert.ok(inst.ok, inst.stderr);
  const paths = inst.stdout.trim().split("\n");
  assert.equal(paths.length, ATTRS.length);
  const drvs = Object.fromEntries(ATTRS.map((a, i) => [a, paths[i]])) as Record<
    typeof ATTRS[number],
    string
  >;
  return { file, drvs, nonce };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nixlog-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertRealRun(
  parsed: ParsedLog,
  drvs: Record<string, string>,
  nonce: string,
  tail: string[],
): void {
  // Build order is Nix's choice (and parallel in one run): compare sorted by drv.
  const byDrv = (
    a: { drv: string | null },
    b: { drv: string | null },
  ) => (a.drv! < b.drv! ? -1 : 1);
  assert.deepEqual(
    [...parsed.mismatches].sort(byDrv),
    [
      { drv: drvs.src, specified: placeholderHash("src"), got: sriOf(`src contents ${nonce}`) },
      { drv: drvs.deps, specified: placeholderHash("deps"), got: sriOf(`deps contents ${nonce}`) },
    ].sort(byDrv),
  );
  const failures = Object.fromEntries(parsed.failures.map((f) => [f.drv, f]));
  assert.deepEqual(Object.keys(failures).sort(), [drvs.broken, drvs.killed].sort());
  assert.equal(
    failures[drvs.broken].message,
    `builder for '${drvs.broken}' failed with exit code 3`,
  );
  assert.deepEqual(failures[drvs.broken].logTail, tail);
  assert.match(failures[drvs.killed].message, /failed due to signal 9/);
  assert.deepEqual(failures[drvs.killed].logTail, ["about to die"]);
  assert.deepEqual(parsed.skipped, [drvs.app]);
}

Deno.test("real nix-build -k, plain log: exact mismatches, failures with tails, the skipped dependant", async () => {
  await withTempDir(async (dir) => {
    const { file, drvs, nonce } = await prepare(dir, false);
    // One build at a time: a plain log cannot attribute interleaved output.
    const build = await run("nix-build", [
      file,
      "-k",
      "--no-out-link",
      "--max-jobs",
      "1",
      ...NIX_OPTIONS,
    ]);
    assert.equal(build.ok, false);
    assert.ok(build.stderr.includes(DECOY), "the decoy got line is in the log");
    assertRealRun(parseNixLog(build.stderr), drvs, nonce, brokenOutput(null).slice(-25));
  });
});

/** The type-101 (build output) lines of an internal-json log. */
function buildOutputLines(log: string): string[] {
  return log.split("\n").filter((l) => l.startsWith("@nix ")).map((l) => JSON.parse(l.slice(5)))
    .filter((e) => e.action === "result" && e.type === 101).map((e) => e.fields[0]);
}

Deno.test("real nix-build -k, internal-json, parallel: exact results despite a fake block in build output", async () => {
  await withTempDir(async (dir) => {
    const { file, drvs, nonce } = await prepare(dir, true);
    const build = await run("nix-build", [
      file,
      "-k",
      "--no-out-link",
      "--max-jobs",
      "4",
      "--log-format",
      "internal-json",
      ...NIX_OPTIONS,
    ]);
    assert.equal(build.ok, false);
    const fake = brokenOutput(drvs.ok).slice(-3);
    assert.deepEqual(buildOutputLines(build.stderr).filter((l) => fake.includes(l)), fake);
    assertRealRun(parseNixLog(build.stderr), drvs, nonce, brokenOutput(drvs.ok).slice(-25));
  });
});

Deno.test("real nix-build evaluation error: drv null, message with the «string» position", async () => {
  for (const format of [[], ["--log-format", "internal-json"]]) {
    const build = await run("nix-build", [
      "-E",
      "let x = 1; in x + y",
      "--no-out-link",
      ...format,
      ...NIX_OPTIONS,
    ]);
    assert.equal(build.ok, false);
    const parsed = parseNixLog(build.stderr);
    assert.deepEqual(parsed.mismatches, []);
    assert.deepEqual(parsed.skipped, []);
    assert.equal(parsed.failures.length, 1, build.stderr);
    assert.equal(parsed.failures[0].drv, null);
    assert.match(parsed.failures[0].message, /^undefined variable 'y'\n\nat «string»:1:19:/);
  }
});
