#!/usr/bin/env bash
# A fleet of hosts for the fleet tests: each a systemd container (PID 1, no
# network) from the sandbox's systemd image plus python3 (for Ansible's
# modules), with the freshly built hmctl .deb installed by dpkg, so its
# maintainer scripts enable and start hmctl-metrics.timer as on a real host.
# Each host's node_exporter textfile directory is a host directory
# (WORK/textfiles/HOST), which node_exporter processes on this machine serve.
#
#   tests/fleet/fleet.sh image                 build (once) the fleet image; print its tag
#   tests/fleet/fleet.sh up WORK DEB HOST...   start the hosts (gw-* gateways, ag-* agents)
#   tests/fleet/fleet.sh down                  remove every fleet container
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
label=hmctl.fleet
log() { printf 'fleet: %s\n' "$*" >&2; }
# shellcheck source=tests/sandbox/retry.sh
. "$here/../sandbox/retry.sh"

# The sandbox names its own image (its tag hashes the units and the packages).
sandbox_image() { "$here/../sandbox/sandbox.sh" image; }

remove_build() { docker rm -f hmt-fleet-build >/dev/null 2>&1 || true; }

image() {
  local base tag
  base=$(sandbox_image)
  tag="hmtest/fleet:${base#*:}"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    docker image inspect "$base" >/dev/null || { log "no $base: run tests/sandbox/sandbox.sh up"; exit 1; }
    log "building $tag: $base + python3 (once)"
    remove_build
    # The host's network only for apt to reach Debian's mirror, during this build.
    retry remove_build -- docker run --name hmt-fleet-build --network host "$base" sh -c \
      'apt-get -o Acquire::Retries=3 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends python3 >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*' >&2
    docker commit -c 'CMD ["/lib/systemd/systemd"]' hmt-fleet-build "$tag" >/dev/null
    docker rm -f hmt-fleet-build >/dev/null
  fi
  echo "$tag"
}

# Puts HOST's units in their known state (see tests/fleet_real.rs), and gives
# the package's metrics timer the patience of a loaded machine (within its
# unit's 30 s TimeoutStartSec) in its documented /etc/default file.
shape() {
  local host=$1 name=hmt-fleet-$1
  docker exec "$name" sh -c 'echo HMCTL_DAEMON_TIMEOUT=20 >/etc/default/hmctl-metrics'
  case $host in
    gw-*)
      docker exec "$name" sh -c 'mkdir -p /var/lib/sgateway /var/log/sgateway
        mkdir -p /etc/systemd/system/hyper_exporter.service.d
        printf "[Service]\nExecStart=\nExecStart=/bin/sleep infinity\n" >/etc/systemd/system/hyper_exporter.service.d/fleet.conf
        systemctl daemon-reload && systemctl restart hyper_exporter'
      ;;
    ag-*)
      docker exec "$name" sh -c 'mkdir -p /var/lib/egisplus-agent /var/log/egisplus-agent'
      ;;
  esac
}

up() {
  local work=$1 deb=$2
  shift 2
  local tag
  tag=$(image)
  mkdir -p "$work/textfiles"
  cp "$deb" "$work/hmctl.deb"
  for host in "$@"; do
    mkdir -p "$work/textfiles/$host"
    docker rm -f "hmt-fleet-$host" >/dev/null 2>&1 || true
    # HMCTL_DAEMON_TIMEOUT reaches every `docker exec` (Ansible's connection
    # among them): twelve systemd hosts beside the other tests on a loaded
    # machine may take longer than hmctl's default 5 s to answer.
    docker run -d --name "hmt-fleet-$host" --hostname "$host" --label "$label=1" \
      --env HMCTL_DAEMON_TIMEOUT=60 \
      --cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --network none --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      -v "$work/textfiles/$host:/var/lib/prometheus/node-exporter" \
      -v "$work/hmctl.deb:/tmp/hmctl.deb:ro" "$tag" >/dev/null
  done
  for host in "$@"; do
    (
      name=hmt-fleet-$host
      for _ in $(seq 1 100); do
        docker exec "$name" systemctl is-system-running --wait >/dev/null 2>&1 && break
        state=$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)
        [ "$state" = degraded ] && break
        sleep 0.2
      done
      shape "$host"
      docker exec "$name" dpkg -i /tmp/hmctl.deb >"$work/dpkg-$host.log" 2>&1 ||
        { log "dpkg -i on $host failed:"; cat "$work/dpkg-$host.log" >&2; exit 1; }
    ) &
  done
  local failed=0
  for job in $(jobs -p); do wait "$job" || failed=1; done
  [ "$failed" = 0 ] || exit 1
  log "up: $*"
}

down() {
  local containers
  containers=$(docker ps -aq --filter "label=$label" 2>/dev/null || true)
  [ -z "$containers" ] || docker rm -f $containers >/dev/null
}

case "${1:-}" in
  image) image ;;
  up) shift; up "$@" ;;
  down) down ;;
  *) echo "usage: $0 image | up WORK DEB HOST... | down" >&2; exit 2 ;;
esac
