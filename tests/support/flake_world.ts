// Test helper: a NixOS flake in the shape of the real repository's nixos/ringtail one (nixpkgs on a release branch, disko and home-manager following it), its inputs as git repositories on the Forgejo stand-in that gain commits, the nixpkgs stand-in behind them.
import { $ } from "zx";

/** Nix with flakes, offline, for the test's own commands (the bot's runs get theirs from the
 * config's build.args, as an ssh build host must). */
const NIX_CONFIG = "experimental-features = nix-command flakes\nsubstituters =\n";

const NIXPKGS_STANDIN = new URL("../nixpkgs/", import.meta.url).pathname;

const env = {
  ...Deno.env.toObject(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "upstream",
  GIT_AUTHOR_EMAIL: "upstream@example.org",
  GIT_COMMITTER_NAME: "upstream",
  GIT_COMMITTER_EMAIL: "upstream@example.org",
  NIX_CONFIG,
};

/** The nixpkgs input: the stand-in, plus the packages the host runs and a `lib.nixosSystem` whose
 * toplevel's closure holds every package its modules list. `versions.nix` moves them. */
const NIXPKGS_FLAKE = `{
  outputs = { self }:
    let
      pkgs = import ./default.nix { system = "x86_64-linux"; };
      versions = import ./versions.nix;
      # A package of \`kib\` KiB (its size shows in the closure's diff), or one whose build
      # fails saying \`fail\`.
      mk = name: v:
        assert builtins.isInt v.kib && v.kib >= 0 && v.kib <= 1024;
        pkgs.runCommand "\${name}-\${v.version}" { } (if v ? fail then ''
          echo "\${v.fail}" >&2
          exit 1
        '' else ''
          mkdir -p $out
          head -c \${toString (v.kib * 1024)} /dev/zero > $out/payload
        '');
      packages = builtins.mapAttrs mk versions;
    in {
      legacyPackages.x86_64-linux = pkgs // packages;
      lib = pkgs.lib // {
        nixosSystem = { system, modules }:
          let all = builtins.concatLists (map (m: (if builtins.isPath m then import m else m) packages) modules);
          in {
            config.system.build.toplevel = pkgs.runCommand "nixos-system-ringtail" { } ''
              mkdir -p $out
              echo \${builtins.concatStringsSep " " (map toString all)} > $out/packages
            '';
          };
      };
    };
}
`;

/** A nixpkgs version set: name -> version and size. */
export type Versions = Record<string, { version: string; kib: number; fail?: string }>;

function versionsNix(v: Versions): string {
  return `{\n${
    Object.entries(v).map(([n, x]) =>
      `  ${n} = { version = "${x.version}"; kib = ${x.kib};${
        x.fail ? ` fail = "${x.fail}";` : ""
      } };`
    )
      .join("\n")
  }\n}\n`;
}

/** An input that provides a module adding one package of its own (`<name>-<version>`). */
function moduleFlake(name: string, attr: string, version: string): string {
  return `{
  inputs.nixpkgs.url = "git+file:///nonexistent";
  outputs = { self, nixpkgs }: {
    nixosModules.${attr} = packages: [ (nixpkgs.legacyPackages.x86_64-linux.runCommand "${name}-${version}" { } "mkdir -p $out; echo ${version} > $out/v") ];
  };
}
`;
}

export interface FlakeWorld {
  /** Each input's work tree (pushes to its bare repository on the forge). */
  commit: (
    input: "nixpkgs" | "disko" | "home-manager",
    files: Record<string, string>,
  ) => Promise<string>;
  /** nixpkgs' package set moved to `versions`. */
  versions: (v: Versions) => Promise<string>;
  /** The ringtail flake's flake.nix and flake.lock (made by the test's Nix), in place of the real
   * repository's, whose inputs are on GitHub. */
  files: () => Promise<Record<string, string>>;
}

/** The three inputs under `<mirrorsDir>/mirrors/`, served by the forge at `forgeUrl`. */
export async function makeFlakeWorld(
  root: string,
  mirrorsDir: string,
  forgeUrl: string,
  /** `user:token` of a reader: the stand-in asks credentials of every git client. */
  reader: string,
): Promise<FlakeWorld> {
  const branches = { nixpkgs: "nixos-25.11", disko: "master", "home-manager": "release-25.11" };
  const work = (name: string) => `${root}/flake-inputs/${name}`;
  const bare = (name: string) => `${mirrorsDir}/mirrors/${name}.git`;
  const sh = (cwd: string) => $({ cwd, env, quiet: true });
  const commit = async (name: keyof typeof branches, files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${work(name)}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.writeTextFile(`${work(name)}/${path}`, text);
    }
    await sh(work(name))`git add -A`;
    await sh(work(name))`git commit -qm ${`change ${Object.keys(files).join(", ")}`}`;
    await sh(work(name))`git push -q origin HEAD:${branches[name]}`;
    return (await sh(work(name))`git rev-parse HEAD`).stdout.trim();
  };
  for (const name of Object.keys(branches) as (keyof typeof branches)[]) {
    await Deno.mkdir(work(name), { recursive: true });
    await Deno.mkdir(bare(name), { recursive: true });
    await sh(bare(name))`git init -q --bare --initial-branch=${branches[name]}`;
    await sh(work(name))`git init -q --initial-branch=${branches[name]}`;
    await sh(work(name))`git remote add origin ${bare(name)}`;
  }
  await sh(work("nixpkgs"))`cp -r ${NIXPKGS_STANDIN}default.nix ${work("nixpkgs")}/`;
  await commit("nixpkgs", {
    "flake.nix": NIXPKGS_FLAKE,
    "versions.nix": versionsNix({
      "forgejo-runner": { version: "12.6.4", kib: 64 },
      "old-tool": { version: "1.0", kib: 32 },
      hello: { version: "2.12", kib: 16 },
    }),
  });
  // The next release branch exists upstream: the bot says so, never moves to it.
  await sh(work("nixpkgs"))`git push -q origin HEAD:nixos-26.05`;
  await commit("disko", { "flake.nix": moduleFlake("disko", "disko", "1.0") });
  await commit("home-manager", {
    "flake.nix": moduleFlake("home-manager", "home-manager", "25.11-1"),
  });
  const url = (name: string, ref?: string) =>
    `git+${forgeUrl.replace("://", `://${reader}@`)}/mirrors/${name}.git${
      ref ? `?ref=${ref}` : ""
    }`;
  const files = async () => {
    const dir = await Deno.makeTempDir({ dir: root, prefix: "ringtail-" });
    const flake = `{
  description = "NixOS configuration for ringtail (service host & gaming PC)";

  inputs = {
    nixpkgs.url = "${url("nixpkgs", "nixos-25.11")}";
    disko = {
      url = "${url("disko")}";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    home-manager = {
      url = "${url("home-manager", "release-25.11")}";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { nixpkgs, disko, home-manager, ... }: {
    nixosConfigurations.ringtail = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        disko.nixosModules.disko
        home-manager.nixosModules.home-manager
        # The host's own packages; the real repository's modules beside this file need the real
        # nixpkgs, out of reach offline.
        (packages: builtins.attrValues packages)
      ];
    };
  };
}
`;
    await Deno.writeTextFile(`${dir}/flake.nix`, flake);
    await sh(dir)`git init -q`;
    await sh(dir)`git add -A`;
    await sh(dir)`nix flake lock ${dir}`;
    return {
      "nixos/ringtail/flake.nix": flake,
      "nixos/ringtail/flake.lock": await Deno.readTextFile(`${dir}/flake.lock`),
    };
  };
  const versions = (v: Versions) => commit("nixpkgs", { "versions.nix": versionsNix(v) });
  return { commit, files, versions };
}
