# shellcheck shell=sh
# The build host's Nix system and CPU count, asked in one ssh session (through `sh -s`, this script
# on stdin). nix-instantiate ends without a newline: the echo adds one.
nix-instantiate --eval --json -E builtins.currentSystem 2>&1 || exit $?
echo
echo "upgrade-bot-cores $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
