"""Entering steps: what each step kind does when the run reaches it.

``run_from`` walks the steps from an index until one has to wait for the
outside world (an action, a sleep, a wait) or the run ends. Steps that need no
outside world (switch, set, a skipped step, a ``sleep_until`` already past)
finish within the same call and leave a ``Record`` for the timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from interpreter.core._for_each import run_for_each
from interpreter.core._split import choose, target_of
from interpreter.core._throttle import is_throttled, reserve
from interpreter.core._wait_any import enter_wait_any, wait_since
from interpreter.core.local_time import local_rfc3339, quiet_deferral, window_opening
from interpreter.core.model import (
    JSON,
    Record,
    RunAction,
    RunState,
    SleepUntil,
    WaitForEvent,
    changed,
)
from interpreter.core.outcomes import complete, fail, fail_expression
from interpreter.core.scope import Turn
from interpreter.errors import ExpressionError
from interpreter.language import cel
from interpreter.language.cel_wait_key import match_key
from interpreter.language.definitions import (
    END,
    ActionStep,
    ForEachStep,
    SetStep,
    SleepStep,
    SleepUntilStep,
    SplitStep,
    Step,
    SwitchStep,
    WaitForAnyStep,
    WaitForEventStep,
    WaitForWindowStep,
)
from interpreter.language.values import parse_timestamp

# A loop of steps that never waits would spin the worker forever; lint rejects
# such cycles, but a run must not depend on lint having been run.
MAX_STEP_ENTRIES = 1000

# Why a run that looped with nothing to wait on failed; ``on_error`` never
# turns this failure around, or the loop would go on.
BUSY_LOOP = (
    f"{MAX_STEP_ENTRIES} steps ran without an action, sleep or wait; "
    "a loop with nothing to wait on would never stop"
)

# ``run_from`` stops at None: the step is waiting on the outside world, or the run ended.
Next = int | None


def idempotency_key(run_id: str, step_id: str, visit: int) -> str:
    """The key an action receives: ``"<run id>:<step id>:<visit>"``.

    Plain text rather than a hash so that a provider's dashboard shows which run
    and step sent a message. It does not contain the attempt, so every retry of
    one visit shares it, and it does contain the visit, so a step inside a loop
    gets a fresh key on each pass.
    """
    return f"{run_id}:{step_id}:{visit}"


def run_from(turn: Turn, state: RunState, index: int) -> RunState:
    """Enter steps from ``index`` on until one parks the run or the run ends."""
    steps = turn.workflow.steps
    for _ in range(MAX_STEP_ENTRIES):
        if index >= len(steps):
            return complete(turn, state)
        state, after = _enter(turn, state, index, steps[index])
        if after is None:
            return state
        index = after
    if index >= len(steps):
        return complete(turn, state)
    return fail(
        turn,
        state,
        steps[index].id,
        BUSY_LOOP,
    )


def finish(
    turn: Turn, state: RunState, step: Step, output: JSON, **changes: Any
) -> tuple[RunState, int]:
    """Store ``output`` as ``steps.<id>.output`` and name the step that follows.

    ``changes`` are further fields to set in the same copy of the state.
    """
    result: dict[str, JSON] = {"output": output}
    if step.on_error is not None:
        result["error"] = None  # a step that may fail says it did not
    steps = {**state.steps, step.id: result}
    state = changed(
        state, steps=steps, status="running", wake_at=None, attempt=0, retry_base=0, **changes
    )
    return state, successor(turn, state, step)


def successor(turn: Turn, state: RunState, step: Step) -> int:
    """The index of the step after ``step``; the step count means the run ends."""
    if step.next is not None:
        return index_of(turn, step.next)
    cursor = state.cursor
    return (cursor if cursor is not None else turn.workflow.step_index(step.id)) + 1


def _enter(turn: Turn, state: RunState, index: int, step: Step) -> tuple[RunState, Next]:
    # Entering changes nothing CEL can see, so the fields below are applied
    # together with each kind's own changes: one copy of the state per step.
    entered: dict[str, Any] = {
        "cursor": index,
        "visits": {**state.visits, step.id: state.visits.get(step.id, 0) + 1},
        "attempt": 0,
        "retry_base": 0,
        "wake_at": None,
    }
    if step.if_ is not None:
        try:
            chosen = cel.evaluate_condition(step.if_, turn.scope(state))
        except ExpressionError as error:
            return fail_expression(turn, changed(state, **entered), step.id, error), None
        if not chosen:
            turn.commands.append(Record(step.id, "skipped", None))
            # A skipped step's output is null, so later steps can test for it.
            return finish(turn, state, step, None, cursor=index, visits=entered["visits"])
    if isinstance(step, ActionStep):
        return _enter_action(turn, state, step, entered)
    if isinstance(step, SleepStep):
        return _enter_sleep(turn, state, step, entered)
    if isinstance(step, SleepUntilStep):
        return _enter_sleep_until(turn, state, step, entered)
    if isinstance(step, WaitForEventStep):
        return _enter_wait(turn, state, step, entered)
    if isinstance(step, WaitForAnyStep):
        return enter_wait_any(turn, state, step, entered), None
    if isinstance(step, WaitForWindowStep):
        return _enter_window(turn, state, step, entered)
    if isinstance(step, ForEachStep):
        entered.update(status="running", attempt=1, step_started_at=turn.now)
        return run_for_each(turn, changed(state, **entered), step), None
    if isinstance(step, SwitchStep):
        return _enter_switch(turn, state, step, entered)
    if isinstance(step, SplitStep):
        return _enter_split(turn, state, step, entered)
    return _enter_set(turn, state, step, entered)


def _enter_split(
    turn: Turn, state: RunState, step: SplitStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    try:
        output = choose(turn, state, step, entered["visits"][step.id])
    except ExpressionError as error:
        return fail_expression(turn, changed(state, **entered), step.id, error), None
    turn.commands.append(Record(step.id, "split", output))
    state, _ = finish(turn, state, step, output, cursor=entered["cursor"], visits=entered["visits"])
    return state, index_of(turn, target_of(step, output))


def _enter_action(
    turn: Turn, state: RunState, step: ActionStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    quiet = turn.workflow.quiet_hours
    if quiet is not None and step.quiet_mode != "ignore":
        until = quiet_deferral(quiet, state, turn.now)
        if until is not None and step.quiet_mode == "skip":
            output = {"skipped": "quiet_hours"}
            turn.commands.append(Record(step.id, step.action, output))
            return finish(
                turn, state, step, output, cursor=entered["cursor"], visits=entered["visits"]
            )
        if until is not None:
            deferred = {"deferred_until": local_rfc3339(until, state), "zone": state.timezone}
            turn.commands.append(Record(step.id, "quiet_hours", deferred, attempt=0))
            return _sleep(turn, state, step, until, entered), None
    entered.update(status="running", attempt=1, step_started_at=turn.now)
    return run_action(turn, changed(state, **entered), step), None


def start_action(turn: Turn, state: RunState, step: ActionStep) -> RunState:
    """The first attempt of an entered action step (at once, or after quiet hours)."""
    state = changed(state, status="running", attempt=1, wake_at=None, step_started_at=turn.now)
    return run_action(turn, state, step)


def run_action(turn: Turn, state: RunState, step: ActionStep) -> RunState:
    """Ask for the action at ``state.attempt``: the first try and every retry.

    ``state`` must already be running with no wake-up set. A throttled attempt
    first asks for its turn (``_throttle.py``).
    """
    if is_throttled(turn, step):
        key = idempotency_key(state.run_id, step.id, state.visits.get(step.id, 1))
        return reserve(turn, state, step, key)
    return request_action(turn, state, step)


def request_action(turn: Turn, state: RunState, step: ActionStep) -> RunState:
    """The ``RunAction`` of the attempt at ``state.attempt``, its ``with`` resolved."""
    try:
        arguments = cel.render(step.with_, turn.scope(state))
    except ExpressionError as error:
        return fail_expression(turn, state, step.id, error)
    key = idempotency_key(state.run_id, step.id, state.visits.get(step.id, 1))
    turn.commands.append(RunAction(step.id, step.action, arguments, state.attempt, key))
    return state


def _enter_sleep(
    turn: Turn, state: RunState, step: SleepStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    return _sleep(turn, state, step, turn.now + step.duration, entered), None


def _sleep(
    turn: Turn, state: RunState, step: Step, until: datetime, entered: dict[str, Any]
) -> RunState:
    turn.commands.append(SleepUntil(step.id, until))
    entered.update(status="sleeping", wake_at=until, step_started_at=turn.now)
    return changed(state, **entered)


def _enter_sleep_until(
    turn: Turn, state: RunState, step: SleepUntilStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    try:
        value = cel.render(step.until, turn.scope(state))
    except ExpressionError as error:
        return fail_expression(turn, changed(state, **entered), step.id, error), None
    until = parse_timestamp(value)
    if until is None:
        message = f"sleep_until needs an RFC 3339 timestamp with a timezone, got {value!r}"
        state = changed(state, **entered)
        return fail(turn, state, step.id, message, location=str(step.location)), None
    if until <= turn.now:
        turn.commands.append(Record(step.id, "sleep_until", None))
        return finish(turn, state, step, None, cursor=entered["cursor"], visits=entered["visits"])
    return _sleep(turn, state, step, until, entered), None


def _enter_wait(
    turn: Turn, state: RunState, step: WaitForEventStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    now = turn.now
    since = wait_since(turn, state, step)
    key = match_key(step.match, turn.scope(state)) if step.match is not None else None
    timeout_at = now + step.timeout if step.timeout is not None else None
    turn.commands.append(
        WaitForEvent(
            step_id=step.id,
            event=step.event,
            match_path=key[0] if key is not None else None,
            match_value=key[1] if key is not None else None,
            timeout_at=timeout_at,
            since=since,
        )
    )
    entered.update(status="waiting", wake_at=timeout_at, step_started_at=now)
    return changed(state, **entered), None


def _enter_window(
    turn: Turn, state: RunState, step: WaitForWindowStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    opens = window_opening(step, state, turn.now)
    if opens is None:
        return window_opened(turn, state, step, cursor=entered["cursor"], visits=entered["visits"])
    return _sleep(turn, state, step, opens, entered), None


def window_opened(
    turn: Turn, state: RunState, step: WaitForWindowStep, **changes: Any
) -> tuple[RunState, int]:
    """The run is inside the step's window: record when it went on, and name what follows."""
    output = {"opened_at": local_rfc3339(turn.now, state)}
    turn.commands.append(Record(step.id, "wait_for_window", output))
    return finish(turn, state, step, output, **changes)


