// Run before the test suite: fail fast, with the package to install, when a
// program the tests need is missing, rather than with a confusing test error.
//   deno run -A tests/support/preflight.ts

import { $ } from "zx";

/** Program -> Debian package that provides it. */
const PROGRAMS: [string, string][] = [
  ["nix-build", "nix-bin"],
  ["nix-hash", "nix-bin"],
  ["nix-instantiate", "nix-bin"],
  ["git", "git"],
  ["ssh", "openssh-client"],
  ["ssh-keygen", "openssh-client"],
  ["/usr/sbin/sshd", "openssh-server"],
  ["tar", "tar"],
  ["pgrep", "procps"],
  ["pkill", "procps"],
  // The target repository's own checks, run on the bot's branches (tests/support/repochecks.ts).
  ["yamllint", "yamllint"],
  ["/usr/bin/python3", "python3"],
  // A real OCI registry for the follow-through after merge (tests/support/registry.ts).
  ["/usr/bin/docker-registry", "docker-registry"],
  ["htpasswd", "apache2-utils"],
  // Login shells the test build host's user is given (the ssh builder must not depend on which).
  ["/usr/bin/zsh", "zsh"],
  ["/usr/bin/fish", "fish"],
  // The shell programs lib/ ships, checked (tests/shipped/programs.test.ts).
  ["shellcheck", "shellcheck"],
];

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

/** Problems found, one message each; empty when everything is there. */
export async function preflight(): Promise<{ problems: string[]; summary: string }> {
  const problems: string[] = [];
  for (const [program, pkg] of PROGRAMS) {
    if (!await which(program)) {
      problems.push(`missing program: ${program} — install it with: apt-get install ${pkg}`);
    }
  }
  const modules = await $({
    quiet: true,
    nothrow: true,
  })`/usr/bin/python3 -c ${"import rich, yaml, typer"}`;
  if (modules.exitCode !== 0) {
    problems.push(
      "missing Python modules for the target repository's checks — install them with: " +
        "apt-get install python3-rich python3-yaml python3-typer",
    );
  }
  if (problems.length) return { problems, summary: "" };

  // A unique name so the build really runs instead of finding a store path.
  const expr = `derivation {
    name = "upgrade-bot-preflight-${crypto.randomUUID().slice(0, 8)}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo ok > $out" ];
  }`;
  const build = await $({
    quiet: true,
    nothrow: true,
  })`nix-build --no-out-link --option substituters ${""} -E ${expr}`;
  if (build.exitCode !== 0) {
    problems.push(
      `nix-build cannot build a trivial derivation offline (run as root with sandbox = false?):\n${build.stderr}`,
    );
  }

  const nix = (await $({ quiet: true })`nix-build --version`).stdout.match(/\d+\.\d+(\.\d+)?/)?.[0];
  const git = (await $({ quiet: true })`git --version`).stdout.match(/\d+\.\d+(\.\d+)?/)?.[0];
  // ssh -V writes to stderr.
  const ssh = (await $({ quiet: true })`ssh -V`).stderr.match(/OpenSSH_[^\s,]+/)?.[0];
  return { problems, summary: `preflight: ok (nix ${nix}, git ${git}, ${ssh})` };
}

if (import.meta.main) {
  const { problems, summary } = await preflight();
  if (problems.length) {
    for (const p of problems) console.error(p);
    Deno.exit(1);
  }
  console.log(summary);
}
