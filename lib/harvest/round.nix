# A round's expression: the build file (all of it, or the attributes `build.verify` names), any
# hash's own attribute, and each other system's instantiation of a per-system hash's file, so one
# `nix-build -k` run reaches every FOD and reports every independent mismatch.
#
# Evaluated in the package directory (given with -E, or as a file there), so `./.` is that
# directory. Its parameters come as arguments (lib/harvest/expression.ts): `round`, JSON (--argstr)
#   { file; verify = [ path ]; attrs = { ATTR = path; }; exprs = [ ATTR ];
#     systems = [ { attr; file; system; flake } ]; pending = [ placeholder ]; }
# (a path is a list of attribute names), and one argument ATTR (--arg) for each hash the config
# names by a Nix expression: `hash-NAME`, its attribute in the result.
{ round, ... }@args:
let
  r = builtins.fromJSON round;
  f = import (./. + "/${r.file}");
  t = if builtins.isFunction f then f { } else f;
  # A file that is one derivation (default.nix) builds that; an attribute set, all of it.
  all = if t.type or null == "derivation" then { default = t; } else t;
  select = builtins.foldl' (v: name: v.${name}) t;

  # `gate d`: d, or nothing while a fixed-output derivation in its closure (found through the
  # derivations and lists of derivations among its attributes) other than d holds a placeholder.
  drvsIn = v: if builtins.isAttrs v && v.type or null == "derivation" then [ v ]
    else if builtins.isList v then builtins.concatMap drvsIn v else [ ];
  closure = d: builtins.genericClosure {
    startSet = [ { key = d.drvPath; inherit d; } ];
    operator = i: map (d: { key = d.drvPath; inherit d; })
      (builtins.concatMap drvsIn (builtins.attrValues (i.d.drvAttrs or { })));
  };
  waits = d: builtins.any (i: i.key != d.drvPath
    && builtins.elem (i.d.drvAttrs.outputHash or null) r.pending) (closure d);
  gate = d: if waits d then { } else d;

  # The nixpkgs of another system, the way the build file gets its own: through the nixpkgs flake
  # when it does, else <nixpkgs>.
  pkgsFor = s: if s.flake != null then (builtins.getFlake s.flake).legacyPackages.${s.system}
    else import <nixpkgs> { inherit (s) system; };

  verify = builtins.genList (i: {
    name = "verify-${toString i}";
    value = select (builtins.elemAt r.verify i);
  }) (builtins.length r.verify);
  perSystem = map (s: {
    name = s.attr;
    value = gate (import (./. + "/${s.file}") { pkgs = pkgsFor s; });
  }) r.systems;
in
(if r.verify == [ ] then all else builtins.listToAttrs verify)
// builtins.mapAttrs (attr: select) r.attrs
// builtins.listToAttrs (map (name: { inherit name; value = args.${name}; }) r.exprs)
// builtins.listToAttrs perSystem
