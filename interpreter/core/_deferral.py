"""Deferred actions: an attempt the outside world said may not run before a
given instant (``StepDeferred``: an ``email.send`` whose frequency cap is
full and whose step says ``when_capped: defer``).

The run sleeps at the step until then, on a durable timer like any other (no
worker is held, and virtual time plays it), and on waking asks for the action
again: the same visit, so the same idempotency key, and the check is made
anew. The deferred attempt keeps its own row on the timeline; the next one
gets the next attempt number, with ``retry_base`` moved along with it so that
a deferral spends none of the step's retry budget.

"Sleeping at an action step with an attempt made" is what marks the state: a
deferral by quiet hours sleeps before the first attempt (attempt 0).
"""

from __future__ import annotations

from interpreter.core._steps import run_action
from interpreter.core.local_time import quiet_deferral
from interpreter.core.model import RunState, SleepUntil, StepDeferred, changed
from interpreter.core.scope import Turn
from interpreter.language.definitions import ActionStep


def defer_step(turn: Turn, state: RunState, step: ActionStep, deferred: StepDeferred) -> RunState:
    """Park the run at ``step`` until ``deferred.until``."""
    turn.commands.append(SleepUntil(step.id, deferred.until))
    return changed(
        state,
        status="sleeping",
        attempt=state.attempt + 1,
        retry_base=state.retry_base + 1,
        wake_at=deferred.until,
    )


def deferral_ended(turn: Turn, state: RunState, step: ActionStep) -> RunState:
    """Try the action again; a worker that wakes inside quiet hours (a step that
    defers for them) waits for their end first, as a first attempt would."""
    quiet = turn.workflow.quiet_hours
    if quiet is not None and step.quiet_mode == "defer":
        again = quiet_deferral(quiet, state, turn.now)
        if again is not None:
            turn.commands.append(SleepUntil(step.id, again))
            return changed(state, wake_at=again)
    return run_action(turn, changed(state, status="running", wake_at=None), step)
