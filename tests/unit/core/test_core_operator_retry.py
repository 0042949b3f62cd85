"""``Retry``: an operator resumes a failed run at the step that failed."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.advance import retry_step_index
from interpreter.core.model import (
    Cancel,
    Complete,
    Fail,
    Retry,
    RunAction,
    SleepUntil,
    StepFailed,
    StepSucceeded,
    TimerFired,
    WaitForEvent,
)
from interpreter.language.definitions import ActionStep, RetryPolicy, SetStep
from tests.unit.core._core_workflows import T0, Run, campaign, data, email, loc, seed

TWICE = RetryPolicy(attempts=2, initial_delay=timedelta(seconds=10), jitter=0.0)


def _failed_after_two_tries() -> tuple[Run, RunAction]:
    run = Run.start(campaign(email("first", "Hi"), email("second", "Then"), retry=TWICE))
    run.later(timedelta(seconds=1), StepSucceeded("first", {"id": "em_1"}, 1))
    first_try = run.commands[-1]
    assert isinstance(first_try, RunAction) and first_try.step_id == "second"
    run.later(timedelta(seconds=1), StepFailed("second", "400 bad request", True, 1))
    assert run.state.wake_at is not None
    run.send(TimerFired(), run.state.wake_at)
    run.later(timedelta(seconds=1), StepFailed("second", "400 bad request", True, 2))
    assert run.status == "failed"
    return run, first_try


def test_retry_reruns_the_failed_action_in_the_same_visit_with_attempts_continuing() -> None:
    run, first_try = _failed_after_two_tries()
    before = run.state

    commands = run.later(timedelta(hours=1), Retry())

    action = commands[-1]
    assert action == RunAction(
        "second", "email.send", first_try.input, 3, first_try.idempotency_key
    )
    assert (run.status, run.state.error, run.state.cursor) == ("running", None, 1)
    # Everything recorded before the failure is kept; the first step is not asked for again.
    assert run.state.steps == before.steps and run.state.vars == before.vars
    assert run.state.visits == before.visits
    assert not any(isinstance(c, RunAction) and c.step_id == "first" for c in commands)

    assert run.later(timedelta(seconds=1), StepSucceeded("second", {"id": "em_2"}, 3)) == [
        Complete()
    ]
    assert run.state.steps["second"] == {"output": {"id": "em_2"}}


def test_the_retry_policy_starts_afresh_after_a_retry() -> None:
    run, _ = _failed_after_two_tries()
    run.later(timedelta(hours=1), Retry())

    backoff = run.later(timedelta(seconds=1), StepFailed("second", "503", True, 3))

    # Two tries in all per policy: attempt 3 is the first try since the retry.
    assert len(backoff) == 1 and isinstance(backoff[0], SleepUntil) and backoff[0].retry
    run.send(TimerFired(), backoff[0].until)
    assert run.later(timedelta(seconds=1), StepFailed("second", "503", True, 4)) == [
        Fail("second", "503", None)
    ]
    assert run.state.error["attempts"] == 4


def test_retry_of_a_step_that_failed_before_its_action_enters_it_as_a_new_visit() -> None:
    broken = ActionStep(
        id="notify",
        location=loc(),
        action="email.send",
        with_=data(
            {"to": "${ vars.email }", "subject": "${ secrets.SUBJECT }", "template": "t.html"}
        ),
    )
    workflow = campaign(email("first", "Hi"), broken, secrets=("SUBJECT",))
    run = Run.start(workflow)
    run.secrets = {}
    run.later(timedelta(seconds=1), StepSucceeded("first", {"id": "em_1"}, 1))
    assert run.status == "failed" and run.state.error["attempts"] is None

    run.secrets = {"SUBJECT": "Fixed"}  # the operator supplied the missing secret
    commands = run.later(timedelta(minutes=5), Retry())

    action = commands[-1]
    assert isinstance(action, RunAction) and action.attempt == 1
    assert action.input["subject"] == "Fixed"
    assert action.idempotency_key == "run-1:notify:2"
    assert run.state.visits["notify"] == 2 and run.state.visits["first"] == 1


def test_retry_resubscribes_cancel_on_which_the_failure_dropped() -> None:
    run = Run.start(seed())
    run.later(timedelta(seconds=1), StepFailed("welcome_email", "400", False, 1))
    assert run.status == "failed"

    commands = run.later(timedelta(minutes=1), Retry())

    cancels = [c for c in commands if isinstance(c, WaitForEvent) and c.purpose == "cancel"]
    assert [(c.event, c.match_path, c.match_value) for c in cancels] == [
        ("app/user.deleted", "data.user_id", 42)
    ]
    assert isinstance(commands[-1], RunAction) and commands[-1].attempt == 2
    run.send(Cancel())
    assert run.status == "cancelled"


def test_retry_changes_nothing_for_a_run_that_cannot_be_retried() -> None:
    running = Run.start(campaign(email("send", "Hi")))
    state = running.state
    assert running.send(Retry()) == [] and running.state is state

    done = Run.start(campaign(email("send", "Hi")))
    done.later(timedelta(seconds=1), StepSucceeded("send", {"id": "m"}, 1))
    assert done.status == "completed"
    assert done.send(Retry()) == [] and done.status == "completed"

    # Failed in vars, before any step: there is no step to resume at.
    in_vars = Run.start(campaign(email("send", "Hi"), vars=(("x", data("${ 1 / 0 }")),)))
    assert in_vars.status == "failed" and in_vars.state.error["step"] is None
    assert retry_step_index(in_vars.workflow, in_vars.state) is None
    assert in_vars.send(Retry()) == [] and in_vars.status == "failed"


def test_a_failed_set_step_is_retried_from_its_start() -> None:
    values = SetStep(id="remember", location=loc(), values=(("n", data("${ 10 / vars.zero }")),))
    run = Run.start(campaign(values, vars=(("zero", data("${ 0 }")),)))
    assert run.status == "failed" and run.state.error["step"] == "remember"
    assert retry_step_index(run.workflow, run.state) == 0

    commands = run.later(timedelta(minutes=1), Retry())

    # Same pinned definition, same data: the step fails again, now as visit 2.
    assert isinstance(commands[-1], Fail) and run.status == "failed"
    assert run.state.visits["remember"] == 2
    assert run.now > T0
