#!/usr/bin/env bash
# The sandbox hmctl's tests and demo run against: a real dockerd and a real
# systemd (PID 1 of a container whose system bus is reached from the host).
# Everything is installed and started here, idempotently, because a fresh
# machine has none of it. See shared/docs/real-backends.md.
#
#   tests/sandbox/sandbox.sh up      install, start dockerd, build images, start systemd
#   tests/sandbox/sandbox.sh env     print the variables that point hmctl at the sandbox
#   tests/sandbox/sandbox.sh image   print the systemd image's tag (tests/fleet/fleet.sh builds on it)
#   tests/sandbox/sandbox.sh demo    up + a small console project; print its hmctl.toml path
#   tests/sandbox/sandbox.sh down    remove test containers, the systemd container, the demo
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A second systemd container beside the shared one (to try a new image while
# others' tests run): HMCTL_SANDBOX=/run/hmctl-sandbox-next
# HMCTL_SANDBOX_SYSTEMD=hmctl-sandbox-systemd-next tests/sandbox/sandbox.sh up
state=${HMCTL_SANDBOX:-/run/hmctl-sandbox}
cache=/var/cache/hmctl-sandbox
bus_dir=$state/bus
# The container's /run/systemd, where systemd's private socket is.
systemd_run_dir=$state/systemd
systemd_name=${HMCTL_SANDBOX_SYSTEMD:-hmctl-sandbox-systemd}
# Debian's own services with real units: nginx (Type=forking), redis-server
# and mariadb (Type=notify).
service_packages="nginx redis-server mariadb-server"
busybox_image=hmtest/busybox:1

log() { printf 'sandbox: %s\n' "$*" >&2; }
# shellcheck source=tests/sandbox/retry.sh
. "$here/retry.sh"
# shellcheck source=tests/sandbox/debian_root.sh
. "$here/debian_root.sh"

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "sandbox: must run as root (it installs packages and starts dockerd)" >&2
    exit 2
  fi
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v hyperfine >/dev/null || missing+=(hyperfine)
  command -v runuser >/dev/null || missing+=(util-linux)
  command -v lintian >/dev/null || missing+=(lintian)
  command -v rpm >/dev/null || missing+=(rpm)
  command -v man >/dev/null || missing+=(man-db)
  command -v objdump >/dev/null || missing+=(binutils)
  # python3 -m venv (real venvs for the upgrade tests) needs ensurepip.
  python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3 python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    retry true -- apt-get "${apt_retries[@]}" update -qq
    retry true -- env DEBIAN_FRONTEND=noninteractive apt-get "${apt_retries[@]}" install -y -qq "${missing[@]}" >/dev/null
  fi
}

