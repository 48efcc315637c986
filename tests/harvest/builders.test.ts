// Builders against real nix-build, locally and through a real sshd on 127.0.0.1.
import assert from "node:assert/strict";
import { $ } from "zx";
import type { BuildRequest } from "../../lib/harvest/builders/builder.ts";
import { makeBuilder } from "../../lib/harvest/builders/make.ts";
import { shellThatRunsNothing, startSshd, type TestSshd } from "../support/sshd.ts";

/** A package directory with one slow, silent derivation, unique per call so no store path is
 * reused. */
async function slowPackage(sleepSeconds: number): Promise<{ dir: string; nonce: string }> {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-builder-test-" });
  const nonce = crypto.randomUUID();
  await Deno.writeTextFile(
    `${dir}/slow.nix`,
    `derivation {
  name = "slow";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo started ${nonce}; /bin/sleep ${sleepSeconds}; echo done > $out" ];
}
`,
  );
  return { dir, nonce };
}

function request(dir: string, overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    dir,
    files: ["slow.nix"],
    expr: "{ slow = import ./slow.nix; }",
    args: ["--option", "substituters", ""],
    timeoutSeconds: 60,
    heartbeatSeconds: 30,
    logFile: `${dir}/build.log`,
    label: "test",
    ...overrides,
  };
}

/** The build dirs the remote side made in the test sshd's own TMPDIR. */
function remoteDirs(sshd: TestSshd): string[] {
  return [...Deno.readDirSync(sshd.tmpDir)].map((e) => e.name).filter((n) =>
    n.startsWith("upgrade-bot.")
  );
}

Deno.test("the ssh builder reports the host's system and builds there", async () => {
  const sshd = await startSshd();
  const { dir, nonce } = await slowPackage(0);
  try {
    const builder = makeBuilder(sshd.url, { config_file: sshd.sshConfig, options: [] });
    assert.equal(await builder.system(), `${Deno.build.arch}-linux`);
    const result = await builder.build(request(dir));
    assert.equal(result.exitCode, 0, result.output);
    const building = result.output.match(/upgrade-bot: building in (\S+)\/upgrade-bot\.\w+/);
    assert.ok(building, result.output);
    assert.equal(building[1], sshd.tmpDir, "in the build host's TMPDIR");
    assert.ok(result.output.includes(`started ${nonce}`));
    const log = await Deno.readTextFile(`${dir}/build.log`);
    assert.match(log, /=== test/);
    assert.ok(log.includes(`slow> started ${nonce}`), log);
  } finally {
    await sshd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a timeout stops the remote build and removes its temp dir", async () => {
  const sshd = await startSshd();
  const { dir, nonce } = await slowPackage(120);
  try {
    const before = remoteDirs(sshd);
    const builder = makeBuilder(sshd.url, { config_file: sshd.sshConfig, options: [] });
    const began = performance.now();
    const result = await builder.build(request(dir, { timeoutSeconds: 3 }));
    const took = (performance.now() - began) / 1000;
    assert.ok(result.timedOut);
    assert.ok(took < 20, `stopped in ${took}s`);
    // The remote side notices the closed connection and stops; give it a moment.
    let left: string[] = [];
    let running = "";
    for (let i = 0; i < 50; i++) {
      left = remoteDirs(sshd).filter((d) => !before.includes(d));
      running = (await $({ nothrow: true, quiet: true })`pgrep -f ${`started ${nonce}`}`).stdout
        .trim();
      if (left.length === 0 && running === "") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(left, [], "remote temp dir removed");
    assert.equal(running, "", "the remote build was stopped");
  } finally {
    await sshd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a silent build gets heartbeat lines", async () => {
  const { dir } = await slowPackage(3);
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const result = await makeBuilder("local", { config_file: null, options: [] })
      .build(request(dir, { heartbeatSeconds: 1 }));
    assert.equal(result.exitCode, 0, result.output);
  } finally {
    console.error = original;
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(lines.some((l) => /test: building slow/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /test: still building \(\d/.test(l)), lines.join("\n"));
});

Deno.test("the build host's login shell does not matter: bash, zsh, fish and sh", async () => {
  for (const shell of ["/usr/bin/bash", "/usr/bin/zsh", "/usr/bin/fish", "/usr/bin/sh"]) {
    const sshd = await startSshd({ loginShell: shell });
    const { dir, nonce } = await slowPackage(0);
    try {
      const builder = makeBuilder(sshd.url, { config_file: sshd.sshConfig, options: [] });
      assert.equal(await builder.system(), `${Deno.build.arch}-linux`, shell);
      assert.ok(await builder.cores() >= 1, shell);
      const result = await builder.build(request(dir));
      assert.equal(result.exitCode, 0, `${shell}: ${result.output}`);
      assert.ok(result.output.includes(`started ${nonce}`), `${shell}: ${result.output}`);
      // nix's own status comes back, not the login shell's.
      const failing = await builder.build(request(dir, { expr: '{ x = throw "no"; }' }));
      assert.notEqual(failing.exitCode, 0, shell);
    } finally {
      await sshd.stop();
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("a build host that did not run the build is a failure naming the host and what it printed", async () => {
  const fake = await shellThatRunsNothing();
  const sshd = await startSshd({ loginShell: fake });
  const { dir } = await slowPackage(0);
  try {
    const builder = makeBuilder(sshd.url, { config_file: sshd.sshConfig, options: [] });
    await assert.rejects(
      () => builder.build(request(dir)),
      (e: Error) => {
        assert.match(e.message, new RegExp(`build host ${sshd.url.replace(/[/.]/g, "\\$&")}`));
        assert.match(e.message, /did not run the build script/);
        assert.match(e.message, /fish: Expected a variable name after this \$\./);
        return true;
      },
    );
    await assert.rejects(() => builder.system(), /printed: fish: Expected a variable name/);
  } finally {
    await sshd.stop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(fake);
  }
});

Deno.test("arguments with line breaks, backslashes and quotes reach nix as they are, locally and on the build host", async () => {
  const sshd = await startSshd();
  const { dir } = await slowPackage(0);
  // printf %b reads the bundle's argument file back: none of its escapes may leak through.
  const weird = `two\nlines \\ \\n \\c \\0101 -n 'single' "double" $HOME \`id\` \t tab\n`;
  const digest = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(weird))),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  try {
    for (const spec of ["local", sshd.url]) {
      const builder = makeBuilder(spec, { config_file: sshd.sshConfig, options: [] });
      const result = await builder.build(request(dir, {
        expr: '{ weird }: builtins.trace "weird: ${builtins.hashString "sha256" weird}" { }',
        exprArgs: ["--argstr", "weird", weird],
        evaluateOnly: true,
      }));
      assert.equal(result.exitCode, 0, `${spec}: ${result.output}`);
      assert.ok(result.output.includes(`weird: ${digest}`), `${spec}: ${result.output}`);
    }
  } finally {
    await sshd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
