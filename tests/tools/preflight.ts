// What the demo and the test suite need from the machine, installed when it is missing: Debian
// packages through apt-get when run as root, else the one apt-get line to run. Then a trivial
// offline nix-build, so a Nix that cannot build says so here rather than as a confusing test error.
//   deno run -A tests/tools/preflight.ts demo|test
// The unit tier (deno task test:unit) needs none of it.

type Purpose = "demo" | "test";

/** A program (an absolute path, or a name looked up on PATH), the Debian packages that provide it,
 * and what needs it. */
interface Requirement {
  program: string;
  packages: string[];
  for: Purpose[];
}

const NIX = ["nix-bin", "nix-setup-systemd"];
const BOTH: Purpose[] = ["demo", "test"];
const REQUIREMENTS: Requirement[] = [
  { program: "nix-build", packages: NIX, for: BOTH },
  { program: "nix-instantiate", packages: NIX, for: BOTH },
  { program: "nix-hash", packages: NIX, for: ["test"] },
  { program: "git", packages: ["git"], for: BOTH },
  { program: "ssh", packages: ["openssh-client"], for: ["test"] },
  { program: "ssh-keygen", packages: ["openssh-client"], for: ["test"] },
  { program: "/usr/sbin/sshd", packages: ["openssh-server"], for: ["test"] },
  { program: "tar", packages: ["tar"], for: ["test"] },
  { program: "pgrep", packages: ["procps"], for: ["test"] },
  { program: "pkill", packages: ["procps"], for: ["test"] },
  { program: "flock", packages: ["util-linux"], for: ["test"] },
  // The target repository's own checks, run on the bot's branches (tests/support/repo_checks.ts).
  { program: "yamllint", packages: ["yamllint"], for: ["test"] },
  { program: "/usr/bin/python3", packages: ["python3"], for: ["test"] },
  // A real OCI registry for the follow-through after merge (tests/support/registry.ts).
  { program: "/usr/bin/docker-registry", packages: ["docker-registry"], for: ["test"] },
  { program: "htpasswd", packages: ["apache2-utils"], for: ["test"] },
  // Login shells the test build host's user is given (the ssh builder must not depend on which).
  { program: "/usr/bin/zsh", packages: ["zsh"], for: ["test"] },
  { program: "/usr/bin/fish", packages: ["fish"], for: ["test"] },
  // The shell programs lib/ ships, checked (tests/shipped/programs.test.ts).
  { program: "shellcheck", packages: ["shellcheck"], for: ["test"] },
];

/** Python modules the target repository's checks import, and their Debian packages. */
const PYTHON_MODULES = ["rich", "yaml", "typer"];
const PYTHON_PACKAGES = ["python3", "python3-rich", "python3-yaml", "python3-typer"];

async function isExecutable(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Absolute path of `program` (as given when absolute, else searched on PATH), or undefined. */
export async function which(program: string): Promise<string | undefined> {
  if (program.startsWith("/")) return await isExecutable(program) ? program : undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && await isExecutable(`${dir}/${program}`)) return `${dir}/${program}`;
  }
  return undefined;
}

/** Runs a program to its end; its output, and whether it succeeded (false when it is missing). */
async function run(
  program: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder();
    return {
      success: out.success,
      stdout: text.decode(out.stdout),
      stderr: text.decode(out.stderr),
    };
  } catch (e) {
    return { success: false, stdout: "", stderr: (e as Error).message };
  }
}

/** The Debian packages `purpose` needs that are missing here, each once. */
async function missingPackages(purpose: Purpose): Promise<string[]> {
  const missing = new Set<string>();
  for (const r of REQUIREMENTS) {
    if (r.for.includes(purpose) && !await which(r.program)) {
      r.packages.forEach((p) => missing.add(p));
    }
  }
  if (purpose === "test") {
    const python = await run("/usr/bin/python3", ["-c", `import ${PYTHON_MODULES.join(", ")}`]);
    if (!python.success) PYTHON_PACKAGES.forEach((p) => missing.add(p));
  }
  return [...missing];
}

/** Installs `packages` with apt-get (as root, no questions), after one `apt-get update`; whether
 * it could. Another apt-get at work is waited for rather than failed on. */
async function aptInstall(packages: string[]): Promise<boolean> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const wait = ["-o", "DPkg::Lock::Timeout=300"];
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", ...packages]]) {
    console.log(`preflight: apt-get ${args.join(" ")}`);
    const status = await new Deno.Command("apt-get", {
      args: [...wait, ...args],
      env,
      stdout: "null",
    })
      .spawn().status;
    if (!status.success) {
      console.error(`preflight: apt-get ${args[0]} failed (exit ${status.code})`);
      return false;
    }
  }
  return true;
}

/** Why nix-build cannot build a trivial derivation offline, or undefined when it can. */
async function nixBuildProblem(): Promise<string | undefined> {
  // A unique name so the build really runs instead of finding a store path.
  const expr = `derivation {
    name = "upgrade-bot-preflight-${crypto.randomUUID().slice(0, 8)}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo ok > $out" ];
  }`;
  const build = await run("nix-build", [
    "--no-out-link",
    "--option",
    "substituters",
    "",
    "-E",
    expr,
  ]);
  if (build.success) return undefined;
  return `nix-build cannot build a trivial derivation offline ` +
    `(run as root with sandbox = false?):\n${build.stderr}`;
}

/** Makes the machine ready for `purpose`; the exit code (0 ready, 1 not). */
async function preflight(purpose: Purpose): Promise<number> {
  let missing = await missingPackages(purpose);
  if (missing.length > 0) {
    const root = Deno.uid() === 0;
    if (!root || !await which("apt-get")) {
      console.error(
        `preflight: the ${purpose} needs Debian packages this machine lacks; run as root:`,
      );
      console.log(`apt-get install -y ${missing.join(" ")}`);
      return 1;
    }
    if (!await aptInstall(missing)) return 1;
    missing = await missingPackages(purpose);
    if (missing.length > 0) {
      console.error(`preflight: still missing after apt-get install: ${missing.join(" ")}`);
      return 1;
    }
  }
  const problem = await nixBuildProblem();
  if (problem) {
    console.error(`preflight: ${problem}`);
    return 1;
  }
  const version = async (program: string, args: string[], pattern: RegExp) => {
    const out = await run(program, args);
    return (out.stdout + out.stderr).match(pattern)?.[0];
  };
  const nix = await version("nix-build", ["--version"], /\d+\.\d+(\.\d+)?/);
  const git = await version("git", ["--version"], /\d+\.\d+(\.\d+)?/);
  const ssh = purpose === "test" ? `, ${await version("ssh", ["-V"], /OpenSSH_[^\s,]+/)}` : "";
  console.log(`preflight (${purpose}): ok (nix ${nix}, git ${git}${ssh})`);
  return 0;
}

if (import.meta.main) {
  const [purpose] = Deno.args;
  if (purpose !== "demo" && purpose !== "test") {
    console.error("usage: deno run -A tests/tools/preflight.ts demo|test");
    Deno.exit(2);
  }
  Deno.exit(await preflight(purpose));
}
