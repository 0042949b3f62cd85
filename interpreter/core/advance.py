"""The pure transition function of a run.

``advance(workflow, state, input, now, secrets) -> (state, commands)`` is the
whole of flow's campaign semantics. It reads no clock (time arrives as ``now``),
touches no database or network, and never raises: anything unexpected becomes a
failed run and a ``Fail`` command. The same inputs always give the same state
and commands, so replaying a run's recorded inputs rebuilds it exactly.

Each input kind has its own ``_apply_<kind>``. A finished run ignores every
input, and so does a run the input does not concern (a stale step result, an
event nobody waits for, an early timer): those return the state unchanged and
no commands.

Commands are the only channel for effects: the engine runs ``RunAction``,
stores a ``WaitForEvent``, sets the timer a ``SleepUntil`` or a step wait's
timeout asks for, keeps the run's ``Deadline`` (its ``timeout``) as its
latest wake-up, and writes a ``Record`` as a step row. It reads the run's
status from the state as data, never to decide an effect. ``Complete``,
``Fail`` (a step or the run failed), ``Cancelled`` (a ``Cancel`` input or a
``cancel_on`` event) and ``TimedOut`` (any input at or past the deadline) end
the run: the engine saves it with no timer and the store drops its waits and
any inputs still queued. A step that starts, ends or parks spends the timer
and the wait of the step before it. A step with ``on_error`` that fails for
good does not end the run (``_on_error.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from interpreter.core._deferral import defer_step, deferral_ended
from interpreter.core._for_each import run_for_each
from interpreter.core._goal import goal_reached, linger_goal, note_email, subscribe_goal
from interpreter.core._on_error import go_on_after_errors
from interpreter.core._operator_retry import (
    apply_retry,
    subscribe_cancel_on,
)
from interpreter.core._operator_retry import retry_step_index as retry_step_index
from interpreter.core._split import kept_path_key
from interpreter.core._steps import (
    finish,
    idempotency_key,
    index_of,
    request_action,
    run_action,
    run_from,
    start_action,
    window_opened,
)
from interpreter.core._throttle import awaits_turn, turn_given
from interpreter.core._wait_any import matched_entry
from interpreter.core.local_time import quiet_deferral, resolve_timezone, window_opening
from interpreter.core.model import (
    FINISHED,
    Cancel,
    Command,
    Deadline,
    EventReceived,
    Input,
    Record,
    Retry,
    RunState,
    SleepUntil,
    SlotReserved,
    Start,
    StepDeferred,
    StepFailed,
    StepSucceeded,
    TimerFired,
    changed,
)
from interpreter.core.outcomes import cancel, current_step_id, fail, fail_expression, time_out
from interpreter.core.retry import retry_delay
from interpreter.core.scope import Turn, condition_holds
from interpreter.errors import ExpressionError
from interpreter.language import cel
from interpreter.language.definitions import (
    ActionStep,
    ForEachStep,
    SleepStep,
    SleepUntilStep,
    Step,
    WaitForAnyStep,
    WaitForEventStep,
    WaitForWindowStep,
    Workflow,
)
from interpreter.language.policies import NO_POLICIES, Policies

__all__ = ["advance", "idempotency_key", "kept_path_key", "new_run_state", "retry_step_index"]


def new_run_state(workflow: Workflow, run_id: str) -> RunState:
    """The state of a run that exists but has not yet seen its ``Start``."""
    return RunState(run_id=run_id, workflow_id=workflow.id, workflow_hash=workflow.content_hash)


def advance(
    workflow: Workflow,
    state: RunState,
    input: Input,
    now: datetime,
    secrets: Mapping[str, str],
    policies: Policies = NO_POLICIES,
) -> tuple[RunState, list[Command]]:
    """``policies`` are those of the folder the campaigns came from (a send rate)."""
    turn = Turn(workflow, now, secrets, send_rate=policies.send_rate)
    # Only an operator's Retry reopens a finished run, and only a goal event
    # inside the attribution window still concerns one; every other input is stale.
    if state.status in FINISHED and not isinstance(input, Retry):
        if isinstance(input, EventReceived):
            state = goal_reached(turn, state, input.event) or state
        return state, turn.commands
    was = state.status
    try:
        if _past_deadline(workflow, state, now):
            return time_out(turn, state), turn.commands
        state = go_on_after_errors(turn, _APPLY[type(input)](turn, state, input))
    except Exception as error:  # the core never raises: an internal fault fails the run
        turn.commands.clear()
        state = fail(
            turn,
            state,
            current_step_id(turn, state),
            f"internal error: {type(error).__name__}: {error}",
        )
    if state.status in FINISHED and was not in FINISHED:
        state = linger_goal(turn, state)
    return state, turn.commands


def _past_deadline(workflow: Workflow, state: RunState, now: datetime) -> bool:
    """Whatever the input, a run past its deadline times out; so does a failed
    run an operator retries after it: the deadline counts from the run's start."""
    if state.deadline is None or now < state.deadline or state.started_at is None:
        return False
    return state.status not in FINISHED or retry_step_index(workflow, state) is not None


