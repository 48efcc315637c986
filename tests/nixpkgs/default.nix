# Offline stand-in for <nixpkgs>, just big enough for the upgrade-bot test
# fixture (tests/fixture.ts). Every function returns a REAL derivation built
# by /bin/sh, so hash mismatches, --keep-going and the stale-hash pitfall
# behave exactly as with the real nixpkgs.
#
# Use: NIX_PATH=nixpkgs=<this dir> or `nix-build -I nixpkgs=<this dir>`.
{
  system ? builtins.currentSystem,
  ...
}:
let
  lib = rec {
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fakeSha256 = "0000000000000000000000000000000000000000000000000000";
    optionalString = cond: s: if cond then s else "";
    concatStringsSep = builtins.concatStringsSep;
    filterAttrs =
      pred: set:
      builtins.listToAttrs (
        builtins.concatMap (
          name:
          if pred name set.${name} then
            [
              {
                inherit name;
                value = set.${name};
              }
            ]
          else
            [ ]
        ) (builtins.attrNames set)
      );
    removeSuffix =
      suffix: s:
      let
        ls = builtins.stringLength s;
        lx = builtins.stringLength suffix;
      in
      if ls >= lx && builtins.substring (ls - lx) lx s == suffix then
        builtins.substring 0 (ls - lx) s
      else
        s;
    # nixpkgs' fetchgit names its output after the repository ("authentik"
    # for .../authentik.git), without the rev: a stale hash therefore reuses
    # the old source, which is the pitfall the bot has to avoid.
    urlToName =
      url:
      let
        base = baseNameOf (removeSuffix "/" url);
        m = builtins.match "(.*)\\.git" base;
      in
      if m == null then base else builtins.head m;
  };

  # The build environment is empty (no PATH, HOME=/homeless-shelter), so every
  # builder starts by giving itself the host's tools.
  preamble = ''
    set -eu
    export PATH=/usr/bin:/bin
    export HOME="$TMPDIR"
  '';

  # Stand-in for download time in the benchmark. It only changes the
  # builder script, never what lands in $out, so FOD hashes are unaffected.
  fodSleep = builtins.getEnv "UPGRADE_BOT_FOD_SLEEP";
  sleepCommand = lib.optionalString (fodSleep != "") ''
    sleep ${fodSleep}
  '';

  # Minimal stdenv.mkDerivation: `name` or `pname`+`version`, a
  # `buildCommand`, any other attrs passed to the builder's environment
  # (functions such as overrideModAttrs are dropped), `passthru` merged into
  # the result. FOD attrs (outputHash, ...) pass straight through.
  mkDerivation =
    args:
    let
      name = args.name or "${args.pname}-${args.version}";
      isFod = args ? outputHash;
      env = lib.filterAttrs (n: v: !builtins.isFunction v) (
        removeAttrs args [
          "name"
          "buildCommand"
          "passthru"
          "meta"
        ]
      );
      drv = derivation (
        env
        // {
          inherit name system;
          builder = "/bin/sh";
          args = [
            "-c"
            (preamble + lib.optionalString isFod sleepCommand + args.buildCommand)
          ];
        }
      );
    in
    drv // (args.passthru or { });

  runCommand = name: env: buildCommand: mkDerivation (env // { inherit name buildCommand; });

  # fetchgit with a tag as `rev`: a recursive FOD holding exactly the tree of
  # that tag (no .git). A missing tag fails with git's own error message.
  fetchgit =
    {
      url,
      rev,
      hash ? lib.fakeHash,
      name ? lib.urlToName url,
      ...
    }:
    mkDerivation {
      inherit name url rev;
      outputHashMode = "recursive";
      outputHashAlgo = "sha256";
      outputHash = hash;
      # The host's git config must not leak in. The builder runs as a nixbld
      # user while local mirrors belong to root, so git's ownership check
      # would refuse them: trust every directory in a private global config
      # (`-c` would not reach upload-pack, local transport clears it).
      buildCommand = ''
        export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$TMPDIR/gitconfig" GIT_TERMINAL_PROMPT=0
        git config --global safe.directory '*'
        echo "fetching $rev from $url"
        git init -q "$out"
        cd "$out"
        git fetch -q --depth 1 "$url" "$rev"
        git -c advice.detachedHead=false checkout -q FETCH_HEAD
        rm -rf .git
      '';
    };

  # buildGoModule: `goModules` (passthru) is a recursive FOD whose content
  # derives only from src's go.sum, like a Go vendor directory, with
  # outputHash = vendorHash. The main derivation refuses stale modules the
  # way `go build` reports inconsistent vendoring.
  buildGoModule =
    args@{
      pname,
      version,
      src,
      vendorHash,
      subPackages ? [ "." ],
      postInstall ? "",
      ...
    }:
    let
      goModules = mkDerivation {
        name = "${pname}-${version}-go-modules";
        inherit src;
        outputHashMode = "recursive";
        outputHashAlgo = "sha256";
        outputHash = vendorHash;
        buildCommand = ''
          mkdir -p "$out"
          cp "$src/go.sum" "$out/go.sum"
          awk '$2 !~ /\/go\.mod$/ { print "# " $1 " " $2 }' "$src/go.sum" | LC_ALL=C sort -u > "$out/modules.txt"
        '';
      };
      bins = map baseNameOf subPackages;
      rest = removeAttrs args [
        "vendorHash"
        "subPackages"
        "postInstall"
        "overrideModAttrs"
        "passthru"
      ];
    in
    mkDerivation (
      rest
      // {
        inherit goModules;
        buildCommand = ''
          if ! cmp -s "$goModules/go.sum" "$src/go.sum"; then
            echo "go: inconsistent vendoring in $src:" >&2
            echo "	go.sum does not match vendor/ ($goModules); run 'go mod vendor'" >&2
            exit 1
          fi
          mkdir -p "$out/bin"
          for bin in ${lib.concatStringsSep " " bins}; do
            printf '#!/bin/sh\necho "%s %s (built with %s)"\n' "$bin" "$version" "$goModules" > "$out/bin/$bin"
            chmod +x "$out/bin/$bin"
          done
          ${postInstall}
        '';
        passthru = (args.passthru or { }) // {
          inherit goModules;
        };
      }
    );
in
{
  inherit
    system
    lib
    runCommand
    fetchgit
    buildGoModule
    ;
  stdenv = {
    inherit mkDerivation;
  };
}
