"""Lint of split, on_error and the run timeout: each mistake at its line and
column with its code, and the campaigns that must lint clean."""

from __future__ import annotations

import pytest

from interpreter.language.loader import load_workflow_text

BASE = """id: c
on: {event: go}
%s
steps:
  - id: lookup
    action: http.request
    with: {url: "https://crm.example/x"}
%s
  - id: a
    action: log
    with: {message: a}
  - id: b
    action: log
    with: {message: b}
"""

SPLIT = """  - id: offer
    split:
      key: event.data.user.id
      paths:
        - {name: first, weight: %s, next: %s}
        - {name: %s, weight: %s, next: b}"""


def problems(top: str, steps: str) -> list[tuple[int, int, str]]:
    _, found = load_workflow_text(BASE % (top, steps), "c.yaml")
    return [(p.line, p.column, p.code) for p in found]


def messages(top: str, steps: str) -> list[str]:
    _, found = load_workflow_text(BASE % (top, steps), "c.yaml")
    return [p.message for p in found]


@pytest.mark.parametrize(
    ("top", "steps", "expected"),
    [
        ("", SPLIT % (50, "a", "second", 50), []),
        ("", SPLIT % (0, "a", "second", 0), [(11, 7, "split-weights")]),
        ("", SPLIT % (50, "a", "first", 50), [(13, 18, "duplicate-path-name")]),
        (
            "",
            SPLIT % (50, "nowhere", "second", 50),
            [(12, 43, "unknown-target"), (14, 5, "unreachable-step")],
        ),
        ("", SPLIT % (-1, "a", "second", 50), [(12, 33, "schema")]),
        (
            "",
            SPLIT.replace("event.data.user.id", "evnt.data.user.id") % (1, "a", "s", 1),
            [(10, 12, "cel-unknown-name")],
        ),
        ("", "    on_error: continue", []),
        ("", "    on_error: {next: b}", []),
        ("", "    on_error: {next: bb}", [(8, 22, "unknown-target")]),
        ("", "    on_error: stop", [(8, 15, "schema")]),
        ("", "    on_error: {go: b}", [(8, 5, "schema"), (8, 16, "unknown-key")]),
        ("timeout: 45d", "", []),
        ("timeout: 45 days", "", [(3, 10, "bad-duration")]),
    ],
)
def test_each_mistake_at_its_place(
    top: str, steps: str, expected: list[tuple[int, int, str]]
) -> None:
    assert problems(top, steps) == expected


STEPS_ERROR = """    on_error: continue
  - id: note
    action: log
    with: {message: "${ steps.lookup.error.message }"}"""


def test_steps_error_is_known_only_on_a_step_with_on_error() -> None:
    assert problems("", STEPS_ERROR) == []
    without = STEPS_ERROR.replace("    on_error: continue\n", "")
    assert problems("", without) == [(10, 38, "cel-unknown-name")]
    assert messages("", without) == [
        "steps.lookup.error is only set on a step with on_error; add on_error to 'lookup'"
    ]
    other = STEPS_ERROR.replace(".error.message", ".errors")
    assert messages("", other) == ["steps.lookup has output or error, not 'errors'"]


def test_a_wait_without_a_timeout_is_fine_when_the_run_has_one() -> None:
    wait = "  - id: w\n    wait_for_event: {event: paid}"
    assert [code for *_, code in problems("", wait)] == ["wait-without-timeout"]
    assert problems("timeout: 30d", wait) == []


def test_on_error_next_makes_its_target_reachable_and_a_loop_through_it_is_busy() -> None:
    # `a` is only reachable through lookup's on_error when lookup jumps over it.
    jumping = "    next: b"
    assert [code for *_, code in problems("", jumping)] == ["unreachable-step"]
    assert problems("", jumping + "\n    on_error: {next: a}") == []
    looping = "    on_error: {next: lookup}"
    assert [code for *_, code in problems("", looping)] == ["busy-cycle"]
