"""Carrying out what the core asks of the world for one step: running an
action (or reusing its recorded outcome) and reserving a throttle turn."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from interpreter.actions.base import ActionContext
from interpreter.actions.registry import has_outside_effect, run_action
from interpreter.core.model import (
    Input,
    ReserveSlot,
    RunAction,
    SlotReserved,
    StepDeferred,
    StepFailed,
    StepSucceeded,
)
from interpreter.core.scope import run_scope
from interpreter.daemon.clock import RealClock
from interpreter.daemon.leases import BatchLease, recorded_result
from interpreter.daemon.outcome import Outcome
from interpreter.daemon.secrets import redact
from interpreter.errors import ActionDeferred, ActionError
from interpreter.language.definitions import ActionStep, Workflow
from interpreter.store.records import ThrottleQueue

if TYPE_CHECKING:
    from interpreter.daemon.engine import Engine

# The longest a worker waits in hand for a throttled attempt's turn (seconds).
SHORT_TURN_WAIT = 0.05


def execute_action(
    engine: Engine, workflow: Workflow, outcome: Outcome, command: RunAction, lease: BatchLease
) -> Input:
    """Carry out one action the core asked for, or reuse the outcome a worker
    that held the run before recorded; the step row goes on the outcome, and is
    committed at once (under the lease) for an action with outside effects."""
    state = outcome.state
    visit = state.visits.get(command.step_id, 1)
    done = outcome.recorded.get((command.step_id, visit, command.attempt))
    if done is not None and done.kind == command.action:
        # It ran under a worker that died (or lost the run) before saving it.
        outcome.ahead.append(done)
        return recorded_result(done)
    started = engine.clock.now()
    lease.before_action(state.run_id, started)
    context = ActionContext(
        run_id=state.run_id,
        workflow_id=state.workflow_id,
        step_id=command.step_id,
        attempt=command.attempt,
        idempotency_key=command.idempotency_key,
        files=workflow.files,
        render_scope=run_scope(state),
        data_dir=engine.data_dir,
        emit=outcome.emit,
        now=started,
        campaign_category=workflow.category,
        policies=engine.campaigns.policies,
        when_capped=_when_capped(workflow, command.step_id),
    )
    result: Input
    try:
        output = run_action(command.action, command.input, context, engine.actions)
        result = StepSucceeded(command.step_id, output, command.attempt)
        row = {"status": "ok", "output": output}
    except ActionDeferred as deferral:
        result = StepDeferred(command.step_id, command.attempt, deferral.until)
        row = {"status": "deferred", "output": deferral.output}
    except ActionError as error:
        result = StepFailed(command.step_id, str(error), error.retryable, command.attempt)
        row = {
            "status": "error",
            "error": {"message": str(error), "retryable": error.retryable},
        }
    if engine.metrics is not None:
        engine.metrics.step_executed(failed=row["status"] == "error")
    step = outcome.step_row(
        command.step_id,
        command.action,
        started,
        engine.clock.now(),
        engine.secret_values,
        attempt=command.attempt,
        input=redact(command.input, engine.secret_values),
        **row,
    )
    outcome.steps.append(step)
    if has_outside_effect(command.action, command.input, engine.actions):
        rows = outcome.unrecorded()
        lease.record(outcome.run_id, rows)
        outcome.ahead += rows
        outcome.steps.clear()
    return result


def reserve_turn(engine: Engine, outcome: Outcome, command: ReserveSlot) -> Input:
    """The attempt's turn in its throttle queues, reserved in a transaction of
    its own so that every other worker counts it at once."""
    now = engine.clock.now()
    visit = outcome.state.visits.get(command.step_id, 1)
    if (command.step_id, visit, command.attempt) in outcome.recorded:
        # A worker that held the run before ran it: its outcome is used, not redone.
        return SlotReserved(command.step_id, command.attempt, now, started=True)
    queues = [ThrottleQueue(queue.key, queue.limit, queue.period) for queue in command.queues]
    while True:
        with engine.store.transaction() as tx:
            given = tx.reserve_turn(queues, command.holder, engine.clock.now)
        ahead = (given.at - engine.clock.now()).total_seconds()
        # A turn a few milliseconds ahead (an earlier start began a little
        # late) is waited for here: parking the run would cost a save, a
        # claim and a wake-up, later than the turn, and every start queued
        # behind this one would inherit the delay. Virtual time never waits.
        if given.started or ahead > SHORT_TURN_WAIT or not isinstance(engine.clock, RealClock):
            return SlotReserved(command.step_id, command.attempt, given.at, given.started)
        time.sleep(max(0.0, ahead))


def _when_capped(workflow: Workflow, step_id: str) -> str:
    step = workflow.step(step_id)
    return step.when_capped if isinstance(step, ActionStep) else "skip"
