"""The action registry as a scenario sees it: mocked steps get their fixed
outcome, every other action runs as configured, and every call is noted in
order so that actions of several runs can be told apart in time."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from interpreter.actions.base import JSON, Action, ActionContext
from interpreter.errors import ActionError
from interpreter.language.scenario import Mock

# (run id, step id, attempt) of one action call.
CallKey = tuple[str, str, int]


@dataclass
class CallLog:
    """Every action call in the order the engine made it.

    Under a virtual clock many actions finish at the same instant, so the
    finish time alone cannot order actions of different runs; this can.
    """

    calls: list[CallKey] = field(default_factory=list)

    def note(self, context: ActionContext) -> None:
        self.calls.append((context.run_id, context.step_id, context.attempt))


@dataclass
class _ScriptedAction:
    name: str
    real: Action
    mocks: Mapping[str, Mock]
    log: CallLog

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        self.log.note(context)
        mock = self.mocks.get(context.step_id)
        if mock is None:
            return self.real(arguments, context)
        if mock.error_message is not None:
            raise ActionError(mock.error_message, retryable=mock.retryable)
        # A copy, so that nothing downstream can change the scenario's value.
        return copy.deepcopy(mock.output)


def scripted_actions(
    actions: Mapping[str, Action], mocks: tuple[Mock, ...], log: CallLog
) -> Mapping[str, Action]:
    """``actions`` with ``mocks`` applied by step id; calls are noted in ``log``."""
    by_step = {mock.step: mock for mock in mocks}
    return MappingProxyType(
        {name: _ScriptedAction(name, action, by_step, log) for name, action in actions.items()}
    )
