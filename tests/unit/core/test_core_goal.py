"""The conversion goal in the pure core: when a run converts, what it records,
and what a conversion does to the run (``exit``), from a campaign as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from interpreter.core.advance import advance, new_run_state
from interpreter.core.model import (
    Command,
    Converted,
    Event,
    EventReceived,
    Input,
    RunAction,
    RunState,
    Start,
    StepSucceeded,
    TimerFired,
    WaitForEvent,
)
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow_text

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WOKEN = timedelta(days=1, seconds=1)  # the sleep began a second in, after the email

CAMPAIGN = """
id: trial
on: {event: app/trial.started}
goal:
  event: app/subscription.created
  if: async.data.user_id == event.data.user.id
  within: 2d
  exit: EXIT
steps:
  - id: welcome
    action: email.send
    with: {to: a@example.com, subject: Hi, html: <p>hi</p>}
  - id: pause
    sleep: 1d
  - id: note
    action: log
    with: {message: done}
"""


def _campaign(exit: bool = True) -> Workflow:
    workflow, problems = load_workflow_text(
        CAMPAIGN.replace("EXIT", str(exit).lower()), "trial.yaml"
    )
    assert workflow is not None and not problems, problems
    return workflow


class _Run:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.state: RunState = new_run_state(workflow, "run_1")

    def feed(self, input: Input, at: timedelta) -> list[Command]:
        self.state, commands = advance(self.workflow, self.state, input, T0 + at, {})
        return commands


def _status(run: _Run) -> str:
    """Read afresh each time: mypy would otherwise narrow the status across feeds."""
    return run.state.status


def _event(user: int, id: str = "evt_paid") -> EventReceived:
    return EventReceived(Event(id, "app/subscription.created", {"user_id": user}, T0))


def _started(workflow: Workflow) -> tuple[_Run, list[Command]]:
    run = _Run(workflow)
    trigger = Event("evt_start", "app/trial.started", {"user": {"id": 7}}, T0)
    commands = run.feed(Start(trigger), timedelta(0))
    sent = run.feed(StepSucceeded("welcome", {"id": "em_1"}, 1), timedelta(seconds=1))
    assert [c for c in sent if isinstance(c, RunAction)] == []  # now asleep
    return run, commands


def test_a_run_subscribes_to_its_goal_by_key_at_start() -> None:
    _, commands = _started(_campaign())
    (goal,) = [c for c in commands if isinstance(c, WaitForEvent) and c.purpose == "goal"]
    assert (goal.event, goal.match_path, goal.match_value) == (
        "app/subscription.created",
        "data.user_id",
        7,
    )
    assert goal.timeout_at is None


def test_with_exit_a_conversion_ends_the_run_and_nothing_after_it_runs() -> None:
    run, _ = _started(_campaign(exit=True))
    assert run.feed(_event(8), timedelta(hours=1)) == []  # someone else's subscription
    commands = run.feed(_event(7), timedelta(hours=2))
    (converted,) = commands
    assert converted == Converted(
        "evt_paid", T0 + timedelta(hours=2), "welcome", {}, ends_run=True, after_finish=False
    )
    assert _status(run) == "converted"
    assert run.feed(TimerFired(), WOKEN) == []  # the sleep's end runs nothing


def test_without_exit_the_run_goes_on_and_converts_only_once() -> None:
    run, _ = _started(_campaign(exit=False))
    (converted,) = run.feed(_event(7), timedelta(hours=2))
    assert isinstance(converted, Converted) and not converted.ends_run
    assert _status(run) == "sleeping"
    assert run.feed(_event(7, "evt_again"), timedelta(hours=3)) == []
    commands = run.feed(TimerFired(), WOKEN)
    assert [c.step_id for c in commands if isinstance(c, RunAction)] == ["note"]
    finished = run.feed(StepSucceeded("note", None, 1), WOKEN)
    assert _status(run) == "completed"
    # Converted already: no subscription for the attribution window.
    assert not [c for c in finished if isinstance(c, WaitForEvent)]


def test_a_finished_run_converts_inside_its_window_and_keeps_its_status() -> None:
    run, _ = _started(_campaign())
    run.feed(TimerFired(), WOKEN)
    finished = run.feed(StepSucceeded("note", None, 1), WOKEN)
    (linger,) = [c for c in finished if isinstance(c, WaitForEvent)]
    assert linger.purpose == "goal" and linger.timeout_at == T0 + WOKEN + timedelta(days=2)
    assert _status(run) == "completed"
    late = _Run(run.workflow)
    late.state = run.state
    closed = WOKEN + timedelta(days=2, microseconds=1)
    assert late.feed(_event(7), closed) == []  # the window has closed
    (converted,) = run.feed(_event(7), WOKEN + timedelta(days=2))
    assert isinstance(converted, Converted) and converted.after_finish and not converted.ends_run
    assert _status(run) == "completed"
    assert run.state.converted_at == T0 + WOKEN + timedelta(days=2)
    assert run.feed(_event(7, "evt_again"), WOKEN + timedelta(days=2)) == []