docker_answers() { timeout 5 /usr/bin/docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_dockerd() {
  if docker_answers; then return; fi
  mkdir -p "$state"
  log "starting dockerd (log: $state/dockerd.log)"
  # No iptables, no bridge: these machines have neither; compose networks still work.
  nohup dockerd --iptables=false --ip-masq=false --bridge=none >"$state/dockerd.log" 2>&1 &
  echo $! >"$state/dockerd.pid"
  for _ in $(seq 1 100); do
    docker_answers && return
    sleep 0.2
  done
  echo "sandbox: dockerd did not start; see $state/dockerd.log" >&2
  tail -20 "$state/dockerd.log" >&2 || true
  exit 1
}

build_busybox_image() {
  if /usr/bin/docker image inspect "$busybox_image" >/dev/null 2>&1; then return; fi
  log "building $busybox_image from the host's busybox"
  local root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/var/www"
  cp /bin/busybox "$root/bin/"
  for applet in sh sleep true false httpd cat echo wget nc kill ls date mkdir rm touch seq printf test; do
    ln -s busybox "$root/bin/$applet"
  done
  tar -C "$root" -c . | /usr/bin/docker import - "$busybox_image" >/dev/null
  rm -rf "$root"
}

# The systemd image: a debootstrapped Debian (cached on disk), Debian's own
# services (a second cached root), plus the test units of tests/sandbox/units,
# tagged by the hash of the units and the package list so edits rebuild it.
units_hash() {
  (cd "$here/units" && { find . -type f | LC_ALL=C sort | xargs cat; echo man-db $service_packages; } | sha256sum | cut -c1-12)
}
systemd_image() { echo "hmtest/systemd:$(units_hash)"; }

discard_partial_root() { rm -rf "$cache/rootfs.partial"; }

debootstrap_root() {
  # man-db: the packaging test reads `man hmctl` after installing the .deb here.
  if [ -x "$cache/rootfs/usr/bin/man" ]; then return; fi
  log "debootstrapping a Debian bookworm root with systemd (about 40 s, once)"
  rm -rf "$cache/rootfs.partial" "$cache/rootfs"
  mkdir -p "$cache"
  retry discard_partial_root -- debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,man-db bookworm "$cache/rootfs.partial" \
    >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  mv "$cache/rootfs.partial" "$cache/rootfs"
}

# The debootstrapped root with $service_packages installed (debian_root.sh).
services_root() { root_with_packages "$cache/rootfs-services" "$service_packages" "$cache/services.log"; }

build_systemd_image() {
  local image
  image=$(systemd_image)
  if /usr/bin/docker image inspect "$image" >/dev/null 2>&1; then return; fi
  services_root
  log "building $image"
  local root
  root=$(mktemp -d)
  cp -a "$cache/rootfs-services/." "$root/"
  cp "$here"/units/*.service "$root/etc/systemd/system/"
  # Drop-ins that fit Debian's own units to a container.
  cp -r "$here"/units/*.service.d "$root/etc/systemd/system/"
  mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
  for unit in "$here"/units/*.service; do
    if grep -q '^WantedBy=multi-user.target' "$unit"; then
      ln -sf "/etc/systemd/system/$(basename "$unit")" "$root/etc/systemd/system/multi-user.target.wants/"
    fi
  done
  # Nothing but our units: no getty, no timers to disturb the tests.
  rm -f "$root"/etc/systemd/system/getty.target.wants/* "$root"/etc/systemd/system/timers.target.wants/* 2>/dev/null || true
  tar -C "$root" -c . | /usr/bin/docker import -c 'CMD ["/lib/systemd/systemd"]' - "$image" >/dev/null
  rm -rf "$root"
}

# Asked from inside the container (its busctl): the host may have no systemd tools.
bus_answers() {
  [ -S "$bus_dir/system_bus_socket" ] &&
    timeout 5 /usr/bin/docker exec "$systemd_name" \
      busctl --system call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
      org.freedesktop.systemd1.Manager LoadUnit s s3block.service >/dev/null 2>&1
}

start_systemd() {
  local image running
  image=$(systemd_image)
  running=$(/usr/bin/docker inspect -f '{{.Config.Image}} {{.State.Running}}' "$systemd_name" 2>/dev/null || true)
  if [ "$running" = "$image true" ] && bus_answers; then return; fi
  /usr/bin/docker rm -f "$systemd_name" >/dev/null 2>&1 || true
  rm -rf "$bus_dir" "$systemd_run_dir"
  mkdir -p "$bus_dir" "$systemd_run_dir"
  log "starting systemd in container $systemd_name (bus: $bus_dir/system_bus_socket, private: $systemd_run_dir/private)"
  /usr/bin/docker run -d --name "$systemd_name" --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
    --security-opt apparmor=unconfined --network none --tmpfs /run --tmpfs /run/lock \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v "$bus_dir:/run/dbus" -v "$systemd_run_dir:/run/systemd" \
    "$image" >/dev/null
  for _ in $(seq 1 100); do
    if bus_answers; then
      # Let boot finish so the enabled units are in their steady state.
      timeout 20 /usr/bin/docker exec "$systemd_name" systemctl is-system-running --wait >/dev/null 2>&1 || true
      return
    fi
    sleep 0.2
  done
  echo "sandbox: systemd's bus did not answer; docker logs $systemd_name:" >&2
  /usr/bin/docker logs "$systemd_name" 2>&1 | tail -20 >&2
  exit 1
}

print_env() {
  cat <<ENV
export DOCKER_HOST=unix:///var/run/docker.sock
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$bus_dir/system_bus_socket
export HMCTL_SANDBOX=$state
export HMCTL_SANDBOX_SYSTEMD=$systemd_name
export HMCTL_SANDBOX_SYSTEMD_RUN=$systemd_run_dir
export HMCTL_SANDBOX_BUSYBOX=$busybox_image
ENV
}

up() {
  need_root
  install_packages
  start_dockerd
  build_busybox_image
  build_systemd_image
  # The SysV image (a sysvinit PID 1) tests start their own containers from,
  # built from the debootstrapped root (made here when only the systemd
  # image was left of an earlier run).
  debootstrap_root
  "$here/sysv.sh" build >/dev/null
  start_systemd
  mkdir -p "$state"
  print_env >"$state/env"
  log "ready ($state/env)"
}

# A small console (compose project "hmdemo") and gateway, as a newcomer's first look.
demo() {
  up
  local demo_dir=$state/demo
  mkdir -p "$demo_dir/production/logs/porter" "$demo_dir/production/config" "$demo_dir/gateway/logs"
  cp "$here/demo/docker-compose-hyperbdr.yml" "$demo_dir/production/"
  sed "s#@DEMO@#$demo_dir#g" "$here/demo/hmctl.toml" >"$demo_dir/hmctl.toml"
  echo "$(date -u '+%Y-%m-%d %H:%M:%S') INFO porter-api started" >"$demo_dir/production/logs/porter/porter-api.log"
  echo "$(date -u '+%Y-%m-%d %H:%M:%S') INFO s3block started" >"$demo_dir/gateway/logs/s3block_$(date -u +%Y%m%d).log"
  (cd "$demo_dir/production" && docker-compose -p hmdemo -f docker-compose-hyperbdr.yml up -d >/dev/null 2>&1) ||
    (cd "$demo_dir/production" && docker-compose -p hmdemo -f docker-compose-hyperbdr.yml up -d)
  echo "$demo_dir/hmctl.toml"
}

down() {
  need_root
  if docker_answers; then
    if [ -f "$state/demo/production/docker-compose-hyperbdr.yml" ]; then
      (cd "$state/demo/production" && docker-compose -p hmdemo -f docker-compose-hyperbdr.yml down -t 1 >/dev/null 2>&1) || true
    fi
    # Every container a test project left behind (projects are named hmt-*).
    local leftovers
    leftovers=$(/usr/bin/docker ps -aq --filter label=hmctl.test 2>/dev/null || true)
    [ -z "$leftovers" ] || /usr/bin/docker rm -f $leftovers >/dev/null 2>&1 || true
    /usr/bin/docker network ls -q --filter label=hmctl.test | xargs -r /usr/bin/docker network rm >/dev/null 2>&1 || true
    /usr/bin/docker rm -f "$systemd_name" >/dev/null 2>&1 || true
  fi
  if [ -f "$state/dockerd.pid" ]; then
    log "stopping the dockerd the sandbox started"
    kill "$(cat "$state/dockerd.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$state"
  log "down"
}

case "${1:-}" in
  up) up ;;
  env) print_env ;;
  image) systemd_image ;;
  demo) demo ;;
  down) down ;;
  *) echo "usage: $0 up|env|image|demo|down" >&2; exit 2 ;;
esac
