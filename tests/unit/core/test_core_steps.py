"""Each step kind, CEL errors as data, loops and the guards of the core."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.model import (
    Complete,
    EventReceived,
    Fail,
    Record,
    RunAction,
    SleepUntil,
    Start,
    StepSucceeded,
    TimerFired,
    WaitForEvent,
)
from interpreter.language.definitions import (
    CancelOn,
    SetStep,
    SleepStep,
    SleepUntilStep,
    SwitchCase,
    SwitchStep,
    WaitForEventStep,
)
from tests.unit.core._core_workflows import T0, Run, campaign, data, email, event, expr, loc


def _switch(step_id: str, *cases: tuple[str | None, str], **options: object) -> SwitchStep:
    return SwitchStep(
        id=step_id,
        location=loc(),
        cases=tuple(
            SwitchCase(if_=expr(c) if c else None, next=target, location=loc())
            for c, target in cases
        ),
        **options,  # type: ignore[arg-type]  # only id-level options such as next
    )


def _set(step_id: str, next: str | None = None, **values: object) -> SetStep:
    return SetStep(
        id=step_id,
        location=loc(),
        next=next,
        values=tuple((k, data(v)) for k, v in values.items()),
    )


# ---- CEL errors --------------------------------------------------------------


def test_a_failing_step_if_fails_the_step_with_the_expression_location() -> None:
    guarded = email("guarded", "Hi", if_=expr("event.data.missing.deep == 1", line=77, column=9))
    run = Run.start(campaign(guarded, email("never", "No")))

    fail = run.commands[-1]
    assert isinstance(fail, Fail) and fail.step_id == "guarded"
    assert fail.location == "campaign.yaml:77:9"
    assert "missing" in fail.message
    assert run.status == "failed" and run.state.error["location"] == "campaign.yaml:77:9"
    assert not any(isinstance(c, RunAction) for c in run.commands)


def test_a_non_bool_step_if_is_an_error_not_a_truthiness_guess() -> None:
    run = Run.start(campaign(email("guarded", "Hi", if_=expr("vars.email", line=12))))

    assert run.status == "failed"
    assert run.state.error["location"] == "campaign.yaml:12:9"


def test_a_failing_interpolation_fails_the_step_without_retry() -> None:
    run = Run.start(campaign(email("first", "Hi"), _set("boom", x="${ steps.nope.output }")))
    run.later(timedelta(seconds=1), StepSucceeded("first", {"id": "m"}, 1))

    assert isinstance(run.commands[-1], Fail) and run.commands[-1].step_id == "boom"
    assert run.state.error["step"] == "boom" and run.state.error["retryable"] is False
    assert run.state.error["location"].startswith("campaign.yaml:")


def test_a_failing_switch_case_fails_the_switch() -> None:
    run = Run.start(campaign(_switch("route", ("1 / 0 == 1", "end")), email("x", "Hi")))

    assert run.commands == [Fail("route", run.state.error["message"], run.state.error["location"])]
    assert "divide by zero" in run.state.error["message"]


def test_a_var_that_fails_at_start_fails_the_run() -> None:
    workflow = campaign(email("x", "Hi"), vars=(("bad", data("${ event.data.nope }")),))
    run = Run.start(workflow)

    assert run.status == "failed"
    fail = run.commands[-1]
    assert isinstance(fail, Fail) and fail.step_id is None and fail.location is not None


def test_a_wait_if_that_errors_on_a_candidate_is_a_non_match() -> None:
    wait = WaitForEventStep(
        id="wait",
        location=loc(),
        event="thing",
        match=expr("async.data.count + 1.5 > 3.0"),  # int plus double errors in CEL
        timeout=timedelta(hours=1),
    )
    run = Run.start(campaign(wait))
    waiting = run.state

    assert run.send(EventReceived(event("thing", {"count": 3}))) == []
    assert run.send(EventReceived(event("thing", {"other": True}))) == []
    assert run.send(EventReceived(event("thing", "not a mapping"))) == []
    assert run.state is waiting

    matched = run.send(EventReceived(event("thing", {"count": 3.0})))
    assert matched[-1] == Complete()


def test_a_cancel_if_that_errors_on_a_candidate_is_a_non_match() -> None:
    workflow = campaign(
        SleepStep(id="nap", location=loc(), duration=timedelta(hours=1)),
        cancel_on=(CancelOn(event="stop", if_=expr("async.data.n == 1"), location=loc()),),
    )
    run = Run.start(workflow)

    assert run.send(EventReceived(event("stop", {"other": 1}))) == []
    assert run.status == "sleeping"
    assert run.send(EventReceived(event("stop", {"n": 1})))[0].__class__.__name__ == "Cancelled"


def test_a_cancel_on_without_if_cancels_on_any_event_of_that_name() -> None:
    workflow = campaign(
        SleepStep(id="nap", location=loc(), duration=timedelta(hours=1)),
        cancel_on=(CancelOn(event="stop", location=loc()),),
    )
    run = Run.start(workflow)
    subscription = run.commands[0]

    assert isinstance(subscription, WaitForEvent) and subscription.match_path is None
    run.send(EventReceived(event("stop", None)))
    assert run.status == "cancelled"


# ---- switch, set, next --------------------------------------------------------


def test_switch_takes_the_first_true_case_then_the_default() -> None:
    workflow = campaign(
        _switch(
            "route",
            ("vars.email == 'x'", "a"),
            ("vars.email == 'ada@example.com'", "b"),
            (None, "a"),
        ),
        _set("a", picked="a", next="end"),
        _set("b", picked="b"),
    )
    run = Run.start(workflow)
    assert run.commands[0] == Record("route", "switch", {"next": "b"})
    assert run.state.vars["picked"] == "b" and run.status == "completed"

    defaulted = campaign(
        _switch("route", ("vars.email == 'x'", "b"), (None, "a")),
        _set("a", picked="a", next="end"),
        _set("b", picked="b"),
    )
    run = Run.start(defaulted)
    assert run.state.vars["picked"] == "a"
    assert "b" not in run.state.visits


def test_switch_with_no_match_falls_through_to_the_next_step() -> None:
    run = Run.start(campaign(_switch("route", ("false", "end")), _set("next_one", seen=True)))

    assert run.commands == [
        Record("route", "switch", {"next": None}),
        Record("next_one", "set", {"seen": True}),
        Complete(),
    ]
    assert run.state.steps["route"] == {"output": {"next": None}}


def test_set_updates_vars_in_order_and_keeps_types() -> None:
    run = Run.start(
        campaign(
            _set(
                "s",
                count=2,
                twice="${ vars.count * 2 }",
                label="n=${ vars.count }",
                email="new@example.com",
            ),
            email("send", "Hi"),
        )
    )

    assert run.state.vars == {"email": "new@example.com", "count": 2, "twice": 4, "label": "n=2"}
    action = run.commands[-1]
    assert isinstance(action, RunAction) and action.input["to"] == "new@example.com"


def test_next_end_completes_the_run_early() -> None:
    run = Run.start(campaign(email("only", "Hi", next="end"), email("never", "No")))

    assert run.later(timedelta(seconds=1), StepSucceeded("only", {}, 1)) == [Complete()]
    assert "never" not in run.state.visits and run.state.cursor is None


def test_a_loop_gives_each_visit_a_fresh_idempotency_key() -> None:
    workflow = campaign(
        _set("init", n=0),
        email("send", "Hi"),
        _set("bump", n="${ vars.n + 1 }"),
        _switch("again", ("vars.n < 3", "nap")),
        SleepStep(id="nap_end", location=loc(), duration=timedelta(hours=1), next="end"),
        SleepStep(id="nap", location=loc(), duration=timedelta(hours=1), next="send"),
    )
    run = Run.start(workflow)
    keys = []
    while run.status != "completed":
        last = run.commands[-1]
        if isinstance(last, RunAction):
            keys.append(last.idempotency_key)
            run.later(timedelta(seconds=1), StepSucceeded("send", {"id": len(keys)}, 1))
        else:
            assert isinstance(last, SleepUntil)
            run.send(TimerFired(), last.until)

    assert keys == ["run-1:send:1", "run-1:send:2", "run-1:send:3"]
    assert run.state.visits == {"init": 1, "send": 3, "bump": 3, "again": 3, "nap": 2, "nap_end": 1}
    assert run.state.steps["send"] == {"output": {"id": 3}}


def test_a_loop_that_never_waits_is_stopped_with_a_message() -> None:
    run = Run.start(campaign(_set("spin", n="${ vars.n + 1 }", next="spin"), vars=(("n", 0),)))

    assert run.status == "failed"
    assert "loop" in run.state.error["message"]
    assert len(run.commands) <= 1001


# ---- sleeps and waits ---------------------------------------------------------


def test_sleep_until_in_the_past_proceeds_at_once() -> None:
    past = SleepUntilStep(id="at", location=loc(), until="2020-01-01T00:00:00Z")
    run = Run.start(campaign(past, _set("after", ok=True)))

    assert run.commands[:2] == [
        Record("at", "sleep_until", None),
        Record("after", "set", {"ok": True}),
    ]
    assert run.status == "completed"


def test_sleep_until_in_the_future_sleeps_to_that_instant() -> None:
    until = SleepUntilStep(id="at", location=loc(), until=data("${ vars.when }"))
    workflow = campaign(until, vars=(("when", "2024-05-02T10:30:00+02:00"),))
    run = Run.start(workflow)
    wake = T0 + timedelta(hours=23, minutes=30)

    assert run.commands == [SleepUntil("at", wake)]
    assert run.state.wake_at == wake and run.status == "sleeping"
    assert run.send(TimerFired(), wake - timedelta(seconds=1)) == []
    assert run.send(TimerFired(), wake) == [Record("at", "sleep_until", None), Complete()]


def test_sleep_until_without_a_timezone_fails_the_step_clearly() -> None:
    for value in ("2024-06-01T10:00:00", "next tuesday", 17):
        step = SleepUntilStep(id="at", location=loc(line=33), until=value)
        run = Run.start(campaign(step))
        assert run.status == "failed"
        assert "timezone" in run.state.error["message"]
        assert run.state.error["location"] == "campaign.yaml:33:5"


def test_a_wait_without_timeout_waits_forever_and_lookback_widens_its_window() -> None:
    wait = WaitForEventStep(id="wait", location=loc(), event="ping", lookback=timedelta(minutes=5))
    run = Run.start(campaign(email("first", "Hi"), wait))
    run.later(timedelta(minutes=1), StepSucceeded("first", {}, 1))

    command = run.commands[-1]
    assert isinstance(command, WaitForEvent)
    assert command.timeout_at is None and run.state.wake_at is None
    assert command.since == T0 - timedelta(minutes=5)
    assert command.match_path is None
    assert run.send(TimerFired(), T0 + timedelta(days=365)) == []
    assert run.send(EventReceived(event("ping", {})))[-1] == Complete()


def test_a_second_wait_opens_its_window_when_the_first_resolved() -> None:
    first = WaitForEventStep(id="one", location=loc(), event="ping", timeout=timedelta(hours=1))
    second = WaitForEventStep(id="two", location=loc(), event="ping", timeout=timedelta(hours=1))
    run = Run.start(campaign(first, second))
    resolved_at = T0 + timedelta(minutes=10)

    run.send(EventReceived(event("ping", {}, resolved_at)), resolved_at)

    command = run.commands[-1]
    assert isinstance(command, WaitForEvent) and command.step_id == "two"
    assert command.since == resolved_at


# ---- guards ---------------------------------------------------------------------


def test_a_duplicate_start_does_nothing() -> None:
    run = Run.start(campaign(email("x", "Hi")))
    started = run.state

    assert run.send(Start(event("app/signup.completed", {"user": {"email": "b@x"}}))) == []
    assert run.state is started


def test_an_unexpected_fault_becomes_a_failed_run_not_an_exception() -> None:
    # A switch target that does not exist (lint would catch it) reaches step_index.
    run = Run.start(campaign(_switch("route", ("true", "nowhere")), email("x", "Hi")))

    assert run.status == "failed"
    fail = run.commands[-1]
    assert isinstance(fail, Fail) and "internal error" in fail.message
    assert len(run.commands) == 1  # the half-done turn's commands are dropped
