"""Retries: deterministic backoff, the same idempotency key, then exhaustion."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.model import (
    Complete,
    Fail,
    RunAction,
    SleepUntil,
    StepFailed,
    StepSucceeded,
    TimerFired,
)
from interpreter.core.retry import retry_delay
from interpreter.language.definitions import RetryPolicy
from tests.unit.core._core_workflows import T0, Run, campaign, email

POLICY = RetryPolicy(
    attempts=4,
    initial_delay=timedelta(seconds=10),
    factor=3.0,
    max_delay=timedelta(seconds=60),
    jitter=0.1,
)


def test_backoff_grows_by_factor_within_jitter_and_is_capped() -> None:
    delays = [retry_delay(POLICY, attempt, f"seed-{attempt}") for attempt in (1, 2, 3)]

    assert all(delay is not None for delay in delays)
    seconds = [d.total_seconds() for d in delays if d is not None]
    assert 9 <= seconds[0] <= 11
    assert 27 <= seconds[1] <= 33
    assert 54 <= seconds[2] <= 60  # 90s capped at max_delay, jitter never exceeds it
    assert retry_delay(POLICY, 4, "seed") is None  # four tries in all


def test_jitter_is_deterministic_per_seed_and_spreads_across_seeds() -> None:
    assert retry_delay(POLICY, 1, "run-1:a:1:1") == retry_delay(POLICY, 1, "run-1:a:1:1")
    spread = {retry_delay(POLICY, 1, f"run-{n}:a:1:1") for n in range(20)}
    assert len(spread) > 10


def test_no_jitter_gives_exact_delays_and_huge_factors_stay_capped() -> None:
    exact = RetryPolicy(attempts=50, initial_delay=timedelta(seconds=1), factor=10.0, jitter=0.0)

    assert retry_delay(exact, 1, "s") == timedelta(seconds=1)
    assert retry_delay(exact, 3, "s") == timedelta(seconds=100)
    assert retry_delay(exact, 40, "s") == exact.max_delay


def test_retryable_failure_sleeps_then_reruns_with_the_same_key() -> None:
    run = Run.start(campaign(email("send", "Hi"), retry=POLICY))
    first = run.commands[-1]
    assert isinstance(first, RunAction) and first.attempt == 1

    backoff = run.later(timedelta(seconds=1), StepFailed("send", "503 from provider", True, 1))

    assert len(backoff) == 1 and isinstance(backoff[0], SleepUntil)
    assert backoff[0].retry and backoff[0].step_id == "send"
    due = backoff[0].until
    assert timedelta(seconds=9) <= due - run.now <= timedelta(seconds=11)
    assert (run.status, run.state.attempt, run.state.wake_at) == ("running", 2, due)

    assert run.send(TimerFired(), due - timedelta(seconds=1)) == []  # not yet due
    again = run.send(TimerFired(), due)
    assert again == [RunAction("send", "email.send", first.input, 2, first.idempotency_key)]
    assert run.state.wake_at is None

    assert run.later(timedelta(seconds=1), StepSucceeded("send", {"id": "m"}, 2)) == [Complete()]


def test_retries_exhaust_into_a_failed_run_with_the_error_recorded() -> None:
    run = Run.start(campaign(email("send", "Hi"), retry=POLICY))
    waits: list[timedelta] = []
    for attempt in (1, 2, 3):
        sleep = run.later(timedelta(seconds=1), StepFailed("send", "timeout", True, attempt))
        assert isinstance(sleep[0], SleepUntil)
        waits.append(sleep[0].until - run.now)
        rerun = run.send(TimerFired(), sleep[0].until)
        assert isinstance(rerun[0], RunAction) and rerun[0].attempt == attempt + 1
    assert waits[0] < waits[1] < waits[2]

    final = run.later(timedelta(seconds=1), StepFailed("send", "timeout", True, 4))

    assert final == [Fail("send", "timeout", None)]
    assert run.status == "failed" and run.state.wake_at is None
    assert run.state.error == {
        "step": "send",
        "message": "timeout",
        "location": None,
        "retryable": True,
        "attempts": 4,
    }


def test_step_policy_overrides_the_campaign_policy() -> None:
    once = RetryPolicy(attempts=1)
    run = Run.start(campaign(email("send", "Hi", retry=once), retry=POLICY))

    assert run.later(timedelta(seconds=1), StepFailed("send", "503", True, 1)) == [
        Fail("send", "503", None)
    ]


def test_non_retryable_failure_fails_at_once() -> None:
    run = Run.start(campaign(email("send", "Hi"), retry=POLICY))

    commands = run.later(timedelta(seconds=1), StepFailed("send", "422 bad address", False, 1))

    assert commands == [Fail("send", "422 bad address", None)]
    assert run.state.error["retryable"] is False and run.state.error["attempts"] == 1


def test_results_for_another_attempt_or_step_are_stale() -> None:
    run = Run.start(campaign(email("send", "Hi"), email("after", "Later"), retry=POLICY))
    run.later(timedelta(seconds=1), StepFailed("send", "503", True, 1))
    pending = run.state

    # The first attempt's late success, while the retry waits on its timer.
    assert run.send(StepSucceeded("send", {"id": "late"}, 1)) == []
    assert run.send(StepSucceeded("send", {"id": "early"}, 2)) == []
    assert run.send(StepSucceeded("other", {"id": "x"}, 2)) == []
    assert run.send(StepFailed("send", "503", True, 1)) == []
    assert run.state is pending

    assert pending.wake_at is not None
    run.send(TimerFired(), pending.wake_at)
    assert run.send(StepSucceeded("send", {"id": "late"}, 1)) == []
    moved = run.later(timedelta(seconds=1), StepSucceeded("send", {"id": "ok"}, 2))
    assert isinstance(moved[0], RunAction) and moved[0].step_id == "after"
    assert run.state.steps["send"] == {"output": {"id": "ok"}}
    # A redelivered result for a step the run has left is stale too.
    assert run.send(StepSucceeded("send", {"id": "ok"}, 2)) == []
    assert run.state.cursor == 1 and run.state.attempt == 1
    assert run.now > T0
