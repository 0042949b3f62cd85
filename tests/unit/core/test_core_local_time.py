"""The pure core with a run's zone, quiet hours and send windows: what state and
commands each input gives, timers early and late, and the run's zone with why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interpreter.core.advance import advance, new_run_state
from interpreter.core.local_time import resolve_timezone, spread_share
from interpreter.core.model import (
    Event,
    Input,
    Record,
    RunAction,
    RunState,
    SleepUntil,
    Start,
    StepSucceeded,
    TimerFired,
)
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow_text

PARIS_2230 = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)  # Monday 22:30 in Paris
PARIS_0800 = datetime(2026, 1, 6, 7, 0, tzinfo=UTC)  # Tuesday 08:00 in Paris

QUIET = """
id: quiet
on: {event: go}
timezone: ${ event.data.tz }
quiet_hours: {from: "21:00", to: "08:00"%s}
steps:
  - id: hello
    action: email.send
    with: {to: a@example.com, subject: hi, text: hi}
"""


def load(text: str) -> Workflow:
    workflow, problems = load_workflow_text(text, "c.yaml")
    assert workflow is not None, problems
    return workflow


def step(
    workflow: Workflow, state: RunState, given: Input, now: datetime
) -> tuple[RunState, list[Any]]:
    return advance(workflow, state, given, now, {})


def start(workflow: Workflow, data: Any, now: datetime, run_id: str = "run_1") -> Any:
    return step(workflow, new_run_state(workflow, run_id), Start(Event("ev", "go", data, now)), now)


def test_a_step_due_in_quiet_hours_sleeps_until_they_end() -> None:
    workflow = load(QUIET % "")
    state, commands = start(workflow, {"tz": "Europe/Paris"}, PARIS_2230)
    assert state.status == "sleeping" and state.wake_at == PARIS_0800
    assert state.attempt == 0 and state.visits == {"hello": 1}
    assert commands == [
        Record(
            "hello",
            "quiet_hours",
            {"deferred_until": "2026-01-06T08:00:00+01:00", "zone": "Europe/Paris"},
            attempt=0,
        ),
        SleepUntil("hello", PARIS_0800),
    ]
    # An early timer changes nothing: the engine may fire one more than once.
    assert step(workflow, state, TimerFired(), PARIS_0800 - timedelta(seconds=1)) == (state, [])
    state, commands = step(workflow, state, TimerFired(), PARIS_0800)
    assert state.status == "running" and state.attempt == 1 and state.wake_at is None
    assert [type(c) for c in commands] == [RunAction]
    state, commands = step(workflow, state, StepSucceeded("hello", {"id": "m"}, 1), PARIS_0800)
    assert state.status == "completed"


def test_a_worker_that_wakes_in_the_next_quiet_hours_defers_again() -> None:
    workflow = load(QUIET % "")
    state, _ = start(workflow, {"tz": "Europe/Paris"}, PARIS_2230)
    late = PARIS_0800 + timedelta(hours=14)  # 22:00 Paris the next evening
    state, commands = step(workflow, state, TimerFired(), late)
    assert state.status == "sleeping" and state.wake_at == PARIS_0800 + timedelta(days=1)
    assert commands == [SleepUntil("hello", PARIS_0800 + timedelta(days=1))]


def test_outside_quiet_hours_the_action_runs_at_once() -> None:
    workflow = load(QUIET % "")
    state, commands = start(workflow, {"tz": "Europe/Paris"}, PARIS_0800)
    assert state.status == "running" and [type(c) for c in commands] == [RunAction]


def test_spread_offsets_the_deferral_by_a_share_fixed_by_the_run_id() -> None:
    workflow = load(QUIET % ", spread: 30m")
    wakes = set()
    for n in range(200):
        state, _ = start(workflow, {"tz": "Europe/Paris"}, PARIS_2230, run_id=f"run_{n}")
        assert state.wake_at is not None
        share = state.wake_at - PARIS_0800
        assert timedelta(0) <= share < timedelta(minutes=30)
        assert share == spread_share(f"run_{n}", timedelta(minutes=30))  # the same every time
        wakes.add(state.wake_at)
    assert len(wakes) > 150  # spread out, not all at 08:00:00
    assert spread_share("run_1", timedelta(0)) == timedelta(0)


WINDOW = """
id: window
on: {event: go}
timezone: Europe/Paris
steps:
  - id: weekday_morning
    wait_for_window: {days: [mon, tue, wed, thu, fri], between: ["09:00", "11:30"]}
  - id: hello
    action: log
    with: {message: hi}
