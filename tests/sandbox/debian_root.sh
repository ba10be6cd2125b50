# Sourced by sandbox.sh and sysv.sh: a copy of the debootstrapped Debian root
# with packages installed by the root's own apt (the containers run without a
# network, so it happens here, once). Its stamp (DEST.packages) holds the
# package list, so a changed list rebuilds it.
#
#   root_with_packages DEST "PACKAGES" LOG
root_with_packages() {
  local root=$1 packages=$2 install_log=$3
  if [ "$(cat "$root.packages" 2>/dev/null)" = "$packages" ] && [ -d "$root" ]; then return; fi
  debootstrap_root
  log "installing $packages into a copy of the root (about a minute, once)"
  rm -rf "$root.partial" "$root" "$root.packages"
  cp -a "$cache/rootfs" "$root.partial"
  cp /etc/resolv.conf "$root.partial/etc/resolv.conf"
  # Nothing is started while installing: no init runs in a chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root.partial/usr/sbin/policy-rc.d"
  chmod 755 "$root.partial/usr/sbin/policy-rc.d"
  # shellcheck disable=SC2086 # the list is words
  if ! { chroot "$root.partial" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$root.partial" apt-get install -y -qq --no-install-recommends \
      --allow-remove-essential $packages &&
    chroot "$root.partial" apt-get clean; } >"$install_log" 2>&1; then
    tail -20 "$install_log" >&2
    exit 1
  fi
  rm -f "$root.partial/usr/sbin/policy-rc.d"
  mv "$root.partial" "$root"
  echo "$packages" >"$root.packages"
}
