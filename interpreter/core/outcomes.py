"""How a run ends: completed, failed, cancelled or timed out.

Each helper returns the terminal state and appends the one terminal command, so
every way out of a run stamps the same fields (cursor None, no wake-up).
"""

from __future__ import annotations

from interpreter.core.model import (
    Cancelled,
    Complete,
    Fail,
    Record,
    RunState,
    TimedOut,
    changed,
)
from interpreter.core.scope import Turn
from interpreter.errors import ExpressionError


def complete(turn: Turn, state: RunState) -> RunState:
    turn.commands.append(Complete())
    return changed(state, status="completed", cursor=None, wake_at=None)


def fail(
    turn: Turn,
    state: RunState,
    step_id: str | None,
    message: str,
    *,
    location: str | None = None,
    retryable: bool = False,
    attempts: int | None = None,
) -> RunState:
    turn.commands.append(Fail(step_id, message, location))
    error = {
        "step": step_id,
        "message": message,
        "location": location,
        "retryable": retryable,
        "attempts": attempts,
    }
    return changed(state, status="failed", cursor=None, wake_at=None, error=error)


def fail_expression(
    turn: Turn, state: RunState, step_id: str | None, error: ExpressionError
) -> RunState:
    """A CEL error fails the step outright: retrying the same expression on the
    same data would only fail again."""
    return fail(turn, state, step_id, error.message, location=error.location)


def cancel(turn: Turn, state: RunState, reason: str) -> RunState:
    turn.commands.append(Cancelled(reason))
    step_id = current_step_id(turn, state)
    error = {"step": step_id, "message": reason, "cancelled": True}
    return changed(state, status="cancelled", cursor=None, wake_at=None, error=error)


def time_out(turn: Turn, state: RunState) -> RunState:
    """The run reached its deadline: it ends where it stands, whatever it waited for."""
    deadline = state.deadline if state.deadline is not None else turn.now
    step_id = current_step_id(turn, state)
    if step_id is not None:
        # The step the run was in gets a row: its attempts so far have theirs.
        output = {"deadline": deadline.isoformat()}
        turn.commands.append(Record(step_id, "timed_out", output, attempt=state.attempt + 1))
    turn.commands.append(TimedOut(deadline))
    error = {
        "step": step_id,
        "message": f"timed out: the campaign's timeout ran out at {deadline.isoformat()}",
        "timed_out": True,
    }
    return changed(state, status="timed_out", cursor=None, wake_at=None, error=error)


def current_step_id(turn: Turn, state: RunState) -> str | None:
    cursor = state.cursor
    if cursor is None or state.started_at is None or not 0 <= cursor < len(turn.workflow.steps):
        return None
    return turn.workflow.steps[cursor].id