"""


def test_a_window_sleeps_until_it_opens_and_outputs_when_the_run_went_on() -> None:
    workflow = load(WINDOW)
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    monday_nine = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    state, commands = start(workflow, {}, saturday)
    assert state.status == "sleeping" and state.wake_at == monday_nine
    assert commands == [SleepUntil("weekday_morning", monday_nine)]
    state, commands = step(workflow, state, TimerFired(), monday_nine)
    assert state.steps["weekday_morning"] == {"output": {"opened_at": "2026-01-12T09:00:00+01:00"}}
    assert isinstance(commands[0], Record) and commands[0].kind == "wait_for_window"
    assert isinstance(commands[1], RunAction)


def test_a_late_wake_after_the_window_closed_waits_for_the_next_one() -> None:
    workflow = load(WINDOW)
    state, _ = start(workflow, {}, datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    late = datetime(2026, 1, 12, 11, 0, tzinfo=UTC)  # Monday 12:00 Paris: closed again
    state, commands = step(workflow, state, TimerFired(), late)
    tuesday_nine = datetime(2026, 1, 13, 8, 0, tzinfo=UTC)
    assert state.status == "sleeping" and state.wake_at == tuesday_nine
    assert commands == [SleepUntil("weekday_morning", tuesday_nine)]


ZONED = """
id: zoned
on: {event: go}
timezone: ${ event.data.user.tz }
%s
steps:
  - id: hello
    action: log
    with: {message: "${ run.timezone }"}
"""


@pytest.mark.parametrize(
    ("data", "zone", "why"),
    [
        ({"user": {"tz": "Europe/Paris"}}, "Europe/Paris", "from the event"),
        (
            {"user": {"tz": "Mars/Base"}},
            "America/New_York",
            "fallback: 'Mars/Base' is not a time zone",
        ),
        ({"user": {"tz": None}}, "America/New_York", "fallback: the timezone is null"),
        ({"user": {"tz": ""}}, "America/New_York", "fallback: the timezone is an empty string"),
        ({"user": {"tz": 3}}, "America/New_York", "fallback: 3 is not a string"),
        ({"user": {}}, "America/New_York", "fallback: timezone failed: "),
    ],
)
def test_the_run_zone_and_why(data: Any, zone: str, why: str) -> None:
    workflow = load(ZONED % "timezone_fallback: America/New_York")
    state, commands = start(workflow, data, PARIS_0800)
    assert state.timezone == zone and state.timezone_why is not None
    assert state.timezone_why.startswith(why)
    assert commands[0].input == {"message": zone}  # CEL reads it as run.timezone


def test_without_timezone_the_run_lives_in_the_fallback() -> None:
    workflow = load(ZONED.replace("timezone: ${ event.data.user.tz }\n", "") % "")
    state, _ = start(workflow, {}, PARIS_0800)
    assert (state.timezone, state.timezone_why) == (
        "UTC",
        "the default; the campaign sets no timezone",
    )
    fallback = load(
        ZONED.replace("timezone: ${ event.data.user.tz }\n", "") % "timezone_fallback: Asia/Tokyo"
    )
    assert resolve_timezone(fallback, {})[0] == "Asia/Tokyo"


def test_vars_read_run_timezone_as_the_fallback_and_steps_as_the_resolved_zone() -> None:
    workflow = load(
        "id: v\non: {event: go}\ntimezone: ${ event.data.tz }\ntimezone_fallback: Asia/Tokyo\n"
        'vars: {early: "${ run.timezone }"}\nsteps:\n  - id: hello\n    action: log\n'
        '    with: {message: "${ vars.early } ${ run.timezone }"}\n'
    )
    _, commands = start(workflow, {"tz": "Europe/Paris"}, PARIS_0800)
    assert commands[0].input == {"message": "Asia/Tokyo Europe/Paris"}
