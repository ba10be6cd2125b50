#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hmctl developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: hmctl_info
short_description: Gather the state of a host's HyperBDR / HyperMotion services from hmctl
version_added: "0.1.0"
description:
  - Runs C(hmctl status --json) on the host and returns its document as the fact C(hmctl_status).
  - Read-only; runs the same in check mode.
  - A service that is not running or not healthy, or a daemon that could not be asked,
    is data in the document (C(ok), C(services[].ok), C(errors)), not a task failure.
options:
  targets:
    description:
      - Services, units, groups or modules to report on, as hmctl's TARGET arguments.
      - Empty means every service of every present group.
    type: list
    elements: str
    default: []
  hmctl_path:
    description: The hmctl executable, a name looked up in PATH or an absolute path.
    type: str
    default: hmctl
  config:
    description: The hmctl configuration file (C(--config)); default C(/etc/hmctl/hmctl.toml).
    type: path
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  facts:
    description: Action returns an C(ansible_facts) dictionary that will update existing host facts.
    support: full
author:
  - hmctl developers (@hmctl)
'''

EXAMPLES = r'''
- name: Ask hmctl for every service's state
  hypermotion.hmctl.hmctl_info:

- name: Fail when a gateway service is down
  ansible.builtin.assert:
    that: ansible_facts.hmctl_status.ok
    fail_msg: >-
      down: {{ ansible_facts.hmctl_status.services | rejectattr('ok') | map(attribute='name') | join(', ') }}

- name: Only the gateway group
  hypermotion.hmctl.hmctl_info:
    targets: [gateway]
'''

RETURN = r'''
ansible_facts:
  description: Facts added to the host.
  returned: success
  type: complex
  contains:
    hmctl_status:
      description:
        - hmctl's C(status --json) document (schema 1 of hmctl's contract).
        - C(ok) is true when every selected service is running and healthy.
      returned: success
      type: dict
      sample:
        schema: 1
        host: gw-01
        ok: true
        services:
          - name: s3block
            group: gateway
            backend: systemd
            state: running
            health: none
            ok: true
            detail: active (running)
            since: "2026-11-24T15:00:00Z"
            restarts: 0
            exit_code: null
            pid: 42
            last_change: null
        checks: []
        errors: []
exit_code:
  description:
    - hmctl's exit code (0 all ok, 3 a service not ok, 4 a daemon could not be asked).
    - Not C(rc), which Ansible would read as a failed task.
  returned: success
  type: int
  sample: 0
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hypermotion.hmctl.plugins.module_utils.hmctl import (
    COMMON_ARGUMENTS,
    fail_with_hmctl,
    run_hmctl,
)

# Exit codes after which status --json has printed its document.
DOCUMENT_EXITS = (0, 3, 4)


def main():
    argument_spec = dict(targets=dict(type='list', elements='str', default=[]))
    argument_spec.update(COMMON_ARGUMENTS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    arguments = ['status', '--'] + module.params['targets']
    code, document, stderr, command = run_hmctl(module, arguments)
    if code not in DOCUMENT_EXITS or document is None:
        fail_with_hmctl(module, code, stderr, command, changed=False)
    module.exit_json(changed=False, exit_code=code, ansible_facts=dict(hmctl_status=document))


if __name__ == '__main__':
    main()
