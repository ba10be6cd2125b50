#!/usr/bin/env bash
# Fills ansible-test's sanity venvs (~/.ansible/test/venv: one per sanity test,
# from PyPI) without running the tests, so that tests/run-all can do it in the
# background while it compiles: on a fresh machine the downloads and installs
# took most of the ten minutes of `the_collection_passes_ansible_test_sanity`.
# Needs tests/fleet/tools.sh's variables (HMCTL_ANSIBLE_VENV). Idempotent:
# ansible-test reuses venvs it has already made.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${HMCTL_ANSIBLE_VENV:?run tests/fleet/tools.sh first}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
collection=$copy/ansible_collections/hypermotion/hmctl
mkdir -p "$(dirname "$collection")"
cp -a "$root/packaging/ansible/ansible_collections/hypermotion/hmctl" "$collection"
rm -rf "$collection/tests/output"
python=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$collection"
PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --prime-venvs --requirements --python "$python"
