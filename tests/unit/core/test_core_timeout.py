"""The run timeout: a deadline from the run's start that ends it timed_out."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.model import (
    Deadline,
    EventReceived,
    Record,
    Retry,
    RunAction,
    StepFailed,
    StepSucceeded,
    TimedOut,
    TimerFired,
    WaitForEvent,
)
from interpreter.language.definitions import WaitForEventStep
from tests.unit.core._core_workflows import T0, Run, campaign, email, event, loc

DAYS_2 = timedelta(days=2)


def _wait(timeout: timedelta | None = None) -> WaitForEventStep:
    return WaitForEventStep(id="wait", location=loc(), event="app/paid", timeout=timeout)


def test_the_start_sets_the_deadline_and_asks_to_be_woken_by_then() -> None:
    run = Run.start(campaign(email("welcome", "Hi"), timeout=DAYS_2))
    assert run.state.deadline == T0 + DAYS_2
    assert Deadline(T0 + DAYS_2) in run.commands


def test_a_wait_with_no_timeout_ends_timed_out_at_the_deadline() -> None:
    run = Run.start(campaign(_wait(), email("after", "After"), timeout=DAYS_2))
    assert run.status == "waiting" and run.state.wake_at is None
    assert run.later(DAYS_2 - timedelta(seconds=1), TimerFired()) == []  # early
    commands = run.later(timedelta(seconds=1), TimerFired())
    assert run.status == "timed_out"
    assert commands == [
        Record("wait", "timed_out", {"deadline": (T0 + DAYS_2).isoformat()}, 1),
        TimedOut(T0 + DAYS_2),
    ]
    assert run.state.cursor is None and run.state.wake_at is None


def test_an_event_after_the_deadline_times_the_run_out_instead_of_matching() -> None:
    run = Run.start(campaign(_wait(), email("after", "After"), timeout=DAYS_2))
    commands = run.later(DAYS_2 + timedelta(hours=1), EventReceived(event("app/paid", {})))
    assert run.status == "timed_out"
    assert not any(isinstance(c, RunAction) for c in commands)


def test_an_action_that_finishes_after_the_deadline_is_the_last_thing_that_ran() -> None:
    run = Run.start(campaign(email("slow", "Slow"), email("after", "After"), timeout=DAYS_2))
    commands = run.later(DAYS_2, StepSucceeded("slow", {"id": "m1"}, 1))
    assert run.status == "timed_out"
    assert not any(isinstance(c, RunAction) for c in commands)
    # Its row comes after the action's own attempt 1.
    assert Record("slow", "timed_out", {"deadline": (T0 + DAYS_2).isoformat()}, 2) in commands


def test_a_wait_timeout_before_the_deadline_still_goes_on() -> None:
    run = Run.start(campaign(_wait(timedelta(days=1)), email("after", "After"), timeout=DAYS_2))
    run.later(timedelta(days=1), TimerFired())
    assert run.status == "running"
    assert [c.step_id for c in run.commands if isinstance(c, RunAction)] == ["after"]
    assert any(isinstance(c, WaitForEvent) for c in run.commands)


def test_retrying_a_failed_run_after_its_deadline_times_it_out() -> None:
    run = Run.start(campaign(email("welcome", "Hi"), timeout=DAYS_2))
    run.send(StepFailed("welcome", "rejected", retryable=False, attempt=1))
    assert run.status == "failed"
    run.later(DAYS_2, Retry())
    assert run.status == "timed_out"


def test_without_a_timeout_there_is_no_deadline() -> None:
    run = Run.start(campaign(_wait(timedelta(days=400)), email("after", "After")))
    assert run.state.deadline is None
    assert not any(isinstance(c, Deadline) for c in run.commands)
