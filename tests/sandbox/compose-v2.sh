#!/usr/bin/env bash
# Compose v2 for the tests, next to Debian 12's docker-compose 1.29: trixie's
# docker-compose 2.x .deb, fetched with `apt-get download` through a one-off
# source list and private apt state (the machine's own apt sources, lists and
# caches are never touched), unpacked with `dpkg -x` into a private directory
# (cached). Its binary is both the `docker compose` CLI plugin and a
# standalone `docker-compose`. Prints the directory holding
# `cli-plugins/docker-compose` (use it as DOCKER_CONFIG) and `bin/docker-compose`.
#
#   tests/sandbox/compose-v2.sh        fetch if missing, print the directory
set -euo pipefail

cache=/var/cache/hmctl-sandbox/compose-v2
log() { printf 'compose-v2: %s\n' "$*" >&2; }
# shellcheck source=tests/sandbox/retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

mkdir -p "$(dirname "$cache")"
# One fetch at a time (tests run in parallel).
exec 9>"$cache.lock"
flock 9
if [ -x "$cache/cli-plugins/docker-compose" ] && "$cache/bin/docker-compose" version >/dev/null 2>&1; then
  echo "$cache"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$work/sources.list"
apt_options=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
log "fetching trixie's docker-compose (private apt state in $work)"
retry true -- apt-get "${apt_options[@]}" "${apt_retries[@]}" -qq update
(cd "$work" && retry true -- apt-get "${apt_options[@]}" "${apt_retries[@]}" -qq download docker-compose)
deb=$(ls "$work"/docker-compose_*.deb)
dpkg -x "$deb" "$work/root"
binary=$(find "$work/root" -type f -name docker-compose -perm -u+x | head -1)
[ -n "$binary" ] || { log "no docker-compose binary in $deb"; exit 1; }
rm -rf "$cache.new"
mkdir -p "$cache.new/cli-plugins" "$cache.new/bin"
cp "$binary" "$cache.new/cli-plugins/docker-compose"
ln -s ../cli-plugins/docker-compose "$cache.new/bin/docker-compose"
"$cache.new/bin/docker-compose" version >&2
rm -rf "$cache"
mv "$cache.new" "$cache"
echo "$cache"
