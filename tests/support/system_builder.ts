// Test support: a second loopback sshd standing in for a build machine of another system
// (aarch64-linux), reached through Nix's distributed builds (`ssh-ng://`).
//
// It runs in a mount namespace of its own with its own /nix and /etc/nix, as a separate machine
// has: on one shared store, the local build would hold the lock on an output path that the
// "remote" build of the same path then waits for forever. Its nix.conf claims the other system
// through `extra-platforms` (this x86_64 machine runs the stand-in's shell builders for it) and
// builds as root (`build-users-group =`): on a shared /etc/passwd, the local Nix kills every
// process of a build user it finished with, the other store's builds included.
import { startSshd, type TestSshd } from "./sshd.ts";

export interface SystemBuilder {
  /** The store URI a machines line or config `build.builders` names. */
  uri: string;
  system: string;
  /** The ssh options Nix needs to reach it (for NIX_SSHOPTS). */
  sshOpts: string;
  stop(): Promise<void>;
}

/** Why no system builder can run here (no mount namespaces), or null. */
export async function systemBuilderSkip(): Promise<string | null> {
  const probe = await new Deno.Command("unshare", {
    args: ["-m", "--propagation", "private", "true"],
    stdout: "null",
    stderr: "piped",
  }).output().catch((e: Error) => ({
    success: false,
    stderr: new TextEncoder().encode(e.message),
  }));
  if (probe.success) return null;
  return `a build machine of another system needs a mount namespace of its own (unshare -m): ${
    new TextDecoder().decode(probe.stderr).trim()
  }`;
}

export async function startSystemBuilder(system = "aarch64-linux"): Promise<SystemBuilder> {
  const root = await Deno.makeTempDir({ prefix: "upgrade-bot-system-builder-" });
  await Deno.mkdir(`${root}/nix`);
  await Deno.mkdir(`${root}/etc-nix`);
  await Deno.writeTextFile(
    `${root}/etc-nix/nix.conf`,
    `sandbox = false
extra-platforms = ${system}
substituters =
build-users-group =
`,
  );
  let sshd: TestSshd;
  try {
    sshd = await startSshd({
      wrap: [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind "$1/nix" /nix && mount --bind "$1/etc-nix" /etc/nix && shift && exec "$@"',
        "sh",
        root,
      ],
    });
  } catch (e) {
    await Deno.remove(root, { recursive: true });
    throw e;
  }
  return {
    uri: `ssh-ng://root@${sshd.host}`,
    system,
    sshOpts: `-F ${sshd.sshConfig}`,
    stop: async () => {
      await sshd.stop();
      await Deno.remove(root, { recursive: true });
    },
  };
}
