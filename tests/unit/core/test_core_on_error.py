"""on_error: a step that fails for good lets the run go on, its error as data."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.model import (
    Complete,
    Fail,
    Record,
    RunAction,
    StepFailed,
    StepSucceeded,
    TimerFired,
)
from interpreter.language.definitions import ActionStep, OnError, SetStep
from tests.unit.core._core_workflows import Run, campaign, data, email, expr, loc, replay


def _lookup(**options: object) -> ActionStep:
    return ActionStep(
        id="lookup",
        location=loc(),
        action="http.request",
        with_=data({"url": "https://crm.example/${ event.data.user.id }"}),
        **options,  # type: ignore[arg-type]  # step-level options: on_error, if_
    )


def _continue() -> OnError:
    return OnError(next=None, location=loc())


def _actions(run: Run) -> list[str]:
    return [c.step_id for c in run.commands if isinstance(c, RunAction)]


def test_a_non_retryable_failure_goes_on_with_the_error_as_data() -> None:
    note = SetStep(
        id="note",
        location=loc(),
        values=(("why", data("${ steps.lookup.error.message }")),),
    )
    run = Run.start(campaign(_lookup(on_error=_continue()), note, email("welcome", "Hi")))
    run.send(StepFailed("lookup", "HTTP 404", retryable=False, attempt=1))
    error = {"message": "HTTP 404", "retryable": False, "attempts": 1}
    assert run.status == "running"
    assert run.state.steps["lookup"] == {"output": None, "error": error}
    assert run.state.vars["why"] == "HTTP 404"
    assert Record("lookup", "on_error", {"error": error, "next": "note"}, 2) in run.commands
    assert not any(isinstance(c, Fail) for c in run.commands)
    assert _actions(run) == ["lookup", "welcome"]


def test_spent_retries_go_to_on_error_next() -> None:
    workflow = campaign(
        _lookup(on_error=OnError(next="fallback", location=loc())),
        email("personal", "Hi you", next="end"),
        email("fallback", "Hi there"),
    )
    run = Run.start(workflow)
    for attempt in (1, 2):
        run.send(StepFailed("lookup", "HTTP 503", retryable=True, attempt=attempt))
        run.later(timedelta(minutes=5), TimerFired())
    run.send(StepFailed("lookup", "HTTP 503", retryable=True, attempt=3))  # attempts=3
    error = {"message": "HTTP 503", "retryable": True, "attempts": 3}
    assert run.state.steps["lookup"]["error"] == error
    assert Record("lookup", "on_error", {"error": error, "next": "fallback"}, 4) in run.commands
    assert _actions(run) == ["lookup", "lookup", "lookup", "fallback"]
    run.send(StepSucceeded("fallback", {"id": "m1"}, 1))
    assert isinstance(run.commands[-1], Complete)


def test_an_expression_error_in_with_goes_on_without_running_the_action() -> None:
    broken = ActionStep(
        id="lookup",
        location=loc(),
        action="http.request",
        with_=data({"url": "${ event.data.missing.deep }"}),
        on_error=OnError(next="end", location=loc()),
    )
    run = Run.start(campaign(broken, email("never", "No")))
    assert _actions(run) == []
    error = run.state.steps["lookup"]["error"]
    assert isinstance(error, dict)
    assert error["attempts"] == 0 and error["retryable"] is False
    assert "missing" in str(error["message"])
    assert run.status == "completed"
    assert isinstance(run.commands[-1], Complete)


def test_an_expression_error_in_if_is_a_failure_of_the_step_too() -> None:
    guarded = email("guarded", "Hi", if_=expr("event.data.missing.deep == 1"), on_error=_continue())
    run = Run.start(campaign(guarded, email("after", "After")))
    assert run.state.steps["guarded"]["output"] is None
    assert _actions(run) == ["after"]


def test_a_step_with_on_error_that_succeeds_has_a_null_error() -> None:
    run = Run.start(campaign(_lookup(on_error=_continue()), email("welcome", "Hi")))
    run.send(StepSucceeded("lookup", {"status": 200}, 1))
    assert run.state.steps["lookup"] == {"output": {"status": 200}, "error": None}


def test_without_on_error_the_failure_still_fails_the_run() -> None:
    run = Run.start(campaign(_lookup(), email("welcome", "Hi")))
    run.send(StepFailed("lookup", "HTTP 404", retryable=False, attempt=1))
    assert run.status == "failed"
    assert isinstance(run.commands[-1], Fail)


def test_going_on_after_an_error_replays_identically() -> None:
    run = Run.start(campaign(_lookup(on_error=_continue()), email("welcome", "Hi")))
    run.send(StepFailed("lookup", "HTTP 503", retryable=True, attempt=1))
    run.later(timedelta(minutes=1), TimerFired())
    run.send(StepFailed("lookup", "HTTP 404", retryable=False, attempt=2))
    state, commands = replay(run.workflow, "run-1", run.log)
    assert state == run.state
    assert commands == run.commands


def test_a_loop_with_nothing_to_wait_on_still_fails_with_on_error() -> None:
    # Lint rejects this busy cycle; the core must still stop it, not go on.
    spin = SetStep(
        id="spin",
        location=loc(),
        values=(("n", data("${ 1 }")),),
        next="spin",
        on_error=_continue(),
    )
    run = Run.start(campaign(spin))
    assert run.status == "failed"
    assert isinstance(run.commands[-1], Fail) and run.commands[-1].step_id == "spin"
    assert len(run.commands) <= 1001  # one pass of the guard, not one per rescue
