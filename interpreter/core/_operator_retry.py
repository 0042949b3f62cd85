"""An operator's ``Retry`` of a failed run, and the ``cancel_on`` subscriptions
a run holds (taken at start, and again by a retried run, which lost them)."""

from __future__ import annotations

from typing import Any

from interpreter.core._for_each import run_for_each
from interpreter.core._goal import subscribe_goal
from interpreter.core._steps import run_action, run_from
from interpreter.core.model import Retry, RunState, WaitForEvent, changed
from interpreter.core.scope import Turn
from interpreter.language.cel_wait_key import match_key
from interpreter.language.definitions import ActionStep, ForEachStep, Workflow


def subscribe_cancel_on(turn: Turn, scope: dict[str, Any]) -> None:
    for index, entry in enumerate(turn.workflow.cancel_on):
        key = match_key(entry.if_, scope) if entry.if_ is not None else None
        turn.commands.append(
            WaitForEvent(
                step_id=None,
                event=entry.event,
                match_path=key[0] if key is not None else None,
                match_value=key[1] if key is not None else None,
                timeout_at=None,
                since=turn.now,
                purpose="cancel",
                index=index,
            )
        )


def retry_step_index(workflow: Workflow, state: RunState) -> int | None:
    """The index of the step a failed run failed at, or None when ``Retry`` cannot
    resume it: it did not fail, it failed before its first step (in ``vars``),
    or its definition has no such step."""
    error = state.error
    if state.status != "failed" or state.started_at is None or not isinstance(error, dict):
        return None
    step_id = error.get("step")
    if not isinstance(step_id, str):
        return None
    try:
        return workflow.step_index(step_id)
    except KeyError:
        return None


def apply_retry(turn: Turn, state: RunState, _retry: Retry) -> RunState:
    """Resume a failed run at the step that failed, keeping outputs, vars and visits.

    An action that ran and failed is tried again in the same visit: the same
    idempotency key, so a provider that did get the last attempt can drop the
    duplicate; attempt numbers go on from the last one, with a fresh retry
    budget. A step that failed before any action ran (a CEL error, a ``with``
    that did not resolve) is entered again as a new visit, ``if`` included.
    """
    index = retry_step_index(turn.workflow, state)
    if index is None:
        return state
    spent = state.error.get("attempts") if isinstance(state.error, dict) else None
    state = changed(
        state, status="running", error=None, cursor=index, wake_at=None, finished_at=None
    )
    # A failed run lost its cancel_on subscriptions with its other waits, and
    # its goal subscription is for a running run again (unless it converted).
    subscribe_cancel_on(turn, turn.scope(state))
    if state.converted_at is None:
        subscribe_goal(turn, turn.scope(state))
    step = turn.workflow.steps[index]
    if isinstance(step, ActionStep | ForEachStep) and isinstance(spent, int) and spent > 0:
        state = changed(state, attempt=spent + 1, retry_base=spent, step_started_at=turn.now)
        if isinstance(step, ForEachStep):
            return run_for_each(turn, state, step)
        return run_action(turn, state, step)
    return run_from(turn, state, index)
