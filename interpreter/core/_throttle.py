"""Throttled actions: a step's ``throttle`` and the shared ``send_rate``.

An action attempt that a throttle or the send rate applies to does not run
when the core asks for it. The core asks for its turn instead (``ReserveSlot``,
one command for every queue the attempt joins, so it gets one start time that
is right for all of them); the engine has the store reserve it, in the
database, across every run and worker, and feeds the answer back as
``SlotReserved``. A turn due now runs the action at once; a later one parks the
run asleep until it (``SleepUntil``, a durable timer like any other, so no
worker is held and virtual time plays it), with the turn kept in the state
(``throttled_until``). Waking, the run asks once more under the same holder:
that takes no new place in the queue, it confirms the start, and the store may
move it a little later if an earlier start began late (see
``store/sql/throttles.py``), so the rule holds for the starts that happened.

The turn is a command and its answer an input, rather than something the
engine looks up before calling the core, because reserving is an effect (a row
other workers count) and the core must decide, from the answer, whether the
run sleeps: the same split as ``RunAction`` and ``StepSucceeded``.
"""

from __future__ import annotations

from interpreter.core.model import (
    Queue,
    Record,
    ReserveSlot,
    RunState,
    SleepUntil,
    SlotReserved,
    changed,
)
from interpreter.core.outcomes import fail_expression
from interpreter.core.scope import Turn
from interpreter.errors import ExpressionError
from interpreter.language import cel
from interpreter.language.definitions import ActionStep
from interpreter.language.values import rfc3339
from interpreter.language.wait_keys import canonical

# The one queue every email.send of every campaign shares (policies.yaml).
SEND_RATE_QUEUE = "send_rate"
THROTTLE_KIND = "throttle"


def is_throttled(turn: Turn, step: ActionStep) -> bool:
    """Whether the step's attempts take turns: cheap, on every action's path."""
    return step.throttle is not None or (turn.send_rate is not None and step.action == "email.send")


def reserve(turn: Turn, state: RunState, step: ActionStep, key: str) -> RunState:
    """Ask for the turn of the attempt at ``state.attempt`` (``key``: the action's
    idempotency key). A throttle key that fails to evaluate fails the step."""
    queues: list[Queue] = []
    throttle = step.throttle
    if throttle is not None:
        name = f"throttle:{state.workflow_id}:{step.id}"
        if throttle.key is not None:
            try:
                name += ":" + canonical(cel.evaluate(throttle.key, turn.scope(state)))
            except ExpressionError as error:
                return fail_expression(turn, state, step.id, error)
        queues.append(Queue(name, throttle.limit, throttle.period))
    send_rate = turn.send_rate
    if send_rate is not None and step.action == "email.send":
        queues.append(Queue(SEND_RATE_QUEUE, send_rate.limit, send_rate.period))
    holder = f"{key}:{state.attempt}"
    turn.commands.append(ReserveSlot(step.id, state.attempt, holder, tuple(queues)))
    return state


def turn_given(
    turn: Turn, state: RunState, step: ActionStep, slot: SlotReserved
) -> RunState | None:
    """The turn arrived. Returns the sleeping state when it lies ahead, or None
    when the action may run now. The timeline gets a ``throttle`` row (attempt
    ``-n`` for attempt n: it precedes the attempt and keeps its own key) saying
    how long the step waits."""
    if slot.started:
        return None
    if state.throttled_until is None:  # the first time this attempt waits: one row
        waited = max(0.0, (slot.at - turn.now).total_seconds())
        output = {"throttled_until": rfc3339(slot.at), "waited_seconds": round(waited, 3)}
        turn.commands.append(Record(step.id, THROTTLE_KIND, output, attempt=-state.attempt))
    turn.commands.append(SleepUntil(step.id, slot.at))
    return changed(state, status="sleeping", wake_at=slot.at, throttled_until=slot.at)


def awaits_turn(state: RunState, step: ActionStep | None, slot: SlotReserved) -> bool:
    """Whether a ``SlotReserved`` answers the attempt in flight (not a stale one)."""
    return (
        step is not None
        and step.id == slot.step_id
        and state.status == "running"
        and state.wake_at is None
        and slot.attempt == state.attempt
    )
