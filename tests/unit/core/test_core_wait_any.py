"""``wait_for_event`` with ``any``: one indexed wait per entry, the first match wins."""

from __future__ import annotations

from datetime import timedelta

from interpreter.core.model import (
    Complete,
    EventReceived,
    Record,
    RunAction,
    StepSucceeded,
    TimerFired,
    WaitForEvent,
)
from interpreter.language.definitions import WaitEntry, WaitForAnyStep, Workflow
from tests.unit.core._core_workflows import T0, Run, campaign, email, event, expr, loc

CLICK = "resend/email.clicked"
SUBSCRIBED = "app/subscription.created"


def engagement(*, tips_next: str | None = "tips", lookback: timedelta = timedelta(0)) -> Workflow:
    """welcome, then a wait for a click (jumps to tips) or a subscription (no
    next: the following step), then thanks (ends the run) and tips."""
    wait = WaitForAnyStep(
        id="engagement",
        location=loc(),
        entries=(
            WaitEntry(
                event=CLICK,
                match=expr("async.data.email_id == steps.welcome.output.id"),
                next=tips_next,
                location=loc(),
            ),
            WaitEntry(
                event=SUBSCRIBED,
                match=expr("async.data.user_id == event.data.user.id"),
                location=loc(),
            ),
        ),
        timeout=timedelta(days=3),
        lookback=lookback,
    )
    return campaign(
        email("welcome", "Welcome"),
        wait,
        email("thanks", "Thanks", next="end"),
        email("tips", "Tips"),
    )


def waiting(workflow: Workflow) -> Run:
    run = Run.start(workflow)
    run.later(timedelta(minutes=1), StepSucceeded("welcome", {"id": "em_1"}, 1))
    return run


def test_entering_asks_for_one_indexed_wait_per_entry_with_the_steps_timeout() -> None:
    run = Run.start(engagement(lookback=timedelta(minutes=5)))
    commands = run.later(timedelta(minutes=1), StepSucceeded("welcome", {"id": "em_1"}, 1))

    waits = [c for c in commands if isinstance(c, WaitForEvent)]
    assert [(w.index, w.event, w.match_path, w.match_value) for w in waits] == [
        (0, CLICK, "data.email_id", "em_1"),
        (1, SUBSCRIBED, "data.user_id", 42),
    ]
    deadline = T0 + timedelta(minutes=1, days=3)
    assert {(w.step_id, w.purpose, w.timeout_at) for w in waits} == {
        ("engagement", "step", deadline)
    }
    # The window opens when the welcome email began, widened by the lookback.
    assert {w.since for w in waits} == {T0 - timedelta(minutes=5)}
    assert run.state.status == "waiting" and run.state.wake_at == deadline


def test_the_first_entry_wins_and_jumps_to_its_next() -> None:
    run = waiting(engagement())
    click = event(CLICK, {"email_id": "em_1"}, T0 + timedelta(hours=2))

    commands = run.send(EventReceived(click), T0 + timedelta(hours=2))

    output = {"index": 0, "name": CLICK, "event": click.as_cel()}
    assert commands[0] == Record("engagement", "wait_for_event", output)
    assert run.state.steps["engagement"] == {"output": output}
    assert [c.step_id for c in commands if isinstance(c, RunAction)] == ["tips"]


def test_the_second_entry_wins_and_without_next_goes_to_the_following_step() -> None:
    run = waiting(engagement())
    subscribed = event(SUBSCRIBED, {"user_id": 42}, T0 + timedelta(hours=5))

    commands = run.send(EventReceived(subscribed), T0 + timedelta(hours=5))

    output = {"index": 1, "name": SUBSCRIBED, "event": subscribed.as_cel()}
    assert run.state.steps["engagement"] == {"output": output}
    assert [c.step_id for c in commands if isinstance(c, RunAction)] == ["thanks"]


def test_an_entry_without_next_matched_goes_on_like_the_timeout() -> None:
    run = waiting(engagement(tips_next=None))
    click = event(CLICK, {"email_id": "em_1"})

    commands = run.send(EventReceived(click))

    assert [c.step_id for c in commands if isinstance(c, RunAction)] == ["thanks"]


def test_the_timeout_gives_null_and_the_following_step() -> None:
    run = waiting(engagement())

    assert run.send(TimerFired(), T0 + timedelta(days=2)) == []  # early: nothing
    commands = run.send(TimerFired(), T0 + timedelta(days=3, minutes=1))

    assert commands[0] == Record("engagement", "wait_for_event", None)
    assert run.state.steps["engagement"] == {"output": None}
    assert [c.step_id for c in commands if isinstance(c, RunAction)] == ["thanks"]


def test_an_event_matching_no_entry_changes_nothing() -> None:
    run = waiting(engagement())
    before = run.state

    for other in (
        event(CLICK, {"email_id": "em_someone_else"}),
        event(SUBSCRIBED, {"user_id": 7}),
        event(SUBSCRIBED, {}),  # no user_id: the condition errors, a non-match
        event("app/other", {"user_id": 42}),
    ):
        assert run.send(EventReceived(other)) == []
    assert run.state is before


def test_after_one_entry_won_the_other_entrys_event_does_nothing() -> None:
    run = waiting(engagement())
    run.send(EventReceived(event(CLICK, {"email_id": "em_1"})))
    run.send(StepSucceeded("tips", {"id": "em_2"}, 1))
    assert run.commands[-1] == Complete()
    done = run.state

    assert run.send(EventReceived(event(SUBSCRIBED, {"user_id": 42}))) == []
    assert run.state is done


def test_two_events_at_once_only_the_first_delivered_wins() -> None:
    run = waiting(engagement())
    subscribed = event(SUBSCRIBED, {"user_id": 42}, event_id="evt-sub")
    click = event(CLICK, {"email_id": "em_1"}, event_id="evt-click")

    first = run.send(EventReceived(subscribed))
    second = run.send(EventReceived(click))

    assert second == []
    assert [c.step_id for c in first if isinstance(c, RunAction)] == ["thanks"]
    output = run.state.steps["engagement"]["output"]
    assert isinstance(output, dict) and output["index"] == 1


def test_entries_are_tried_in_order_when_one_event_matches_two() -> None:
    wait = WaitForAnyStep(
        id="w",
        location=loc(),
        entries=(
            WaitEntry(event="ping", match=expr("async.data.n > 10"), next="big", location=loc()),
            WaitEntry(event="ping", next="any", location=loc()),
        ),
        timeout=timedelta(hours=1),
    )
    workflow = campaign(wait, email("any", "Any", next="end"), email("big", "Big"))

    small = Run.start(workflow)
    small.send(EventReceived(event("ping", {"n": 1})))
    big = Run.start(workflow)
    big.send(EventReceived(event("ping", {"n": 11})))

    assert small.state.steps["w"]["output"]["index"] == 1
    assert big.state.steps["w"]["output"]["index"] == 0
    assert [c.step_id for c in big.commands if isinstance(c, RunAction)] == ["big"]