def _apply_start(turn: Turn, state: RunState, start: Start) -> RunState:
    if state.started_at is not None:
        return state  # a duplicate start must not run the campaign twice
    now = turn.now
    # Vars are evaluated before the run's zone, so they read run.timezone as the fallback.
    fallback = turn.workflow.timezone_fallback
    state = changed(
        state,
        status="running",
        event=start.event.as_cel(),
        started_at=now,
        cursor=0,
        timezone=fallback,
    )
    scope = turn.scope(state)
    variables: dict[str, Any] = {}
    scope["vars"] = variables  # each var sees the ones before it
    for name, template in turn.workflow.vars:
        try:
            variables[name] = cel.render(template, scope)
        except ExpressionError as error:
            return fail_expression(turn, state, None, error)
    zone, why = resolve_timezone(turn.workflow, scope)
    state = changed(state, vars=variables, timezone=zone, timezone_why=why)
    if zone != scope["run"]["timezone"]:  # cancel_on keys may read run.timezone
        scope["run"] = {**scope["run"], "timezone": zone}
    subscribe_cancel_on(turn, scope)
    if turn.workflow.timeout is not None:
        deadline = now + turn.workflow.timeout
        turn.commands.append(Deadline(deadline))
        state = changed(state, deadline=deadline)
    subscribe_goal(turn, scope, start.event.ts)
    return run_from(turn, state, 0)


def _apply_step_succeeded(turn: Turn, state: RunState, result: StepSucceeded) -> RunState:
    step = _awaited_action(turn, state, result.step_id, result.attempt)
    if step is None:
        return state
    if isinstance(step, ActionStep):  # a for_each step sends no email
        state = note_email(state, step, result.output)
    state, after = finish(turn, state, step, result.output)
    return run_from(turn, state, after)


def _apply_step_failed(turn: Turn, state: RunState, failure: StepFailed) -> RunState:
    step = _awaited_action(turn, state, failure.step_id, failure.attempt)
    if step is None:
        return state
    attempt = state.attempt
    policy = step.retry or turn.workflow.retry
    visit = state.visits.get(step.id, 1)
    seed = f"{state.run_id}:{step.id}:{visit}:{attempt}"
    # After an operator's Retry the policy starts afresh: count only the tries since.
    delay = retry_delay(policy, attempt - state.retry_base, seed) if failure.retryable else None
    if delay is None:
        return fail(
            turn,
            state,
            step.id,
            failure.message,
            retryable=failure.retryable,
            attempts=attempt,
        )
    # Status stays "running" with a wake-up set: that pair means a retry is due.
    wake_at = turn.now + delay
    turn.commands.append(SleepUntil(step.id, wake_at, retry=True))
    return changed(state, attempt=attempt + 1, wake_at=wake_at)


def _apply_step_deferred(turn: Turn, state: RunState, deferred: StepDeferred) -> RunState:
    step = _awaited_action(turn, state, deferred.step_id, deferred.attempt)
    if not isinstance(step, ActionStep):  # only an action's send is deferred
        return state
    return defer_step(turn, state, step, deferred)


def _apply_event_received(turn: Turn, state: RunState, received: EventReceived) -> RunState:
    if state.started_at is None:
        return state
    event = received.event
    converted = goal_reached(turn, state, event)
    if converted is not None:
        state = converted
        if state.status in FINISHED:  # exit: nothing after the conversion runs
            return state
    candidate: dict[str, Any] | None = None
    scope: dict[str, Any] | None = None
    for entry in turn.workflow.cancel_on:
        if entry.event != event.name:
            continue
        candidate = candidate or event.as_cel()
        scope = scope or turn.scope(state)
        if condition_holds(entry.if_, scope, candidate):
            return cancel(turn, state, f"cancelled by event {event.name} ({event.id})")
    step = _current_step(turn, state)
    if state.status == "waiting" and isinstance(step, WaitForAnyStep):
        return _resolve_any(turn, state, step, candidate or event.as_cel(), scope)
    if state.status != "waiting" or not isinstance(step, WaitForEventStep):
        return state
    if step.event != event.name:
        return state
    candidate = candidate or event.as_cel()
    if not condition_holds(step.match, scope or turn.scope(state), candidate):
        return state
    turn.commands.append(Record(step.id, "wait_for_event", candidate))
    # Every event before now was offered to this wait, and the one it consumed
    # must not also resolve a later wait: the next window opens here.
    state = changed(state, step_started_at=turn.now)
    state, after = finish(turn, state, step, candidate)
    return run_from(turn, state, after)


