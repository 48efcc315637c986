// `deno task test`: the whole suite, its files side by side (`deno test --parallel`), with /tmp on a
// tmpfs of the suite's own when it can have one: run as root with unshare, the suite gets a mount
// namespace of its own whose /tmp is a fresh tmpfs, gone when the suite ends, seen by nothing else
// on the machine. Why: the tests create and delete many files (worlds, clones, builds), and on a
// disk file system without a journal (this project's machine) ext4 passes over every recently
// deleted inode to allocate one: measured, that scan was most of the suite's system time
// (docs/architecture.md). Elsewhere the suite runs as it is, in $TMPDIR.
//   deno run -A tests/tools/suite.ts PATH...
import { which } from "./preflight.ts";

/** Runs `argv` to its end with the terminal's streams; its exit code. */
async function run(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const [program, ...args] = argv;
  return (await new Deno.Command(program, { args, env }).spawn().status).code;
}

/** The unshare prefix that gives `argv` a private tmpfs at /tmp, or why there is none. */
async function privateTmp(): Promise<{ prefix: string[] } | { why: string }> {
  if (Deno.uid() !== 0) return { why: "not root" };
  const unshare = await which("unshare");
  const mount = await which("mount");
  if (!unshare || !mount) return { why: "no unshare or mount on PATH" };
  const prefix = [
    unshare,
    "--mount",
    "--propagation",
    "private",
    "--",
    "/bin/sh",
    "-c",
    // A mount the kernel refuses (a container without CAP_SYS_ADMIN) fails here, before the tests.
    // The script is constant: the mount program comes in as $1, the command after it.
    '"$1" -t tmpfs -o mode=1777 upgrade-bot-tests /tmp && shift && exec "$@"',
    "suite",
    mount,
  ];
  const probe = await new Deno.Command(prefix[0], {
    args: [...prefix.slice(1), "true"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!probe.success) {
    return { why: `unshare and mount failed: ${new TextDecoder().decode(probe.stderr).trim()}` };
  }
  return { prefix };
}

if (import.meta.main) {
  const test = [Deno.execPath(), "test", "-A", "--frozen", "--parallel", ...Deno.args];
  // Four files at a time: most of a file's time is spent waiting on the programs it starts.
  const env = { DENO_JOBS: Deno.env.get("DENO_JOBS") ?? "4" };
  const tmp = await privateTmp();
  if ("prefix" in tmp) {
    console.log("suite: /tmp is a tmpfs of the suite's own (a private mount namespace)");
    Deno.exit(await run([...tmp.prefix, ...test], { ...env, TMPDIR: "/tmp" }));
  }
  console.log(`suite: temporary files in ${Deno.env.get("TMPDIR") ?? "/tmp"} (${tmp.why})`);
  Deno.exit(await run(test, env));
}
