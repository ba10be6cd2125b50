#!/usr/bin/env bash
# Installs the real tools the fleet tests run, idempotently, into a cache a
# fresh machine builds once (/var/cache/hmctl-sandbox/fleet):
#   - promtool, prometheus and prometheus-node-exporter from Debian's packages
#     (`apt-get download` + `dpkg-deb -x`: the binaries only, so installing
#     them starts no daemon on this machine and claims no port);
#   - ansible from PyPI in a venv this script makes.
# Prints the variables the tests read (also written to $cache/env).
set -euo pipefail
cache=/var/cache/hmctl-sandbox/fleet
ansible_version=10.7.0
mkdir -p "$cache"
log() { printf 'fleet-tools: %s\n' "$*" >&2; }
# shellcheck source=tests/sandbox/retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sandbox/retry.sh"

debian_tools() {
  local root=$cache/debian
  if [ -x "$root/usr/bin/promtool" ] && [ -x "$root/usr/bin/prometheus" ] &&
    [ -x "$root/usr/bin/prometheus-node-exporter" ]; then
    return
  fi
  log "downloading prometheus and prometheus-node-exporter from Debian"
  local debs
  debs=$(mktemp -d)
  (cd "$debs" && { apt-get "${apt_retries[@]}" download -q prometheus prometheus-node-exporter >/dev/null 2>&1 ||
    { retry true -- apt-get "${apt_retries[@]}" update -qq &&
      retry true -- apt-get "${apt_retries[@]}" download -q prometheus prometheus-node-exporter >/dev/null; }; })
  rm -rf "$root.partial"
  mkdir -p "$root.partial"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$root.partial"; done
  rm -rf "$debs" "$root"
  mv "$root.partial" "$root"
}

ansible_venv() {
  local venv=$cache/ansible-$ansible_version
  # A venv's scripts name their interpreter by path, so it is built in place
  # and marked complete last: an interrupted install is redone.
  if [ -f "$venv/.complete" ]; then return; fi
  log "installing ansible $ansible_version from PyPI into $venv (about a minute, once)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  retry true -- "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 10 "ansible==$ansible_version" >/dev/null
  touch "$venv/.complete"
}

# ansible-test makes a venv per sanity test and bootstraps pip in it with a
# get-pip script from ci-files.testing.ansible.com, which this machine cannot
# reach. Its documented way out is a script in its cache; this one does what
# get-pip does (install the pip it is asked for, from PyPI) with the
# interpreter's own ensurepip first.
ansible_test_pip() {
  local script=$HOME/.ansible/test/cache/get_pip_23_1_2.py
  grep -q "process of its own" "$script" 2>/dev/null && return
  mkdir -p "$(dirname "$script")"
  cat >"$script" <<'PY'
import subprocess
import sys

# In a process of its own: ensurepip sets PIP_CONFIG_FILE=/dev/null in its
# environment, which would hide pip.conf (a proxy's CA) from the install.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + sys.argv[1:]))
PY
}

debian_tools
ansible_venv
ansible_test_pip
cat >"$cache/env" <<ENV
export HMCTL_PROMTOOL=$cache/debian/usr/bin/promtool
export HMCTL_PROMETHEUS=$cache/debian/usr/bin/prometheus
export HMCTL_NODE_EXPORTER=$cache/debian/usr/bin/prometheus-node-exporter
export HMCTL_ANSIBLE_VENV=$cache/ansible-$ansible_version
ENV
cat "$cache/env"
