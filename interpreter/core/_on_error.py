"""``on_error``: a step that fails for good lets the run go on.

A step fails for good when its retries are spent, its error is not retryable,
or one of its expressions (``if``, a ``${ }`` in ``with``, a split's key)
cannot be evaluated. Without ``on_error`` that fails the run; with it, the
failure becomes data: ``steps.ID.output`` is null, ``steps.ID.error`` is
``{message, retryable, attempts}``, a timeline row shows the failure and where
the run went, and the run goes on to ``on_error.next`` or, for ``continue``,
to the step that would have followed.

The core fails the step the usual way (``outcomes.fail``) and this module
turns that failure around afterwards, so every way a step can fail is covered
without each step kind knowing about ``on_error``.
"""

from __future__ import annotations

from interpreter.core._steps import BUSY_LOOP, MAX_STEP_ENTRIES, run_from, successor
from interpreter.core.model import Fail, Record, RunState, changed
from interpreter.core.scope import Turn
from interpreter.language.definitions import END, Step


def go_on_after_errors(turn: Turn, state: RunState) -> RunState:
    """``state`` as the input left it, or, if that failed a step with
    ``on_error``, the run gone on from there (and again if the run then fails
    at another such step, up to the bound that stops any loop of steps)."""
    for _ in range(MAX_STEP_ENTRIES):
        step = _rescued_step(turn, state)
        if step is None:
            return state
        state = _go_on(turn, state, step)
    return state


def _rescued_step(turn: Turn, state: RunState) -> Step | None:
    if state.status != "failed" or not turn.commands:
        return None
    last = turn.commands[-1]
    if not isinstance(last, Fail) or last.step_id is None or last.message == BUSY_LOOP:
        return None
    try:
        step = turn.workflow.step(last.step_id)
    except KeyError:
        return None
    return step if step.on_error is not None else None


def _go_on(turn: Turn, state: RunState, step: Step) -> RunState:
    turn.commands.pop()  # the Fail: the run does not end
    failed = state.error if isinstance(state.error, dict) else {}
    spent = failed.get("attempts")
    if isinstance(spent, int):  # the action ran and failed that many times
        attempts, row = spent, spent + 1
    else:  # an expression failed before the attempt in hand could run
        attempts, row = max(state.attempt - 1, 0), max(state.attempt, 1)
    error = {
        "message": failed.get("message"),
        "retryable": bool(failed.get("retryable")),
        "attempts": attempts,
    }
    index = turn.workflow.step_index(step.id)
    state = changed(
        state,
        status="running",
        error=None,
        cursor=index,
        wake_at=None,
        attempt=0,
        retry_base=0,
        steps={**state.steps, step.id: {"output": None, "error": error}},
    )
    target = step.on_error.next if step.on_error is not None else None
    if target is None:
        after = successor(turn, state, step)
        steps = turn.workflow.steps
        target = steps[after].id if after < len(steps) else END
    else:
        after = len(turn.workflow.steps) if target == END else turn.workflow.step_index(target)
    turn.commands.append(Record(step.id, "on_error", {"error": error, "next": target}, row))
    return run_from(turn, state, after)
