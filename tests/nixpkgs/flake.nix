# The offline nixpkgs stand-in (default.nix) as a flake without inputs, for
# expressions that use `(builtins.getFlake "nixpkgs").legacyPackages.<system>`
# (blumeops' test-build.nix). tests/realworld.ts points the flake registry's
# `nixpkgs` at a copy of this directory.
{
  description = "Offline nixpkgs stand-in for the upgrade-bot tests";

  outputs =
    { self }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAll =
        f:
        builtins.listToAttrs (
          map (system: {
            name = system;
            value = f system;
          }) systems
        );
    in
    {
      legacyPackages = forAll (system: import ./default.nix { inherit system; });
      lib = (import ./default.nix { system = "x86_64-linux"; }).lib;
    };
}
