#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hmctl developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: hmctl_service
short_description: Start, stop, restart or reload HyperBDR / HyperMotion services with hmctl
version_added: "0.1.0"
description:
  - Runs C(hmctl start|stop|restart|reload --json) for the selected services, in
    hmctl's dependency order, waiting for each to be running and healthy.
  - In check mode runs the same command with C(--dry-run) and reports C(changed)
    from hmctl's plan (an action that starts, stops, restarts, creates or recreates).
  - Outside check mode C(changed) is true exactly when hmctl acted on a service.
  - A failure carries hmctl's message (C(msg)), its hint (C(hint)) and its exit code (C(rc)).
  - With O(state=stopped), hmctl refuses (rc 2) a stop that would leave a running service
    without something it needs, unless O(with_dependents) or O(force); the module first asks
    C(hmctl ok-to-stop) and returns its answer as RV(verdict), in check mode too, so a check
    run reports a refused stop without acting.
options:
  name:
    description: One service, unit or module.
    type: str
  names:
    description: Several services, units or modules.
    type: list
    elements: str
  group:
    description: Every service of a group (console, sync-proxy, agent, gateway).
    type: str
  state:
    description:
      - C(started) starts what is not running; C(stopped) stops what runs;
        C(restarted) restarts; C(reloaded) recreates the containers whose image or
        configuration changed.
    type: str
    required: true
    choices: [started, stopped, restarted, reloaded]
  wait:
    description: Wait for each service to be running and healthy (false is hmctl's C(--no-wait)).
    type: bool
    default: true
  timeout:
    description:
      - Per service, seconds to wait for health (start, restart) or for a stop before a kill.
      - Default hmctl's (120 s for health).
    type: int
  with_dependents:
    description:
      - With O(state=stopped), also stop the running services that need what is stopped,
        dependents first (hmctl's C(--with-dependents)).
    type: bool
    default: false
  force:
    description:
      - With O(state=stopped), stop only what was asked even when running services need it
        (hmctl's C(--force)).
    type: bool
    default: false
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
    details: hmctl's C(--dry-run) plan decides C(changed).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
notes:
  - Use O(name), O(names) or O(group), exactly one.
  - O(with_dependents) and O(force) exclude each other and apply to O(state=stopped) only.
author:
  - hmctl developers (@hmctl)
'''

EXAMPLES = r'''
- name: Restart s3block and wait until it is healthy again
  hypermotion.hmctl.hmctl_service:
    name: s3block
    state: restarted
    timeout: 60

- name: Make sure every agent service runs
  hypermotion.hmctl.hmctl_service:
    group: agent
    state: started

- name: Stop mysql and every running service that needs it, dependents first
  hypermotion.hmctl.hmctl_service:
    name: mysql
    state: stopped
    with_dependents: true

- name: Stop two console services without waiting
  hypermotion.hmctl.hmctl_service:
    names: [porter-api, porter-migration]
    state: stopped
    wait: false
'''

RETURN = r'''
plan:
  description: >-
    hmctl's plan: its steps, each with service, group, backend, action, now, after (the
    services it waits for) and settle_seconds (how long it must stay up to be done).
  returned: when hmctl printed one
  type: dict
  sample:
    verb: restart
    steps:
      - service: s3block
        group: gateway
        backend: systemd
        action: restart
        now: active (running)
        after: []
        settle_seconds: 2.0
results:
  description: >-
    What became of each step (service, group, action, outcome, detail, seconds,
    settle_seconds); null in check mode.
  returned: when hmctl printed them
  type: list
  elements: dict
  sample:
    - service: s3block
      group: gateway
      action: restart
      outcome: done
      detail: active (running) (stayed up 2.0 s)
      seconds: 2.1
      settle_seconds: 2.0
acted:
  description: The services hmctl acted on (or, in check mode, would act on).
  returned: when hmctl printed a plan
  type: list
  elements: str
  sample: [s3block]
verdict:
  description: >-
    With O(state=stopped) and not O(force): C(hmctl ok-to-stop)'s answer — whether the stop
    is safe, the services it would stop that run now, and each running service outside the
    selection that needs one of them (service, group, needs).
  returned: when O(state=stopped) and hmctl could answer
  type: dict
  sample:
    schema: 1
    safe: false
    stopping: [mysql]
    dependents:
      - service: porter-api
        group: console
        needs: [mysql]
rc:
  description: hmctl's exit code.
  returned: always
  type: int
  sample: 0
hint:
  description: hmctl's hint for the operator, on failure.
  returned: failure
  type: str
  sample: see journalctl -u s3block.service
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hypermotion.hmctl.plugins.module_utils.hmctl import (
    CHANGING_ACTIONS,
    COMMON_ARGUMENTS,
    fail_with_hmctl,
    run_hmctl,
)

VERBS = dict(started='start', stopped='stop', restarted='restart', reloaded='reload')
# Outcomes after which hmctl has asked the daemon to act.
ACTED_OUTCOMES = frozenset(['done', 'failed'])


def targets_of(params):
    """The TARGETs the module's parameters name."""
    return params['names'] or [params['name'] or params['group']]


def command_arguments(params, check_mode):
    """hmctl's verb, options and targets for the module's parameters."""
    arguments = [VERBS[params['state']]]
    if params['with_dependents']:
        arguments.append('--with-dependents')
    if params['force']:
        arguments.append('--force')
    if params['timeout'] is not None:
        arguments.extend(['--timeout', str(params['timeout'])])
    if not params['wait']:
        arguments.append('--no-wait')
    if check_mode:
        arguments.append('--dry-run')
    return arguments + ['--'] + targets_of(params)


def verdict_of(module):
    """hmctl ok-to-stop's answer for the targets, or None when it could not answer."""
    code, document = run_hmctl(module, ['ok-to-stop', '--'] + targets_of(module.params))[:2]
    return document if code in (0, 1) else None


def planned(document):
    """The services the plan would act on."""
    steps = ((document or {}).get('plan') or {}).get('steps') or []
    return [step['service'] for step in steps if step.get('action') in CHANGING_ACTIONS]


def acted(document):
    """The services hmctl acted on."""
    results = (document or {}).get('results') or []
    return [
        result['service'] for result in results
        if result.get('action') in CHANGING_ACTIONS and result.get('outcome') in ACTED_OUTCOMES
    ]


def main():
    argument_spec = dict(
        name=dict(type='str'),
        names=dict(type='list', elements='str'),
        group=dict(type='str'),
        state=dict(type='str', required=True, choices=list(VERBS)),
        wait=dict(type='bool', default=True),
        timeout=dict(type='int'),
        with_dependents=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )
    argument_spec.update(COMMON_ARGUMENTS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[('name', 'names', 'group'), ('with_dependents', 'force')],
        required_one_of=[('name', 'names', 'group')],
        supports_check_mode=True,
    )
    if module.params['timeout'] is not None and module.params['timeout'] < 1:
        module.fail_json(msg='timeout must be at least 1 second', rc=2)
    stopping = module.params['state'] == 'stopped'
    if not stopping and (module.params['with_dependents'] or module.params['force']):
        module.fail_json(msg='with_dependents and force apply to state=stopped only', rc=2)
    verdict = verdict_of(module) if stopping and not module.params['force'] else None
    arguments = command_arguments(module.params, module.check_mode)
    code, document, stderr, command = run_hmctl(module, arguments)
    document = document or {}
    services = planned(document) if module.check_mode else acted(document)
    result = dict(
        changed=bool(services),
        plan=document.get('plan'),
        results=document.get('results'),
        acted=services,
        rc=code,
    )
    if verdict is not None:
        result['verdict'] = verdict
    if code != 0:
        fail_with_hmctl(module, code, stderr, command, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
