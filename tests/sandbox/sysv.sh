#!/usr/bin/env bash
# The SysV image: a Debian bookworm root whose PID 1 is sysvinit-core's
# /sbin/init, with LSB init scripts for the agent's and the gateway's services
# written the way vendors write them (tests/sandbox/sysv): egisplus-agent and
# s3block after Debian's skeleton (start-stop-daemon, a pid file),
# hyper_exporter after RHEL 6's daemon/killproc/status functions (a pid file
# and a lock file, in /etc/rc.d/init.d), and awkward ones: watchman, whose
# daemon dies a second after its script returns; lying-status, whose status
# says running with nothing running; hanging-status, which never answers.
# egisplus-agent and s3block start at boot; the others are stopped. No
# service of the image is named `missing-service`.
#
# The image is built from the systemd image's debootstrapped root (cached by
# sandbox.sh) with sysvinit-core installed by the root's own apt (a second
# cached root), and tagged by the hash of this script and tests/sandbox/sysv,
# so edits rebuild it. Tests run their own containers from it.
#
#   tests/sandbox/sysv.sh build   build the image if missing; print its tag
#   tests/sandbox/sysv.sh image   print the image's tag
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=/var/cache/hmctl-sandbox
root_cache=$cache/rootfs-sysv
packages="sysvinit-core procps"

log() { printf 'sysv: %s\n' "$*" >&2; }
debootstrap_root() {
  if [ -x "$cache/rootfs/usr/bin/man" ]; then return; fi
  echo "sysv: no debootstrapped root in $cache/rootfs; run tests/sandbox/sandbox.sh up first" >&2
  exit 1
}
# shellcheck source=tests/sandbox/debian_root.sh
. "$here/debian_root.sh"

content_hash() {
  (cd "$here" && { find sysv -type f | LC_ALL=C sort | xargs cat; cat sysv.sh debian_root.sh; echo "$packages"; } | sha256sum | cut -c1-12)
}
image() { echo "hmtest/sysv:$(content_hash)"; }

# The debootstrapped root with sysvinit-core in place of systemd-sysv
# (debian_root.sh).
sysv_root() { root_with_packages "$root_cache" "$packages" "$cache/sysv.log"; }

build() {
  local tag
  tag=$(image)
  if /usr/bin/docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; return; fi
  # Tests build it on first use, several at once: one builds, the others wait.
  mkdir -p "$cache"
  exec 9>"$cache/sysv.lock"
  flock 9
  if /usr/bin/docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; return; fi
  sysv_root
  log "building $tag"
  local root
  root=$(mktemp -d)
  cp -a "$root_cache/." "$root/"
  # Runlevel 2 and nothing else: no gettys (a container has no ttys), no rcS
  # (a container's mounts are made by Docker).
  cat >"$root/etc/inittab" <<'INITTAB'
# The SysV image's inittab (tests/sandbox/sysv.sh).
id:2:initdefault:
l2:2:wait:/etc/init.d/rc 2
INITTAB
  install -m 755 "$here"/sysv/init.d/* "$root/etc/init.d/"
  mkdir -p "$root/etc/rc.d/init.d"
  install -m 644 "$here/sysv/rc.d/functions" "$root/etc/rc.d/init.d/functions"
  install -m 755 "$here/sysv/rc.d/hyper_exporter" "$root/etc/rc.d/init.d/hyper_exporter"
  mkdir -p "$root/var/lib/egisplus-agent/bin" "$root/var/lib/sgateway/bin" "$root/var/lib/sgateway/config" \
    "$root/var/log/egisplus-agent" "$root/var/log/hyper_exporter" "$root/var/log/sgateway"
  for program in egisplus-agent hyper_exporter; do
    install -m 755 "$here/sysv/bin/daemon" "$root/var/lib/egisplus-agent/bin/$program"
  done
  for program in s3block watchman; do
    install -m 755 "$here/sysv/bin/daemon" "$root/var/lib/sgateway/bin/$program"
  done
  for script in egisplus-agent s3block watchman lying-status hanging-status; do
    chroot "$root" update-rc.d "$script" defaults >/dev/null 2>&1
  done
  # hyper_exporter is not linked into a runlevel (RHEL links with chkconfig,
  # which Debian lacks): it is stopped after boot.
  tar -C "$root" -c . | /usr/bin/docker import -c 'CMD ["/sbin/init"]' - "$tag" >/dev/null
  rm -rf "$root"
  echo "$tag"
}

case "${1:-}" in
  build) build ;;
  image) image ;;
  *) echo "usage: $0 build|image" >&2; exit 2 ;;
esac
