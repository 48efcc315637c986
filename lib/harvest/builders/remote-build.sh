# shellcheck shell=sh
# A build on an ssh build host: `sh -s NONCE SIZE` reads this script from standard input, so the
# remote login shell (bash, zsh, fish, sh) parses nothing but those four words.
#
# It is one function called on its last line, so the shell has read all of it before anything
# runs; it then prints its start marker, and only after the local side saw that marker does the
# bundle follow on the same stdin (exactly SIZE bytes of tar; sh may read ahead, so nothing is sent
# before it asks). The bundle holds the package files, the round's expression and
# `upgrade-bot-argv`: the command to run, one argument a line, each with backslashes doubled and
# line breaks written `\n` (read back with printf %b). stdin then stays open while the build runs
# (fd 3 keeps it, as sh gives background jobs /dev/null): when the connection ends (a timeout,
# Ctrl-C, a dropped link) stdin closes and the watchdog stops the build. The temp dir is removed on
# every exit. The exit marker carries the command's status: a round counts only with both markers.
upgrade_bot_main() {
  nonce=$1
  size=$2
  exec 3<&0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/upgrade-bot.XXXXXX") || return 90
  trap 'rm -rf "$dir"' EXIT
  trap 'exit 143' TERM HUP INT
  echo "upgrade-bot-start $nonce"
  head -c "$size" <&3 | tar -x -C "$dir" || return 91
  cd "$dir" || return 91
  set --
  while IFS= read -r arg; do
    arg=$(printf '%bx' "$arg")
    set -- "$@" "${arg%x}"
  done <./upgrade-bot-argv || return 91
  echo "upgrade-bot: building in $dir on $(uname -n)"
  "$@" & build=$!
  { cat >/dev/null; kill -TERM "$build"; } <&3 >/dev/null 2>&1 & watch=$!
  wait "$build"; status=$?
  kill "$watch" 2>/dev/null
  trap '' PIPE # the connection may be gone: the temp dir is still removed
  echo "upgrade-bot-exit $nonce $status"
  return "$status"
}
upgrade_bot_main "$@"; exit $?
