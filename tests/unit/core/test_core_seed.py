"""The seed campaign's paths through the pure core."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.model import (
    Cancel,
    Cancelled,
    Complete,
    EventReceived,
    Record,
    RunAction,
    SleepUntil,
    StepSucceeded,
    TimerFired,
    WaitForEvent,
)
from interpreter.language.definitions import ActionStep
from tests.unit.core._core_workflows import SECRETS, T0, Run, campaign, data, event, loc, seed

WELCOME_ID = "email-welcome-1"


def _welcomed(send_at: timedelta = timedelta(seconds=2)) -> Run:
    run = Run.start(seed())
    run.later(send_at, StepSucceeded("welcome_email", {"id": WELCOME_ID}, 1))
    return run


def _click(email_id: str = WELCOME_ID, at_offset: timedelta = timedelta(hours=5)) -> EventReceived:
    return EventReceived(event("resend/email.clicked", {"email_id": email_id}, T0 + at_offset))


def test_start_evaluates_vars_subscribes_cancel_on_and_sends_welcome() -> None:
    run = Run.start(seed())

    assert run.state.vars == {"email": "ada@example.com", "first_name": "Ada"}
    assert run.state.started_at == T0
    assert run.state.event["data"]["user"]["id"] == 42
    cancel_wait, action = run.commands
    assert cancel_wait == WaitForEvent(
        step_id=None,
        event="app/user.deleted",
        match_path="data.user_id",
        match_value=42,
        timeout_at=None,
        since=T0,
        purpose="cancel",
        index=0,
    )
    assert action == RunAction(
        "welcome_email",
        "email.send",
        {
            "to": "ada@example.com",
            "subject": "Welcome to ACME",
            "template": "templates/welcome.html",
        },
        1,
        "run-1:welcome_email:1",
    )
    assert (run.status, run.state.cursor, run.state.wake_at) == ("running", 0, None)


def test_wait_opens_at_the_previous_step_start_with_an_indexed_key() -> None:
    run = Run.start(seed())
    commands = run.later(
        timedelta(seconds=2), StepSucceeded("welcome_email", {"id": WELCOME_ID}, 1)
    )

    assert commands == [
        WaitForEvent(
            step_id="wait_for_engagement",
            event="resend/email.clicked",
            match_path="data.email_id",
            match_value=WELCOME_ID,
            timeout_at=T0 + timedelta(days=3, seconds=2),
            # A click while the welcome email was still being sent must count.
            since=T0,
        )
    ]
    assert run.status == "waiting"
    assert run.state.wake_at == T0 + timedelta(days=3, seconds=2)
    assert run.state.steps["welcome_email"] == {"output": {"id": WELCOME_ID}}


def test_no_click_goes_to_the_trial_offer_after_three_days() -> None:
    run = _welcomed()
    early = run.later(timedelta(days=1), TimerFired())
    assert early == [] and run.status == "waiting"

    commands = run.send(TimerFired(), run.state.wake_at)

    assert commands[0] == Record("wait_for_engagement", "wait_for_event", None)
    assert commands[1] == Record("route", "switch", {"next": "check_plan"})
    action = commands[2]
    assert isinstance(action, RunAction)
    assert action.step_id == "check_plan"
    assert action.input["url"] == SECRETS["APP_DATABASE_URL"]
    assert action.input["params"] == {"email": "ada@example.com"}
    assert len(commands) == 3
    assert run.state.steps["wait_for_engagement"] == {"output": None}
    assert "delay_power_tips" not in run.state.visits

    trial = run.later(timedelta(seconds=1), StepSucceeded("check_plan", {"rows": []}, 1))
    assert [c.step_id for c in trial if isinstance(c, RunAction)] == ["trial_offer_email"]
    done = run.later(timedelta(seconds=1), StepSucceeded("trial_offer_email", {"id": "e2"}, 1))
    assert done == [Complete()]
    assert (run.status, run.state.cursor, run.state.wake_at) == ("completed", None, None)


def test_click_sends_tips_after_a_day_then_the_trial_after_another() -> None:
    run = _welcomed()
    clicked = run.later(timedelta(hours=5), _click())

    assert clicked[0] == Record("wait_for_engagement", "wait_for_event", _click().event.as_cel())
    assert clicked[1] == Record("route", "switch", {"next": None})
    tips_at = run.now + timedelta(days=1)
    assert clicked[2] == SleepUntil("delay_power_tips", tips_at)
    assert run.status == "sleeping" and run.state.wake_at == tips_at
    assert run.state.steps["wait_for_engagement"]["output"]["data"] == {"email_id": WELCOME_ID}

    tips = run.send(TimerFired(), tips_at)
    assert tips[0] == Record("delay_power_tips", "sleep", None)
    assert isinstance(tips[1], RunAction) and tips[1].step_id == "send_power_user_tips"
    assert tips[1].input["subject"] == "Supercharge your ACME experience"

    after_tips = run.later(
        timedelta(seconds=3), StepSucceeded("send_power_user_tips", {"id": "e3"}, 1)
    )
    assert after_tips == [SleepUntil("delay_trial", run.now + timedelta(days=1))]
    plan = run.send(TimerFired(), run.state.wake_at)
    assert isinstance(plan[-1], RunAction) and plan[-1].step_id == "check_plan"
    run.later(timedelta(seconds=1), StepSucceeded("check_plan", {"rows": [{"plan": "free"}]}, 1))
    run.later(timedelta(seconds=1), StepSucceeded("trial_offer_email", {"id": "e4"}, 1))

    assert run.status == "completed"
    sent = [c.step_id for c in run.commands if isinstance(c, RunAction)]
    assert sent == [
        "welcome_email",
        "send_power_user_tips",
        "check_plan",
        "trial_offer_email",
    ]


def test_pro_user_skips_the_trial_offer() -> None:
    run = _welcomed()
    run.send(TimerFired(), run.state.wake_at)

    commands = run.later(
        timedelta(seconds=1), StepSucceeded("check_plan", {"rows": [{"plan": "pro"}]}, 1)
    )

    assert commands == [Record("trial_offer_email", "skipped", None), Complete()]
    assert run.status == "completed"
    assert run.state.steps["trial_offer_email"] == {"output": None}


def test_user_deleted_cancels_the_run_wherever_it_stands() -> None:
    run = _welcomed()
    other = run.later(timedelta(hours=1), EventReceived(event("app/user.deleted", {"user_id": 7})))
    assert other == [] and run.status == "waiting"

    commands = run.later(
        timedelta(hours=1), EventReceived(event("app/user.deleted", {"user_id": 42}))
    )

    assert len(commands) == 1 and isinstance(commands[0], Cancelled)
    assert "app/user.deleted" in commands[0].reason
    assert (run.status, run.state.cursor, run.state.wake_at) == ("cancelled", None, None)
    assert run.state.error["step"] == "wait_for_engagement"
    # Finished: a later click or timer changes nothing.
    before = run.state
    assert run.later(timedelta(hours=1), _click()) == []
    assert run.send(TimerFired(), T0 + timedelta(days=9)) == []
    assert run.state is before


def test_events_that_do_not_match_change_nothing() -> None:
    run = _welcomed()
    before = run.state

    assert run.send(_click(email_id="someone-else")) == []
    assert run.send(EventReceived(event("app/unrelated", {"email_id": WELCOME_ID}))) == []
    assert run.state is before


def test_cancel_input_cancels_a_sleeping_run() -> None:
    run = _welcomed()
    run.later(timedelta(hours=1), _click())
    assert run.status == "sleeping"

    assert run.send(Cancel("support asked")) == [Cancelled("support asked")]
    assert run.status == "cancelled" and run.state.wake_at is None


def test_only_declared_secrets_are_in_scope() -> None:
    workflow = campaign(
        ActionStep(id="leak", location=loc(), action="log", with_=data({"x": "${ secrets.HOME }"})),
        secrets=("APP_DATABASE_URL",),
    )
    run = Run.start(workflow)  # HOME is in the secrets mapping, but not declared

    assert run.status == "failed"
    assert run.state.error["step"] == "leak"
    assert "HOME" in run.state.error["message"]


def test_a_click_before_the_wait_is_stored_is_left_for_the_wait_window() -> None:
    # The core ignores it; the engine offers it again once the wait's ``since``
    # (the welcome email's start) is stored, which is what closes the race.
    run = Run.start(seed())
    before = run.state

    assert run.later(timedelta(seconds=1), _click(at_offset=timedelta(seconds=1))) == []
    assert run.send(TimerFired()) == []  # no timer is due while an action runs
    assert run.state is before

    waited = run.later(timedelta(seconds=1), StepSucceeded("welcome_email", {"id": WELCOME_ID}, 1))
    assert isinstance(waited[0], WaitForEvent) and waited[0].since <= T0 + timedelta(seconds=1)
    resumed = run.send(_click(at_offset=timedelta(seconds=1)))
    assert resumed[0] == Record(
        "wait_for_engagement",
        "wait_for_event",
        _click(at_offset=timedelta(seconds=1)).event.as_cel(),
    )
