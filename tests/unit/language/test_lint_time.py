"""Lint of local time: each mistake at its exact line and column, with its code."""

from __future__ import annotations

import pytest

from interpreter.language.loader import load_workflow_text

BASE = """id: c
on: {event: go}
%s
steps:
  - id: hello
    action: email.send
    with: {to: a@example.com, subject: hi, text: hi}
%s"""


def problems(top: str, steps: str = "") -> list[tuple[int, int, str]]:
    workflow, found = load_workflow_text(BASE % (top, steps), "c.yaml")
    assert workflow is None or not [p for p in found if p.is_error]
    return [(p.line, p.column, p.code) for p in found]


@pytest.mark.parametrize(
    ("top", "steps", "expected"),
    [
        ('quiet_hours: {from: "25:00", to: "08:00"}', "", [(3, 21, "bad-time")]),
        ('quiet_hours:\n  from: "21:00"\n  to: 8am', "", [(5, 7, "bad-time")]),
        ('quiet_hours: {from: "21:00", to: "21:00"}', "", [(3, 34, "bad-window")]),
        ('quiet_hours: {from: "21:00", to: "08:00", spread: 13h}', "", [(3, 51, "bad-window")]),
        ("timezone_fallback: Mars/Base", "", [(3, 20, "bad-timezone")]),
        ("timezone: Europe/Pariss", "", [(3, 11, "bad-timezone")]),
        (
            "",
            "  - id: w\n    wait_for_window: {days: [mon, funday]}\n",
            [(9, 35, "bad-window")],
        ),
        ("", "  - id: w\n    wait_for_window: {days: []}\n", [(9, 29, "bad-window")]),
        (
            "",
            '  - id: w\n    wait_for_window:\n      between: ["09:00", "9:30"]\n',
            [(10, 26, "bad-time")],
        ),
        (
            "",
            '  - id: w\n    wait_for_window:\n      between: ["09:00", "09:00"]\n',
            [(10, 26, "bad-window")],
        ),
        (
            "",
            "  - id: nap\n    sleep: 1h\n    quiet_hours: defer\n",
            [(10, 5, "quiet-hours-not-action")],
        ),
    ],
)
def test_each_mistake_at_its_place(
    top: str, steps: str, expected: list[tuple[int, int, str]]
) -> None:
    assert problems(top, steps) == expected


def test_a_good_campaign_lints_clean() -> None:
    top = (
        "timezone: ${ event.data.tz }\ntimezone_fallback: America/New_York\n"
        'quiet_hours: {from: "21:00", to: "08:00", spread: 30m}'
    )
    steps = (
        '  - id: w\n    wait_for_window: {days: [sat, sun], between: ["22:00", "02:00"]}\n'
        "  - id: again\n    quiet_hours: skip\n    action: log\n"
        '    with: {message: "${ run.timezone }"}\n'
    )
    assert problems(top, steps) == []


def test_the_schema_refuses_an_unknown_quiet_mode_and_a_one_item_between() -> None:
    found = problems("", '  - id: w\n    wait_for_window: {between: ["09:00"]}\n')
    assert found == [(9, 32, "schema")]
    _, messages = load_workflow_text(BASE % ("", "    quiet_hours: later\n"), "c.yaml")
    assert [(p.line, p.code) for p in messages] == [(8, "schema")]
    assert "defer, skip, ignore" in messages[0].message