def _resolve_any(
    turn: Turn,
    state: RunState,
    step: WaitForAnyStep,
    candidate: dict[str, Any],
    scope: dict[str, Any] | None,
) -> RunState:
    """The first entry the event matches resolves the wait, as a single wait's
    event does; its ``next`` (if any) picks the step after."""
    found = matched_entry(step, scope or turn.scope(state), candidate)
    if found is None:
        return state
    index, output = found
    turn.commands.append(Record(step.id, "wait_for_event", output))
    state, after = finish(turn, changed(state, step_started_at=turn.now), step, output)
    target = step.entries[index].next
    return run_from(turn, state, index_of(turn, target) if target is not None else after)


def _apply_timer_fired(turn: Turn, state: RunState, _timer: TimerFired) -> RunState:
    if state.started_at is None or state.wake_at is None or turn.now < state.wake_at:
        return state  # early or spurious: the engine may fire a timer more than once
    step = _current_step(turn, state)
    if state.status == "sleeping" and isinstance(step, SleepStep | SleepUntilStep):
        turn.commands.append(Record(step.id, step.kind, None))
        state, after = finish(turn, state, step, None)
        return run_from(turn, state, after)
    if state.status == "waiting" and isinstance(step, WaitForEventStep | WaitForAnyStep):
        turn.commands.append(Record(step.id, "wait_for_event", None))  # timed out
        state, after = finish(turn, state, step, None)
        return run_from(turn, state, after)
    if state.status == "running" and isinstance(step, ActionStep):
        return run_action(turn, changed(state, wake_at=None), step)
    if state.status == "running" and isinstance(step, ForEachStep):
        return run_for_each(turn, changed(state, wake_at=None), step)
    if state.status == "sleeping" and isinstance(step, ActionStep) and state.throttled_until:
        # The attempt's turn came: confirm it (the same place in the queue, not a new one).
        return run_action(turn, changed(state, status="running", wake_at=None), step)
    if state.status == "sleeping" and isinstance(step, ActionStep) and state.attempt > 0:
        return deferral_ended(turn, state, step)  # an attempt was deferred (_deferral.py)
    if state.status == "sleeping" and isinstance(step, ActionStep | WaitForWindowStep):
        return _apply_local_timer(turn, state, step)
    return state


def _apply_slot_reserved(turn: Turn, state: RunState, slot: SlotReserved) -> RunState:
    step = _current_step(turn, state)
    if not isinstance(step, ActionStep) or not awaits_turn(state, step, slot):
        return state
    sleeping = turn_given(turn, state, step, slot)
    if sleeping is not None:
        return sleeping
    return request_action(turn, changed(state, throttled_until=None), step)


def _apply_local_timer(
    turn: Turn, state: RunState, step: ActionStep | WaitForWindowStep
) -> RunState:
    """A deferral by quiet hours ended, or a send window opened. A worker that
    wakes late may find quiet hours (or a closed window) again: then the run
    waits once more instead of sending at 3 a.m."""
    if isinstance(step, WaitForWindowStep):
        again = window_opening(step, state, turn.now)
        if again is None:
            state, after = window_opened(turn, state, step)
            return run_from(turn, state, after)
    else:
        quiet = turn.workflow.quiet_hours
        again = quiet_deferral(quiet, state, turn.now) if quiet is not None else None
        if again is None:
            return start_action(turn, state, step)
    turn.commands.append(SleepUntil(step.id, again))
    return changed(state, wake_at=again)


def _apply_cancel(turn: Turn, state: RunState, request: Cancel) -> RunState:
    return cancel(turn, state, request.reason)


def _awaited_action(
    turn: Turn, state: RunState, step_id: str, attempt: int
) -> ActionStep | ForEachStep | None:
    """The action step a result belongs to, or None if the result is stale.

    A result counts only for the step at the cursor, for the attempt in flight
    (not one whose retry is still waiting on its timer): a late answer from an
    earlier attempt, or a redelivery after the run moved on, changes nothing.
    """
    step = _current_step(turn, state)
    if (
        not isinstance(step, ActionStep | ForEachStep)
        or step.id != step_id
        or state.status != "running"
        or state.wake_at is not None
        or attempt != state.attempt
    ):
        return None
    return step


def _current_step(turn: Turn, state: RunState) -> Step | None:
    cursor = state.cursor
    steps = turn.workflow.steps
    if cursor is None or state.started_at is None or not 0 <= cursor < len(steps):
        return None
    return steps[cursor]


_APPLY: dict[type, Callable[[Turn, RunState, Any], RunState]] = {
    Start: _apply_start,
    StepSucceeded: _apply_step_succeeded,
    StepFailed: _apply_step_failed,
    EventReceived: _apply_event_received,
    TimerFired: _apply_timer_fired,
    Cancel: _apply_cancel,
    Retry: apply_retry,
    SlotReserved: _apply_slot_reserved,
    StepDeferred: _apply_step_deferred,
}
