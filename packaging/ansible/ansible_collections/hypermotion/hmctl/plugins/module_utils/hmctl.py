# -*- coding: utf-8 -*-
# Copyright: hmctl developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Runs hmctl with --json and turns its output into module results."""

from __future__ import annotations

import json

# Options every module of the collection takes.
COMMON_ARGUMENTS = dict(
    hmctl_path=dict(type='str', default='hmctl'),
    config=dict(type='path'),
)

# The plan actions that change a host (hmctl's Action::changes).
CHANGING_ACTIONS = frozenset(['start', 'stop', 'restart', 'create', 'recreate'])


def hmctl_command(module, arguments):
    """The argv of `hmctl --color never --json [--config FILE] ARGUMENTS`."""
    executable = module.get_bin_path(module.params['hmctl_path'], required=True)
    command = [executable, '--color', 'never', '--json']
    if module.params.get('config'):
        command.extend(['--config', module.params['config']])
    command.extend(arguments)
    return command


def run_hmctl(module, arguments):
    """Runs hmctl; returns (exit code, parsed JSON or None, stderr, argv)."""
    command = hmctl_command(module, arguments)
    code, stdout, stderr = module.run_command(command, environ_update=dict(NO_COLOR='1', HMCTL_CALLER='ansible'))
    document = None
    if stdout.strip():
        try:
            document = json.loads(stdout)
        except ValueError:
            document = None
    return code, document, stderr, command


def failure_of(stderr):
    """hmctl's `error:` and `hint:` lines: (message, hint)."""
    messages = []
    hints = []
    for line in stderr.splitlines():
        if line.startswith('error: '):
            messages.append(line[len('error: '):])
        elif line.startswith('hint: '):
            hints.append(line[len('hint: '):])
    return '; '.join(messages), '; '.join(hints)


def fail_with_hmctl(module, code, stderr, command, **result):
    """Fails the task with hmctl's own message, hint and exit code."""
    result.pop('rc', None)
    message, hint = failure_of(stderr)
    if not message:
        message = stderr.strip() or 'hmctl exited with code %d' % code
    module.fail_json(msg=message, hint=hint, rc=code, stderr=stderr, cmd=command, **result)
