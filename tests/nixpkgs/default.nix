# Offline stand-in for <nixpkgs>, big enough for the upgrade-bot test fixture
# (tests/fixture.ts) and for the REAL, unchanged containers/authentik/*.nix of
# eblume/blumeops (tests/realworld.ts). Every function returns a REAL
# derivation built by /bin/sh, so hash mismatches, --keep-going and the
# stale-hash pitfall behave exactly as with the real nixpkgs.
#
# The real packages' build and install phases (uv sync, npm ci, go build...)
# cannot run offline and are never run; generic builders stand for them:
#   - a fixed-output mkDerivation with a `src` and no `buildCommand` holds only
#     the lock files found at its source root (`sourceRoot` or src itself),
#     chosen by the tools among its inputs (uv -> uv.lock, nodejs ->
#     package-lock.json, go -> go.sum, cargo -> Cargo.lock; every lock file
#     found when no input names one), so its hash changes exactly when those
#     lock files change;
#   - a non-fixed-output mkDerivation without `buildCommand` writes
#     $out/nix-support/stand-in, which lists every store path among its
#     inputs, so they are real build-time (and runtime) dependencies;
#   - buildGoModule's `goModules` is a fixed-output derivation of src's go.sum
#     (outputHash = vendorHash), checked by the main build like Go's vendoring.
#   - buildNpmPackage's `npmDeps` is a fixed-output derivation of package-lock.json
#     (outputHash = npmDepsHash), checked by the main build like npm ci.
#
# Use: NIX_PATH=nixpkgs=<this dir>, `nix-build -I nixpkgs=<this dir>`, or as a
# flake (flake.nix: legacyPackages.<system>).
#
# Optional site settings come from ./site.nix next to this file, which
# tests/realworld.ts writes into its own copy (never here):
#   { gitRewrites = { "https://forge.example/mirrors/" = "file:///tmp/.../mirrors/"; }; }
# fetchgit puts each rewrite into its builder's private git config (as
# url.<to>.insteadOf <from>): builds run with a clean environment, so the
# rewrites cannot come from the builder's environment or the host's git config.
{
  system ? builtins.currentSystem,
  ...
}:
let
  site = if builtins.pathExists ./site.nix then import ./site.nix else { };
  gitRewrites = site.gitRewrites or { };

  lib = rec {
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fakeSha256 = "0000000000000000000000000000000000000000000000000000";
    licenses = {
      mit = {
        spdxId = "MIT";
        fullName = "MIT License";
        free = true;
      };
      asl20 = {
        spdxId = "Apache-2.0";
        fullName = "Apache License 2.0";
        free = true;
      };
    };
    optionalString = cond: s: if cond then s else "";
    optionalAttrs = cond: set: if cond then set else { };
    optional = cond: x: if cond then [ x ] else [ ];
    concatStringsSep = builtins.concatStringsSep;
    concatStrings = builtins.concatStringsSep "";
    concatMapStrings = f: list: concatStrings (map f list);
    mapAttrsToList = f: set: map (name: f name set.${name}) (builtins.attrNames set);
    imap0 = f: list: builtins.genList (i: f i (builtins.elemAt list i)) (builtins.length list);
    unique = builtins.foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];
    isDerivation = x: builtins.isAttrs x && (x.type or null) == "derivation";
    escapeShellArg = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString s) + "'";
    escapeShellArgs = list: concatStringsSep " " (map escapeShellArg list);
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
    # lib.toExtension: an attrset, `prev: {...}` or `final: prev: {...}`.
    toExtension =
      f:
      if builtins.isFunction f then
        (final: prev: let r = f prev; in if builtins.isFunction r then f final prev else r)
      else
        (final: prev: f);
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
  # From site.nix (`fodSleep = "2";`), else NIX_UPGRADE_BOT_FOD_SLEEP (a NIX_
  # variable survives a build's clean environment), else UPGRADE_BOT_FOD_SLEEP.
  envSleep =
    let
      nixVar = builtins.getEnv "NIX_UPGRADE_BOT_FOD_SLEEP";
    in
    if nixVar != "" then nixVar else builtins.getEnv "UPGRADE_BOT_FOD_SLEEP";
  fodSleep = toString (site.fodSleep or envSleep);
  sleepCommand = lib.optionalString (fodSleep != "") ''
    sleep ${fodSleep}
  '';

  # Lock files the generic fixed-output builder copies, and which tool (a
  # stub's `lockFiles`) reads which.
  allLockFiles = [
    "uv.lock"
    "package-lock.json"
    "go.sum"
    "Cargo.lock"
  ];

  # Can `derivation` take this attribute? Functions and plain attrsets (env,
  # passthru, meta, overrideModAttrs, ...) cannot; derivations and anything
  # else with an outPath can. null is left out, as nixpkgs passes it as "".
  passable =
    _: v:
    v != null
    && !builtins.isFunction v
    && !(builtins.isAttrs v && !(v ? outPath));

  # Shell lines that set $root to the source root the way stdenv's unpackPhase
  # would: src unpacks into a directory named after src (without its store
  # hash) and `sourceRoot` is relative to the build directory.
  findSourceRoot = ''
    srcName=$(basename "$src" | cut -d- -f2-)
    sourceRoot=''${sourceRoot:-$srcName}
    case "$sourceRoot" in
      "$srcName") root="$src" ;;
      "$srcName"/*) root="$src/''${sourceRoot#"$srcName"/}" ;;
      *) echo "unpacker: sourceRoot '$sourceRoot' is not under the unpacked $srcName" >&2; exit 1 ;;
    esac
    if [ ! -d "$root" ]; then
      echo "cd: $sourceRoot: No such file or directory (unpacked from $src)" >&2
      exit 1
    fi
  '';

  # Writes $out/nix-support/stand-in: what was built and every store path in
  # the given attributes' values (printenv: names such as client-go are not
  # shell variables), so the output references its inputs.
  recordInputs = names: ''
    mkdir -p "$out/nix-support"
    {
      echo "offline stand-in for $name: the real build phases were not run"
      echo "inputs:"
      for attr in ${lib.escapeShellArgs names}; do printenv -- "$attr" || true; done \
        | grep -oE '/nix/store/[0-9a-z]{32}-[0-9A-Za-z+._?=-]+' | LC_ALL=C sort -u || true
    } > "$out/nix-support/stand-in"
  '';

  # Minimal stdenv.mkDerivation: `name` or `pname`+`version`; `env` exported
  # like nixpkgs does; other attrs the builder can take go to its environment
  # (see `passable`); `passthru` merged into the result. With `buildCommand`
  # that command is the whole build; without it, the generic builders above.
  mkDerivation =
    args:
    let
      name = args.name or "${args.pname}-${args.version}";
      isFod = args ? outputHash;
      hasSrc = (args.src or null) != null;
      attrs =
        lib.filterAttrs passable (
          removeAttrs args [
            "name"
            "buildCommand"
            "passthru"
            "meta"
            "env"
          ]
        )
        // lib.filterAttrs passable (args.env or { });
      tools = builtins.filter builtins.isAttrs (
        (args.nativeBuildInputs or [ ]) ++ (args.buildInputs or [ ])
      );
      declaredLocks = lib.unique (builtins.concatMap (p: p.lockFiles or [ ]) tools);
      locks = if declaredLocks != [ ] then declaredLocks else allLockFiles;
      fodBuilder = ''
        ${findSourceRoot}
        mkdir -p "$out"
        found=
        for lock in ${lib.escapeShellArgs locks}; do
          if [ -f "$root/$lock" ]; then
            cp "$root/$lock" "$out/$lock"
            found=1
          elif [ ${if declaredLocks != [ ] then "1" else ""} ]; then
            echo "error: $lock not found in $sourceRoot, the tools of $name need it" >&2
            exit 1
          fi
        done
        if [ -z "$found" ]; then
          echo "error: no lock file (${lib.concatStringsSep ", " locks}) in $sourceRoot" >&2
          exit 1
        fi
      '';
      genericBuilder =
        lib.optionalString hasSrc findSourceRoot + recordInputs (builtins.attrNames attrs);
      script =
        if args ? buildCommand then
          args.buildCommand
        else if isFod then
          (
            if hasSrc then
              fodBuilder
            else
              throw "offline stand-in: fixed-output ${name} needs a src (or a buildCommand)"
          )
        else
          genericBuilder;
      drv = derivation (
        attrs
        // {
          inherit name system;
          builder = "/bin/sh";
          args = [
            "-c"
            (preamble + lib.optionalString isFod sleepCommand + script)
          ];
        }
      );
    in
    drv // (args.passthru or { });

  runCommand = name: env: buildCommand: mkDerivation (env // { inherit name buildCommand; });

  # A package that is only ever an input or an interpolated path: it builds
  # its (empty) outputs plus the named files, and bin/* programs that say they
  # are stand-ins. `lockFiles`: what the tool reads in a fixed-output build.
  stub =
    {
      name,
      outputs ? [ "out" ],
      bins ? [ ],
      files ? [ ],
      lockFiles ? [ ],
      passthru ? { },
    }:
    let
      drv = derivation {
        name = "${name}-offline-stub";
        inherit system outputs;
        builder = "/bin/sh";
        args = [
          "-c"
          (
            preamble
            + ''
              for o in $outputs; do eval "mkdir -p \"\''$$o\""; done
              for b in ${lib.escapeShellArgs bins}; do
                mkdir -p "$out/bin"
                printf '#!/bin/sh\necho "%s: offline stand-in, not runnable" >&2\nexit 127\n' "$b" > "$out/bin/$b"
                chmod +x "$out/bin/$b"
              done
              for f in ${lib.escapeShellArgs files}; do
                mkdir -p "$out/$(dirname "$f")"
                echo "offline stand-in for ${name}" > "$out/$f"
              done
            ''
          )
        ];
      };
    in
    drv // { inherit lockFiles; } // passthru;

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
      # (`-c` would not reach upload-pack, local transport clears it). The
      # site's URL rewrites go into the same private config.
      buildCommand = ''
        export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$TMPDIR/gitconfig" GIT_TERMINAL_PROMPT=0
        git config --global safe.directory '*'
        ${lib.concatStrings (
          lib.mapAttrsToList (
            from: to: "git config --global --add ${lib.escapeShellArg "url.${to}.insteadOf"} ${lib.escapeShellArg from}\n"
          ) gitRewrites
        )}
        echo "fetching $rev from $url"
        git init -q "$out"
        cd "$out"
        git fetch -q --depth 1 "$url" "$rev"
        git -c advice.detachedHead=false checkout -q FETCH_HEAD
        rm -rf .git
      '';
    };

  # fetchFromGitHub pins third-party sources by commit sha, which cannot be
  # fetched (nor their hash reproduced) offline. So it is a plain, NOT
  # fixed-output derivation: it records owner/repo/rev/hash and creates the
  # directory layout its consumers copy (`githubLayouts`, e.g.
  # authentik-django copies ${opencontainers-src}/opencontainers). Its hash is
  # never checked.
  githubLayouts = {
    "vsoch/oci-python" = [ "opencontainers/__init__.py" ];
  };
  fetchFromGitHub =
    {
      owner,
      repo,
      rev ? null,
      tag ? null,
      hash ? null,
      name ? "source",
      ...
    }:
    mkDerivation {
      inherit name owner repo;
      rev = if rev != null then rev else "refs/tags/${tag}";
      pinnedHash = if hash != null then hash else "";
      buildCommand = ''
        mkdir -p "$out"
        printf 'https://github.com/%s/%s at %s (pinned %s): offline stand-in, not fetched\n' \
          "$owner" "$repo" "$rev" "$pinnedHash" > "$out/.offline-stand-in"
        for f in ${lib.escapeShellArgs (githubLayouts."${owner}/${repo}" or [ ])}; do
          mkdir -p "$out/$(dirname "$f")"
          echo "# $owner/$repo at $rev (offline stand-in)" > "$out/$f"
        done
      '';
    };

  # buildGoModule: `goModules` (passthru) is a recursive FOD whose content
  # derives only from src's go.sum, like a Go vendor directory, with
  # outputHash = vendorHash; it takes postPatch from the args and
  # `overrideModAttrs` (attrset or function) like nixpkgs. The main derivation
  # refuses stale modules the way `go build` reports inconsistent vendoring,
  # writes bin/<name> for each subPackage and runs postInstall.
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
      modArgs = {
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
      }
      // lib.optionalAttrs (args ? postPatch) { inherit (args) postPatch; };
      goModules =
        if vendorHash == null then
          null
        else
          mkDerivation (modArgs // lib.toExtension (args.overrideModAttrs or { }) modArgs modArgs);
      # The root package "." installs a binary named like the program (meta.mainProgram or
      # pname), as `go install` names it after the module.
      bins = map (
        p: if p == "." then (args.meta or { }).mainProgram or pname else baseNameOf p
      ) subPackages;
      rest = removeAttrs args [
        "vendorHash"
        "subPackages"
        "postInstall"
        "overrideModAttrs"
        "passthru"
      ];
      inputNames = builtins.attrNames (lib.filterAttrs passable rest);
    in
    mkDerivation (
      rest
      // {
        inherit goModules;
        buildCommand = ''
          ${lib.optionalString (vendorHash != null) ''
            if ! cmp -s "$goModules/go.sum" "$src/go.sum"; then
              echo "go: inconsistent vendoring in $src:" >&2
              echo "	go.sum does not match vendor/ ($goModules); run 'go mod vendor'" >&2
              exit 1
            fi
          ''}
          mkdir -p "$out/bin"
          for bin in ${lib.concatStringsSep " " bins}; do
            printf '#!/bin/sh\necho "%s %s (built with %s)"\n' "$bin" "$version" "$goModules" > "$out/bin/$bin"
            chmod +x "$out/bin/$bin"
          done
          ${recordInputs inputNames}
          ${postInstall}
        '';
        passthru = (args.passthru or { }) // {
          inherit goModules;
        };
      }
    );

  # makeSetupHook { name, ... } script: $out/nix-support/setup-hook.
  makeSetupHook =
    {
      name ? "hook",
      propagatedBuildInputs ? [ ],
      ...
    }:
    script:
    mkDerivation {
      inherit name script propagatedBuildInputs;
      buildCommand = ''
        mkdir -p "$out/nix-support"
        cp "$script" "$out/nix-support/setup-hook"
      '';
    };

  # The trivial builders check their scripts with `bash -n` as nixpkgs'
  # shellDryRun does; the shebang is the (stub) bash from this set.
  runtimeShell = "${pkgs.bash}/bin/bash";
  writeShellScriptAt =
    name: path: text:
    mkDerivation {
      inherit name path;
      text = "#!${runtimeShell}\n" + text;
      buildCommand = ''
        target="$out$path"
        mkdir -p "$(dirname "$target")"
        printf '%s' "$text" > "$target"
        chmod +x "$target"
        /bin/bash -n -O extglob "$target"
      '';
    };
  writeShellScript = name: text: writeShellScriptAt name "" text;
  writeShellScriptBin = name: text: writeShellScriptAt name "/bin/${name}" text;

  # linkFarm name [ { name; path; } ... ] (or an attrset name = path).
  linkFarm =
    name: entries:
    let
      list =
        if builtins.isList entries then
          entries
        else
          lib.mapAttrsToList (n: p: {
            name = n;
            path = p;
          }) entries;
    in
    mkDerivation {
      inherit name;
      buildCommand = ''
        mkdir -p "$out"
        cd "$out"
        ${lib.concatMapStrings (e: ''
          mkdir -p "$(dirname ${lib.escapeShellArg e.name})"
          ln -s ${lib.escapeShellArg "${e.path}"} ${lib.escapeShellArg e.name}
        '') list}
      '';
    };

  # buildNpmPackage: `npmDeps` (passthru) is a recursive FOD holding the
  # package-lock.json of the source root (after `prePatch`, which may `cd`),
  # like the npm cache nixpkgs fetches from it, with outputHash = npmDepsHash.
  # The main derivation refuses a stale cache the way npm ci reports a lock
  # file out of sync, writes build/ (index.html, config.js) as `npm run build`
  # would and runs installPhase (runHook is a no-op).
  buildNpmPackage =
    args@{
      pname,
      version,
      src,
      npmDepsHash,
      prePatch ? "",
      installPhase ? "",
      ...
    }:
    let
      npmDeps = mkDerivation {
        name = "${pname}-${version}-npm-deps";
        inherit src prePatch;
        outputHashMode = "recursive";
        outputHashAlgo = "sha256";
        outputHash = npmDepsHash;
        buildCommand = ''
          cd "$src"
          eval "$prePatch"
          if [ ! -f package-lock.json ]; then
            echo "npm: no package-lock.json in $PWD" >&2
            exit 1
          fi
          mkdir -p "$out"
          cp package-lock.json "$out/package-lock.json"
        '';
      };
      rest = removeAttrs args [
        "npmDepsHash"
        "installPhase"
        "passthru"
      ];
      inputNames = builtins.attrNames (lib.filterAttrs passable rest);
    in
    mkDerivation (
      rest
      // {
        inherit npmDeps installPhase;
        buildCommand = ''
          runHook() { :; }
          cp -r "$src" "$TMPDIR/source"
          chmod -R u+w "$TMPDIR/source"
          cd "$TMPDIR/source"
          eval "$prePatch"
          if ! cmp -s "$npmDeps/package-lock.json" package-lock.json; then
            echo "npm ERR! package-lock.json does not match the npm cache $npmDeps" >&2
            exit 1
          fi
          mkdir -p build
          echo "<html>$pname $version</html>" > build/index.html
          echo "// config" > build/config.js
          eval "$installPhase"
          ${recordInputs inputNames}
        '';
      }
    );

  # dockerTools.buildLayeredImage: a gzipped tar (named <name>.tar.gz like
  # nixpkgs') with the image's config.json, the sorted store paths of the
  # contents' closure (exportReferencesGraph, so every content is built) and
  # the root tree that extraCommands made. No real layers.
  buildLayeredImage =
    {
      name,
      tag ? null,
      contents ? [ ],
      config ? { },
      extraCommands ? "",
      ...
    }:
    let
      contentList = if builtins.isList contents then contents else [ contents ];
      imageTag = if tag == null then "latest" else tag;
    in
    mkDerivation {
      name = "${baseNameOf name}.tar.gz";
      imageName = name;
      inherit imageTag extraCommands;
      configJson = builtins.toJSON config;
      exportReferencesGraph = builtins.concatLists (
        lib.imap0 (i: c: [
          "closure-${toString i}"
          c
        ]) contentList
      );
      buildCommand = ''
        build=$PWD
        mkdir -p image/root
        (cd image/root && eval "$extraCommands")
        printf '%s\n' "$configJson" > image/config.json
        printf '{"%s":{"%s":"stand-in"}}\n' "$imageName" "$imageTag" > image/repositories
        : > image/store-paths
        for f in "$build"/closure-*; do
          [ -e "$f" ] || continue
          grep '^/nix/store/' "$f" | grep -v '\.drv$' >> image/store-paths || true
        done
        LC_ALL=C sort -u -o image/store-paths image/store-paths
        tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -C image -cf - . | gzip -n > "$out"
      '';
      passthru = {
        imageName = name;
        inherit imageTag;
      };
    };

  pkgs = {
    inherit
      system
      lib
      runCommand
      fetchgit
      fetchFromGitHub
      buildGoModule
      buildNpmPackage
      makeSetupHook
      writeShellScript
      writeShellScriptBin
      linkFarm
      ;
    stdenv = {
      inherit mkDerivation system;
      hostPlatform = {
        inherit system;
      };
      buildPlatform = {
        inherit system;
      };
      cc = stub {
        name = "gcc-wrapper";
        bins = [ "cc" ];
        passthru.cc = stub {
          name = "gcc";
          outputs = [
            "out"
            "lib"
          ];
        };
      };
    };
    stdenvNoCC = {
      inherit mkDerivation system;
      hostPlatform = {
        inherit system;
      };
      buildPlatform = {
        inherit system;
      };
    };
    dockerTools = {
      inherit buildLayeredImage;
      buildImage = buildLayeredImage;
    };

    # Inputs and interpolated paths only: stubs.
    python314 = stub {
      name = "python3-3.14";
      bins = [
        "python3.14"
        "python3"
      ];
    };
    uv = stub {
      name = "uv";
      bins = [ "uv" ];
      lockFiles = [ "uv.lock" ];
    };
    git = stub {
      name = "git";
      bins = [ "git" ];
    };
    cacert = stub {
      name = "nss-cacert";
      files = [ "etc/ssl/certs/ca-bundle.crt" ];
    };
    pkg-config = stub {
      name = "pkg-config";
      bins = [ "pkg-config" ];
    };
    removeReferencesTo = stub {
      name = "remove-references-to";
      bins = [ "remove-references-to" ];
    };
    postgresql = stub {
      name = "postgresql";
      passthru.pg_config = stub {
        name = "postgresql-pg_config";
        bins = [ "pg_config" ];
      };
    };
    krb5 = stub {
      name = "krb5";
      outputs = [
        "out"
        "lib"
        "dev"
      ];
      bins = [ "krb5-config" ];
    };
    libtool = stub {
      name = "libtool";
      outputs = [
        "out"
        "lib"
      ];
      bins = [ "libtool" ];
    };
    libxml2 = stub { name = "libxml2"; };
    libxslt = stub { name = "libxslt"; };
    xmlsec = stub { name = "xmlsec"; };
    openssl = stub { name = "openssl"; };
    libpq = stub { name = "libpq"; };
    libffi = stub { name = "libffi"; };
    zlib = stub { name = "zlib"; };
    nodejs = stub {
      name = "nodejs";
      bins = [
        "node"
        "npm"
      ];
      lockFiles = [ "package-lock.json" ];
    };
    nodejs_24 = stub {
      name = "nodejs-24";
      bins = [
        "node"
        "npm"
      ];
      lockFiles = [ "package-lock.json" ];
    };
    openapi-generator-cli = stub {
      name = "openapi-generator-cli";
      bins = [ "openapi-generator-cli" ];
    };
    go = stub {
      name = "go";
      bins = [
        "go"
        "gofmt"
      ];
      lockFiles = [ "go.sum" ];
    };
    cargo = stub {
      name = "cargo";
      bins = [ "cargo" ];
      lockFiles = [ "Cargo.lock" ];
    };
    typescript = stub {
      name = "typescript";
      bins = [ "tsc" ];
    };
    autoPatchelfHook = makeSetupHook { name = "auto-patchelf-hook"; } (
      writeShellScript "auto-patchelf.sh" ''
        # offline stand-in: autoPatchelfHook does nothing here
      ''
    );
    bash = stub {
      name = "bash";
      bins = [
        "bash"
        "sh"
      ];
    };
    bashInteractive = stub {
      name = "bash-interactive";
      bins = [
        "bash"
        "sh"
      ];
    };
    coreutils = stub {
      name = "coreutils";
      bins = [
        "ls"
        "cp"
        "mv"
      ];
    };
    tzdata = stub {
      name = "tzdata";
      files = [ "share/zoneinfo/UTC" ];
    };
    gzip = stub {
      name = "gzip";
      bins = [ "gzip" ];
    };
    gnutar = stub {
      name = "gnutar";
      bins = [ "tar" ];
    };
  };
in
pkgs
