"""The pure core with a throttle and the shared send rate: a throttled attempt
asks for its turn, runs when it starts, sleeps when it lies ahead, confirms it
on waking under the same holder, and ignores a stale answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from interpreter.core.advance import advance, new_run_state
from interpreter.core.model import (
    Event,
    Input,
    Queue,
    Record,
    ReserveSlot,
    RunAction,
    RunState,
    SleepUntil,
    SlotReserved,
    Start,
    StepFailed,
    StepSucceeded,
    TimerFired,
)
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow_text
from interpreter.language.policies import NO_POLICIES, Policies, Rate

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
CAMPAIGN = """
id: sync
on: {event: go}
steps:
  - id: push
    action: log
    throttle: {limit: 2, period: 1s, key: event.data.account}
    with: {message: "${ event.data.account }"}
  - id: mail
    action: email.send
    with: {to: a@example.com, subject: hi, text: hi}
"""
SEND_RATE = Policies(send_rate=Rate(3, SECOND))


def load() -> Workflow:
    workflow, problems = load_workflow_text(CAMPAIGN, "c.yaml")
    assert workflow is not None, problems
    return workflow


def step(
    state: RunState, given: Input, now: datetime, policies: Policies = NO_POLICIES
) -> tuple[RunState, list[Any]]:
    return advance(load(), state, given, now, {}, policies)


def started(account: Any = 7) -> tuple[RunState, list[Any]]:
    event = Event("e1", "go", {"account": account}, T0)
    return step(new_run_state(load(), "r1"), Start(event), T0)


def test_a_throttled_step_asks_for_its_turn_in_its_keyed_queue() -> None:
    state, commands = started()
    assert commands == [
        ReserveSlot("push", 1, "r1:push:1:1", (Queue("throttle:sync:push:7", 2, SECOND),))
    ]
    assert (state.status, state.wake_at, state.attempt) == ("running", None, 1)


def test_a_turn_that_starts_runs_the_action() -> None:
    state, _ = started()
    state, commands = step(state, SlotReserved("push", 1, T0, started=True), T0)
    assert [type(c) for c in commands] == [RunAction]
    assert commands[0].input == {"message": 7}


def test_a_turn_ahead_sleeps_once_recorded_and_confirms_it_on_waking() -> None:
    state, _ = started()
    ahead = T0 + 2 * SECOND
    state, commands = step(state, SlotReserved("push", 1, ahead, started=False), T0)
    assert commands == [
        Record(
            "push",
            "throttle",
            {"throttled_until": "2026-01-05T09:00:02Z", "waited_seconds": 2.0},
            attempt=-1,
        ),
        SleepUntil("push", ahead),
    ]
    assert (state.status, state.wake_at, state.throttled_until) == ("sleeping", ahead, ahead)
    state, commands = step(state, TimerFired(), ahead)
    assert [type(c) for c in commands] == [ReserveSlot]  # the same holder: no new place
    assert commands[0].holder == "r1:push:1:1"
    later = ahead + SECOND  # an earlier start began late: the turn moves, no second row
    state, commands = step(state, SlotReserved("push", 1, later, started=False), ahead)
    assert commands == [SleepUntil("push", later)]
    state, commands = step(state, TimerFired(), later)
    state, commands = step(state, SlotReserved("push", 1, later, started=True), later)
    assert [type(c) for c in commands] == [RunAction]
    assert state.throttled_until is None


def test_a_stale_answer_changes_nothing() -> None:
    state, _ = started()
    again, commands = step(state, SlotReserved("push", 2, T0, started=True), T0)
    assert (again, commands) == (state, [])


def test_each_retry_takes_its_own_turn() -> None:
    state, _ = started()
    state, _ = step(state, SlotReserved("push", 1, T0, started=True), T0)
    state, commands = step(state, StepFailed("push", "503", True, 1), T0)
    [sleep] = commands
    state, commands = step(state, TimerFired(), sleep.until)
    assert [c.holder for c in commands] == ["r1:push:1:2"]


def test_the_send_rate_queues_every_email_send_and_nothing_else() -> None:
    state, _ = started()
    state, _ = step(state, SlotReserved("push", 1, T0, started=True), T0, SEND_RATE)
    _, commands = step(state, StepSucceeded("push", None, 1), T0, SEND_RATE)
    assert commands == [ReserveSlot("mail", 1, "r1:mail:1:1", (Queue("send_rate", 3, SECOND),))]
    _, commands = step(state, StepSucceeded("push", None, 1), T0)  # no policies.yaml
    assert [type(c) for c in commands] == [RunAction]


def test_without_a_throttle_or_a_send_rate_the_action_runs_at_once() -> None:
    workflow, _ = load_workflow_text(
        CAMPAIGN.replace("    throttle: {limit: 2, period: 1s, key: event.data.account}\n", ""),
        "c.yaml",
    )
    assert workflow is not None
    event = Event("e1", "go", {"account": 7}, T0)
    _, commands = advance(workflow, new_run_state(workflow, "r1"), Start(event), T0, {})
    assert [type(c) for c in commands] == [RunAction]


def test_a_throttle_key_that_fails_fails_the_step() -> None:
    state, commands = started(account=None)
    assert [type(c) for c in commands] == [ReserveSlot]  # null is a key like any other
    event = Event("e1", "go", {}, T0)
    state, commands = step(new_run_state(load(), "r1"), Start(event), T0)
    assert state.status == "failed"
    assert "account" in str(state.error)
