# shellcheck shell=sh
# Prints the host's `system`, `extra-platforms` and `builders` settings, then each machines file
# `builders` names between marker lines (read by parseHostPlatforms, lib/nix/machines.ts). Run by
# sh on an ssh build host (the local builder does the same in lib/harvest/builders/local.ts).
conf=$(nix --extra-experimental-features nix-command show-config) || exit $?
printf '%s\n' "$conf" | grep -E '^(system|extra-platforms|builders) = '
printf '%s\n' "$conf" | sed -n 's/^builders = //p' | tr ';' '\n' | while read -r entry; do
  case "$entry" in
    @*) echo "upgrade-bot-machines ${entry#@}"; cat -- "${entry#@}" 2>/dev/null; echo; echo upgrade-bot-machines-end ;;
  esac
done
