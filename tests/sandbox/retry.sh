# shellcheck shell=bash
# Sourced by the scripts that download (apt, debootstrap, pip): a fresh CI
# machine downloads everything, and one transient network error would fail
# the whole run. `retry CLEANUP -- COMMAND...` runs COMMAND up to 3 times, 15 s
# apart, running CLEANUP (a command, or `true`) before each new attempt.
retry() {
  local cleanup=$1 attempt
  shift 2
  for attempt in 1 2 3; do
    "$@" && return 0
    [ "$attempt" -lt 3 ] || break
    printf 'retry: attempt %s of 3 failed: %s; trying again in 15 s\n' "$attempt" "$*" >&2
    sleep 15
    $cleanup
  done
  return 1
}

# apt's own retries of a failed download, for every apt-get of these scripts.
# shellcheck disable=SC2034 # used by the scripts that source this one
apt_retries=(-o Acquire::Retries=3)