def _enter_switch(
    turn: Turn, state: RunState, step: SwitchStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    scope = turn.scope(state)
    target: str | None = None
    for case in step.cases:
        if case.if_ is None:
            target = case.next
            break
        try:
            if cel.evaluate_condition(case.if_, scope):
                target = case.next
                break
        except ExpressionError as error:
            return fail_expression(turn, changed(state, **entered), step.id, error), None
    output = {"next": target}
    turn.commands.append(Record(step.id, "switch", output))
    state, after = finish(
        turn, state, step, output, cursor=entered["cursor"], visits=entered["visits"]
    )
    if target is None:
        return state, after  # no case matched: fall through like any other step
    return state, index_of(turn, target)


def _enter_set(
    turn: Turn, state: RunState, step: SetStep, entered: dict[str, Any]
) -> tuple[RunState, Next]:
    variables = dict(state.vars)
    values: dict[str, JSON] = {}
    scope = turn.scope(state)
    scope["vars"] = variables  # each value sees the ones set before it, as at run start
    for name, template in step.values:
        try:
            value = cel.render(template, scope)
        except ExpressionError as error:
            return fail_expression(turn, changed(state, **entered), step.id, error), None
        variables[name] = value
        values[name] = value
    turn.commands.append(Record(step.id, "set", values))
    visits = entered["visits"]
    return finish(
        turn, state, step, values, cursor=entered["cursor"], visits=visits, vars=variables
    )


def index_of(turn: Turn, target: str) -> int:
    if target == END:
        return len(turn.workflow.steps)
    return turn.workflow.step_index(target)
