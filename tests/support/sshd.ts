// A real sshd on 127.0.0.1 standing in for the remote build host (ringtail).
// Keys are generated per instance and host keys are always checked: the
// bot must work with StrictHostKeyChecking, never around it.

import { $ } from "zx";

export interface TestSshd {
  port: number;
  host: "127.0.0.1";
  user: string;
  /** ssh://root@127.0.0.1:<port> */
  url: string;
  /** ssh_config for `ssh -F`: this instance's key and known_hosts, strict host key checking. */
  sshConfig: string;
  /** The same, but known_hosts holds a different host key (for host-key-mismatch tests). */
  wrongKnownHostsConfig: string;
  /** The sessions' TMPDIR (sshd_config SetEnv), this instance's own: what a build host leaves in
   * its temp dir is seen here, never among other tests' (or other suites') files in /tmp. */
  tmpDir: string;
  /** Kills this instance's sessions (`sshd: root@notty`, children of its listener), as a dropped
   * connection would; other sshds' sessions, other tests' or the machine's, are left alone. */
  dropSessions(): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";

/** A port nobody listens on right now (the small race until sshd binds is acceptable in tests). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function keygen(path: string): Promise<string> {
  await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${""} -C upgrade-bot-test -f ${path}`;
  return (await Deno.readTextFile(`${path}.pub`)).trim();
}

function clientConfig(dir: string, port: number, knownHosts: string): string {
  // `Host *` so any alias given on the command line gets the same settings;
  // Port is the default only, `-p` still wins.
  return `Host *
  User root
  Port ${port}
  IdentityFile ${dir}/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile ${knownHosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
`;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

export interface SshdOptions {
  /** Environment for every session (sshd_config SetEnv): ssh does not pass the client's
   * environment, so settings a remote build needs (e.g. real_world.ts' sshdEnv) go here. Values
   * may not hold double quotes, backslashes or newlines. */
  setEnv?: Record<string, string>;
  /** Run every session's command through this shell instead of root's login shell (ForceCommand
   * `exec SHELL -c "$SSH_ORIGINAL_COMMAND"`, as sshd runs a login shell): the build host's user
   * with a fish, zsh or sh login shell, without touching root's. */
  loginShell?: string;
  /** A command sshd runs under (it ends with sshd and its arguments appended), e.g. one that gives
   * it a mount namespace of its own. */
  wrap?: string[];
}

/** sshd_config's SetEnv line for `env`, or "" when there is nothing to set. */
function setEnvLine(env: Record<string, string>): string {
  const pairs = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /["\\\n\r]/.test(v)) {
      throw new Error(`startSshd: cannot pass ${k} through sshd_config SetEnv`);
    }
    return `"${k}=${v}"`;
  });
  return pairs.length ? `SetEnv ${pairs.join(" ")}\n` : "";
}

export async function startSshd(options: SshdOptions = {}): Promise<TestSshd> {
  const dir = await Deno.makeTempDir({ prefix: "upgrade-bot-sshd-" });
  const tmpDir = `${dir}/tmp`;
  // Builds run as nixbld users, which must reach the build dir's files.
  await Deno.mkdir(tmpDir, { mode: 0o755 });
  await Deno.chmod(dir, 0o755);
  const env = setEnvLine({ TMPDIR: tmpDir, ...options.setEnv }) +
    (options.loginShell
      ? `ForceCommand exec ${options.loginShell} -c "$SSH_ORIGINAL_COMMAND"\n`
      : "");
  const port = freePort();
  const hostPub = await keygen(`${dir}/ssh_host_ed25519_key`);
  const clientPub = await keygen(`${dir}/id_ed25519`);
  const otherHostPub = await keygen(`${dir}/other_host_key`);
  await Deno.writeTextFile(`${dir}/authorized_keys`, clientPub + "\n");

  // Non-default ports are recorded as [host]:port in known_hosts.
  const keyOnly = (pub: string) => pub.split(" ").slice(0, 2).join(" ");
  await Deno.writeTextFile(`${dir}/known_hosts`, `[127.0.0.1]:${port} ${keyOnly(hostPub)}\n`);
  await Deno.writeTextFile(
    `${dir}/wrong_known_hosts`,
    `[127.0.0.1]:${port} ${keyOnly(otherHostPub)}\n`,
  );
  const sshConfig = `${dir}/ssh_config`;
  const wrongKnownHostsConfig = `${dir}/ssh_config_wrong_host_key`;
  await Deno.writeTextFile(sshConfig, clientConfig(dir, port, `${dir}/known_hosts`));
  await Deno.writeTextFile(
    wrongKnownHostsConfig,
    clientConfig(dir, port, `${dir}/wrong_known_hosts`),
  );

  // StrictModes no: the temp dir's owner/modes are not what sshd expects of
  // a home directory. UsePAM no: no PAM session setup in containers.
  await Deno.writeTextFile(
    `${dir}/sshd_config`,
    `ListenAddress 127.0.0.1
Port ${port}
HostKey ${dir}/ssh_host_ed25519_key
AuthorizedKeysFile ${dir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
PidFile ${dir}/sshd.pid
${env}`,
  );
  // Privilege separation directory, missing when sshd never ran as a service.
  await Deno.mkdir("/run/sshd", { recursive: true });

  const argv = [...options.wrap ?? [], SSHD, "-D", "-e", "-f", `${dir}/sshd_config`];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Keep sshd's log for error messages; reading it also keeps the pipe drained.
  let log = "";
  const logDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log += chunk;
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  const dropSessions = async () => {
    await $({ nothrow: true, quiet: true })`pkill -P ${child.pid} -f ${"sshd: root@notty"}`;
  };

  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await logDone;
    await Deno.remove(dir, { recursive: true });
  };

  try {
    const deadline = Date.now() + 15_000;
    while (!await canConnect(port)) {
      if (exited) throw new Error(`sshd exited early:\n${log}`);
      if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const probe = await $({
      quiet: true,
      nothrow: true,
    })`ssh -F ${sshConfig} -p ${port} root@127.0.0.1 true`;
    if (probe.exitCode !== 0) {
      throw new Error(`ssh to the test sshd failed: ${probe.stderr}\nsshd log:\n${log}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    port,
    host: "127.0.0.1",
    user: "root",
    url: `ssh://root@127.0.0.1:${port}`,
    sshConfig,
    wrongKnownHostsConfig,
    tmpDir,
    dropSessions,
    stop,
  };
}

/** A login shell that cannot parse the command, says so as fish would, and exits 0 anyway: a
 * build host that ran nothing must never read as a pass. The caller removes the file. */
export async function shellThatRunsNothing(): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "upgrade-bot-fake-shell-" });
  await Deno.writeTextFile(
    path,
    "#!/bin/sh\ncat >/dev/null &\necho 'fish: Expected a variable name after this $.'\nexit 0\n",
  );
  await Deno.chmod(path, 0o755);
  return path;
}
