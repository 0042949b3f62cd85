"""A deferred action attempt (a full frequency cap, ``when_capped: defer``): the
run sleeps at the step until the instant given, then asks for the action again
with the same idempotency key, spending none of the retry budget."""

from __future__ import annotations

from datetime import time, timedelta

from interpreter.core.model import (
    Complete,
    Fail,
    RunAction,
    SleepUntil,
    StepDeferred,
    StepFailed,
    StepSucceeded,
    TimerFired,
)
from interpreter.language.definitions import QuietHours, RetryPolicy
from tests.unit.core._core_workflows import T0, Run, campaign, email, loc

DAY = timedelta(days=1)


def test_a_deferred_attempt_sleeps_until_the_instant_then_asks_again_with_the_same_key() -> None:
    run = Run.start(campaign(email("offer", "Hi"), retry=RetryPolicy(attempts=1)))
    first = run.commands[-1]
    assert isinstance(first, RunAction) and first.attempt == 1
    until = T0 + DAY

    parked = run.later(timedelta(seconds=1), StepDeferred("offer", 1, until))

    assert parked == [SleepUntil("offer", until)]
    assert (run.status, run.state.wake_at, run.state.attempt) == ("sleeping", until, 2)
    # A late, stale answer for the deferred attempt changes nothing.
    assert run.send(StepSucceeded("offer", {"id": "x"}, 1)) == []
    assert run.send(TimerFired(), until - timedelta(seconds=1)) == []
    again = run.send(TimerFired(), until)
    assert again == [RunAction("offer", "email.send", first.input, 2, first.idempotency_key)]
    # attempts: 1 allows no retry, yet a failure after the deferral is still the
    # first try the policy counts: the deferral spent none of it.
    assert run.later(timedelta(seconds=1), StepFailed("offer", "503", True, 2)) == [
        Fail("offer", "503", None)
    ]
    assert run.state.error is not None and run.state.error["attempts"] == 2


def test_deferred_again_and_again_until_the_send_goes() -> None:
    run = Run.start(campaign(email("offer", "Hi")))
    for attempt in (1, 2, 3):
        until = T0 + attempt * DAY
        assert run.later(timedelta(seconds=1), StepDeferred("offer", attempt, until)) == [
            SleepUntil("offer", until)
        ]
        rerun = run.send(TimerFired(), until)
        assert isinstance(rerun[0], RunAction) and rerun[0].attempt == attempt + 1
    assert run.later(timedelta(seconds=1), StepSucceeded("offer", {"id": "m"}, 4)) == [Complete()]


def test_a_deferral_that_ends_in_quiet_hours_waits_for_their_end() -> None:
    quiet = QuietHours(start=time(21), end=time(8), location=loc())
    run = Run.start(campaign(email("offer", "Hi"), quiet_hours=quiet))
    night = T0.replace(hour=22)  # T0 is 09:00 UTC, the run's zone UTC
    run.later(timedelta(seconds=1), StepDeferred("offer", 1, night))

    woken = run.send(TimerFired(), night)

    morning = (T0 + DAY).replace(hour=8)
    assert woken == [SleepUntil("offer", morning)]
    assert (run.status, run.state.attempt) == ("sleeping", 2)
    rerun = run.send(TimerFired(), morning)
    assert isinstance(rerun[0], RunAction) and rerun[0].attempt == 2
