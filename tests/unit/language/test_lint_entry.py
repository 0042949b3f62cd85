"""The lint checks of ``entry``, ``idempotency`` and ``debounce``, at file:line:column."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from interpreter.language.loader import load_workflow_text
from interpreter.language.problems import Problem

HEAD = """\
id: carts
on: {event: shop/cart.updated}
"""
STEPS = """\
steps:
  - {id: hello, action: log, with: {message: hi}}
"""


def problems(middle: str, head: str = HEAD) -> list[tuple[int, int, str, str]]:
    _, found = load_workflow_text(head + middle + STEPS, "carts.yaml", base_dir=Path("."))
    return [(p.line, p.column, p.severity, p.code) for p in found]


def messages(middle: str) -> list[Problem]:
    _, found = load_workflow_text(HEAD + middle + STEPS, "carts.yaml", base_dir=Path("."))
    return found


CASES = [
    pytest.param(
        "idempotency: event.data.user\nentry: {key: event.data.user}\n",
        [(3, 1, "error", "entry-and-idempotency")],
        id="both",
    ),
    pytest.param(
        "entry:\n  key: event.data.user\n  reentry_after: 0s\n",
        [(5, 18, "error", "bad-duration")],
        id="reentry-zero",
    ),
    pytest.param(
        "entry: {key: event.data.user, reentry_after: a week}\n",
        [(3, 46, "error", "bad-duration")],
        id="reentry-not-a-duration",
    ),
    pytest.param(
        "entry: {key: event.data.user, if_running: restart}\n",
        [(3, 43, "error", "schema")],
        id="if-running",
    ),
    pytest.param("entry: {if_running: cancel}\n", [(3, 1, "error", "schema")], id="no-key"),
    pytest.param(
        "entry: {key: evnt.data.user}\n", [(3, 14, "error", "cel-unknown-name")], id="entry-cel"
    ),
    pytest.param(
        "debounce: {key: event.data.cart.id +, period: 30m}\n",
        [(3, 36, "error", "cel-syntax")],
        id="debounce-cel",
    ),
    pytest.param("debounce:\n  period: 0m\n", [(4, 11, "error", "bad-duration")], id="period-zero"),
    pytest.param(
        "debounce:\n  period: 30m\n  timeout: -1h\n",
        [(5, 12, "error", "bad-duration")],
        id="timeout-negative",
    ),
    pytest.param(
        "debounce: {key: event.data.cart.id}\n", [(3, 1, "error", "schema")], id="no-period"
    ),
    pytest.param(
        "debounce: {period: 30m, timeout: 10m}\n",
        [(3, 34, "warning", "debounce-timeout-within-period")],
        id="timeout-within-period",
    ),
]


@pytest.mark.parametrize(("middle", "expected"), CASES)
def test_each_check_points_at_the_line_and_column(
    middle: str, expected: list[tuple[int, int, str, str]]
) -> None:
    assert problems(middle) == expected


def test_debounce_on_a_cron_only_campaign_is_a_warning() -> None:
    head = 'id: carts\non: {cron: "0 9 * * 1"}\n'
    assert problems("debounce: {period: 30m}\n", head) == [
        (3, 1, "warning", "debounce-without-events")
    ]


def test_the_rules_load_as_written() -> None:
    text = (
        HEAD
        + "entry: {key: event.data.user.id, if_running: cancel, reentry_after: 30d}\n"
        + "debounce: {key: event.data.cart.id, period: 30m, timeout: 4h}\n"
        + STEPS
    )
    workflow, found = load_workflow_text(text, "carts.yaml", base_dir=Path("."))
    assert found == [] and workflow is not None
    assert workflow.entry is not None and workflow.debounce is not None
    assert workflow.entry.key.source == "event.data.user.id"
    assert (workflow.entry.if_running, workflow.entry.reentry_after) == (
        "cancel",
        timedelta(days=30),
    )
    assert workflow.debounce.key is not None
    assert workflow.debounce.key.source == "event.data.cart.id"
    assert (workflow.debounce.period, workflow.debounce.timeout) == (
        timedelta(minutes=30),
        timedelta(hours=4),
    )


def test_idempotency_alone_is_an_entry_key_that_skips() -> None:
    workflow, found = load_workflow_text(
        HEAD + "idempotency: event.data.user\n" + STEPS, "carts.yaml", base_dir=Path(".")
    )
    assert found == [] and workflow is not None and workflow.entry is not None
    assert workflow.entry.key.source == "event.data.user"
    assert (workflow.entry.if_running, workflow.entry.reentry_after) == ("skip", None)
    assert workflow.debounce is None


def test_the_message_says_how_to_fix_both_keys() -> None:
    (problem,) = messages("idempotency: event.data.user\nentry: {key: event.data.user}\n")
    assert "entry: {key: ...}" in problem.message
