"""The names a CEL expression sees while a run advances.

One ``Turn`` is one call of ``advance``: the definition, the moment the input
arrived, the secrets and the commands asked for so far. Scopes are built from
the state at the moment of each evaluation, because a ``set`` step or a step's
output changes what the next expression sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from interpreter.core.model import JSON, Command, RunState
from interpreter.language import cel
from interpreter.language.definitions import Expression, Workflow
from interpreter.language.policies import Rate
from interpreter.language.values import rfc3339


@dataclass(slots=True)
class Turn:
    workflow: Workflow
    now: datetime
    secrets: Mapping[str, str]
    commands: list[Command] = field(default_factory=list)
    send_rate: Rate | None = None  # policies.yaml: every email.send queues on it
    _declared: dict[str, str] | None = None

    def declared_secrets(self) -> dict[str, str]:
        """Only the secrets the campaign declares: nothing else leaks into CEL."""
        if self._declared is None:
            self._declared = {
                name: self.secrets[name] for name in self.workflow.secrets if name in self.secrets
            }
        return self._declared

    def scope(self, state: RunState) -> dict[str, Any]:
        return {**run_scope(state), "now": self.now, "secrets": self.declared_secrets()}


def run_scope(state: RunState) -> dict[str, Any]:
    """What a run has to show: its trigger event, vars, step outputs and itself.
    Email templates see exactly this; CEL sees it plus ``now`` and ``secrets``."""
    started = state.started_at
    return {
        "event": state.event,
        "vars": state.vars,
        "steps": state.steps,
        "run": {
            "id": state.run_id,
            "workflow": state.workflow_id,
            "started_at": rfc3339(started) if started is not None else None,
            "timezone": state.timezone,
        },
    }


def with_async(scope: dict[str, Any], candidate: JSON) -> dict[str, Any]:
    """The scope of a wait or cancel condition: ``async`` is the candidate event."""
    return {**scope, "async": candidate}


def condition_holds(condition: Expression | None, scope: dict[str, Any], candidate: Any) -> bool:
    """Whether a wait or cancel condition holds for a candidate event.

    Any error is a non-match: the candidate is someone else's data, and a field
    it lacks (or an int where a double was expected) must not break this run.
    """
    if condition is None:
        return True
    try:
        return cel.evaluate_condition(condition, with_async(scope, candidate))
    except Exception:  # deliberately broad, see above
        return False
