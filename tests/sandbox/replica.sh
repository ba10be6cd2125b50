#!/usr/bin/env bash
# A replica of a HyperBDR console on the sandbox's dockerd, for the replica
# tests and benches/run: the console's two compose files with the real service
# names (busybox sleepers with health checks and depends_on), an
# /opt/installer-shaped program directory with real venvs made by
# `python3 -m venv`, padded to >= 150,000 files, MySQL/InfluxDB data and
# backup directories, and logs with rotated and gzipped siblings.
#
# The tree takes a minute or more to build, so it is built once into
# /var/cache/hmctl-sandbox/replica and reused (only read by the tests).
#
#   tests/sandbox/replica.sh up     build if missing, bring the project up, print the hmctl.toml path
#   tests/sandbox/replica.sh down   take the project down (the cached tree stays)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=/var/cache/hmctl-sandbox/replica
root=$cache/opt/installer
project=hmreplica
# Bump when the tree's shape changes.
generation=1
log() { printf 'replica: %s\n' "$*" >&2; }

build_tree() {
  if [ -f "$cache/.built-$generation" ]; then return; fi
  log "building the program directory in $cache (once)"
  rm -rf "$cache"
  mkdir -p "$root/production/config" "$root/production/venvs"
  python3 - "$root" <<'PYTHON'
import gzip, os, subprocess, sys
root = sys.argv[1]
venvs = os.path.join(root, "production", "venvs")
modules = ["porter", "unicloud", "storplus", "proxy", "mistral", "atomy",
           "owl", "ant", "crab", "oneway", "newmuse", "supervisor"]
per_module = 12_600  # padding files per venv: 12 x 12,600 = 151,200
body = b"# padding\n" * 30
for module in modules:
    venv = os.path.join(venvs, module)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    site = os.path.join(venv, "lib", "site-packages")
    for index in range(per_module):
        package = os.path.join(site, f"package{index // 10:04d}")
        if index % 10 == 0:
            os.makedirs(package, exist_ok=True)
        with open(os.path.join(package, f"module{index % 10}.py"), "wb") as out:
            out.write(body)
for data, files in (("mysql/data", 300), ("influxdb/data", 200)):
    path = os.path.join(root, data)
    os.makedirs(path, exist_ok=True)
    for index in range(files):
        with open(os.path.join(path, f"table{index}.ibd"), "wb") as out:
            out.write(os.urandom(16384))
for backup in ("backup/mysql/20261120", "backup/mysql/20261121"):
    path = os.path.join(root, backup)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "all-databases.sql.gz"), "wb") as out:
        out.write(gzip.compress(b"INSERT INTO t VALUES (1);\n" * 20000))
logs = os.path.join(root, "production", "logs")
for module in modules:
    path = os.path.join(logs, module)
    os.makedirs(path, exist_ok=True)
    service = f"{module}-api" if module in ("porter", "unicloud", "proxy", "owl", "storplus") else module
    line = f"2026-11-24 08:00:00.000 INFO {service} request handled\n".encode()
    with open(os.path.join(path, f"{service}.log"), "wb") as out:
        out.write(line * 2000)
    with open(os.path.join(path, f"{service}.log.1"), "wb") as out:
        out.write(line * 2000)
    with open(os.path.join(path, f"{service}.log.2.gz"), "wb") as out:
        out.write(gzip.compress(line * 2000))
PYTHON
  cp "$here/replica/docker-compose-hyperbdr.yml" "$here/replica/docker-compose-hypermotion.yml" "$root/production/"
  touch "$cache/.built-$generation"
}

write_config() {
  cat >"$cache/hmctl.toml" <<TOML
# hmctl configuration for the console replica (tests/sandbox/replica.sh).
[[group]]
name = "console"
project = "$project"
files = ["$root/production/docker-compose-hyperbdr.yml", "$root/production/docker-compose-hypermotion.yml"]
log_dir = "$root/production/logs"
config_dir = "$root/production/config"
program_dir = "$root"
upgrade_dir = "$root/production/venvs"
present_if = ["$root/production"]
ports = []
TOML
  for group in sync-proxy agent gateway; do
    printf '\n[[group]]\nname = "%s"\npresent_if = ["/nonexistent/hmctl-replica"]\n' "$group" >>"$cache/hmctl.toml"
  done
}

compose() {
  (cd "$root/production" && docker-compose -p "$project" \
    -f docker-compose-hyperbdr.yml -f docker-compose-hypermotion.yml "$@")
}

case "${1:-}" in
  up)
    "$here/sandbox.sh" up >/dev/null
    # The tests ask for the replica from several processes at once: one
    # brings it up while the others wait (two `docker-compose up` at once
    # create a service's container twice).
    mkdir -p "$(dirname "$cache")"
    exec 9>"$(dirname "$cache")/replica.lock"
    flock 9
    build_tree
    write_config
    # One container per service, or the project is made anew.
    services=$(compose config --services | wc -l)
    containers=$(docker ps -aq --filter "label=com.docker.compose.project=$project" | wc -l)
    if [ "$containers" -ne 0 ] && [ "$containers" -ne "$services" ]; then
      log "$containers containers for $services services: making the project anew"
      compose down -t 1 >/dev/null 2>&1 || true
      docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null
    fi
    compose up -d >/dev/null 2>&1 || compose up -d
    echo "$cache/hmctl.toml"
    ;;
  down)
    if [ -d "$root/production" ]; then compose down -t 1 >/dev/null 2>&1 || true; fi
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
