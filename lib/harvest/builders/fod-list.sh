# shellcheck shell=sh
# Instantiates (its arguments are nix-instantiate's) and prints every fixed-output derivation of
# the closure with its output hash as the .drv records it: `upgrade-bot-fod DRV ALGO HASH` (read by
# lib/harvest/verify.ts). POSIX sh and awk, one awk for the whole closure (thousands of .drv files
# for nixpkgs): a .drv is one line (ATerm escapes newlines), and Nix allows no other store path
# named *.drv.
set -e
drvs=$(nix-instantiate "$@")
# shellcheck disable=SC2086 # one store path a word
nix-store -qR $drvs | awk '/\.drv$/ {
  if ((getline drv < $0) > 0 && match(drv, /^Derive\(\[\("out","[^"]*","[^"]+","[0-9a-f]+"\)/)) {
    split(substr(drv, 1, RLENGTH), field, "\"")
    print "upgrade-bot-fod " $0 " " field[6] " " field[8]
  }
  close($0)
}'
