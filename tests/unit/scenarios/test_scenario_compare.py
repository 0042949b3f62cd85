"""Expected against happened: partial matching, alignment, run counts and the diff text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from interpreter.daemon.scenarios.compare import (
    MISSING,
    Difference,
    DiffLine,
    align,
    judge,
    partial_differences,
)
from interpreter.daemon.scenarios.history import HappenedAction, RunSummary
from interpreter.daemon.scenarios.report import failure_report
from interpreter.daemon.scenarios.runner import ScenarioResult
from interpreter.language.definitions import Location
from interpreter.language.scenario import Expectations, ExpectedAction, Scenario

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def happened(step: str, at: timedelta, action: str = "email.send", **fields: Any) -> HappenedAction:
    return HappenedAction(
        run_id="run_1",
        step=step,
        action=action,
        at=at,
        with_=fields.get("with_", {"to": "ada@example.com", "subject": step}),
        output=fields.get("output", {"id": f"em_{step}"}),
        error=fields.get("error"),
        status=fields.get("status", "ok"),
        attempt=fields.get("attempt", 1),
    )


def expected(line: int = 1, **fields: Any) -> ExpectedAction:
    given = frozenset("with" if key == "with_" else key for key in fields)
    return ExpectedAction(location=Location("s.test.yaml", line, 7), given=given, **fields)


SEED = [
    happened("welcome_email", timedelta(0)),
    happened("send_power_user_tips", DAY + 2 * HOUR),
    happened("trial_offer_email", 2 * DAY + 2 * HOUR),
]


def test_partial_match_of_mappings_lists_and_scalars() -> None:
    actual = {"to": "ada@example.com", "params": {"email": "a", "n": 1}, "rows": [{"plan": "pro"}]}
    assert list(partial_differences({"params": {"email": "a"}}, actual, "with")) == []
    assert list(partial_differences({"rows": [{"plan": "pro"}]}, actual, "with")) == []
    assert list(partial_differences({"cc": "x"}, actual, "with")) == [
        Difference("with.cc", "x", MISSING)
    ]
    assert list(partial_differences({"rows": []}, actual, "output")) == [
        Difference("output.rows", [], [{"plan": "pro"}])
    ]
    assert list(partial_differences({"params": {"n": True}}, actual, "with")) == [
        Difference("with.params.n", True, 1)
    ]
    assert list(partial_differences(None, None, "output")) == []


def test_an_exact_listing_passes() -> None:
    entries = [
        expected(1, step="welcome_email", at=timedelta(0), with_={"to": "ada@example.com"}),
        expected(2, step="send_power_user_tips", at=DAY + 2 * HOUR),
        expected(3, action="email.send"),
    ]
    verdict = judge(Expectations(actions=tuple(entries)), SEED, [])
    assert verdict.passed
    assert [line.sign for line in verdict.lines] == [" ", " ", " "]


def _step(line: DiffLine) -> str | None:
    entry = line.happened or line.expected
    assert entry is not None, "a diff line holds what happened, what was expected or both"
    return entry.step


def test_missing_extra_and_changed_lines() -> None:
    entries = [
        expected(1, step="welcome_email"),
        expected(2, step="send_power_user_tips", at=2 * DAY),
        expected(3, step="check_plan"),
    ]
    lines = align(entries, SEED, exact=True)
    assert [(line.sign, _step(line)) for line in lines] == [
        (" ", "welcome_email"),
        ("~", "send_power_user_tips"),
        ("-", "check_plan"),
        ("+", "trial_offer_email"),
    ]
    assert lines[1].differences == (Difference("at", 2 * DAY, DAY + 2 * HOUR),)


def test_exact_false_allows_actions_between_the_listed_ones() -> None:
    entries = (expected(1, step="welcome_email"), expected(2, step="trial_offer_email"))
    assert judge(Expectations(actions=entries, exact=False), SEED, []).passed
    assert not judge(Expectations(actions=entries, exact=True), SEED, []).passed
    # Order still matters without exact.
    backwards = (entries[1], entries[0])
    assert not judge(Expectations(actions=backwards, exact=False), SEED, []).passed


def test_an_expected_error_needs_a_failed_attempt() -> None:
    failed = happened(
        "check_plan",
        3 * DAY,
        "sql.query",
        status="error",
        error={"message": "down", "retryable": True},
        output=None,
    )
    entry = expected(1, step="check_plan", error={"message": "down"})
    assert judge(Expectations(actions=(entry,)), [failed], []).passed
    ok = happened("check_plan", 3 * DAY, "sql.query")
    (line,) = align([entry], [ok], exact=True)
    assert line.differences == (Difference("error", {"message": "down"}, MISSING),)


def test_run_counts_only_for_the_statuses_listed() -> None:
    runs = [RunSummary("run_1", "cancelled", "c"), RunSummary("run_2", "completed", "c")]
    assert judge(Expectations(runs=(("completed", 1), ("total", 2))), [], runs).passed
    verdict = judge(Expectations(runs=(("completed", 2),)), [], runs)
    assert not verdict.passed
    assert [(m.status, m.expected, m.happened) for m in verdict.run_counts] == [("completed", 2, 1)]


@pytest.fixture
def wrong_result() -> ScenarioResult:
    entries = (
        expected(14, step="welcome_email", at=timedelta(0)),
        expected(15, step="send_power_user_tips", at=2 * DAY),
        expected(16, step="trial_offer_email", with_={"subject": "Free trial"}),
        expected(17, step="check_plan", at=3 * DAY),
    )
    scenario = Scenario(
        file="s.test.yaml",
        name="s",
        workflow=Path("c.yaml"),
        workflow_location=Location("s.test.yaml", 1, 11),
        expect=Expectations(actions=entries, runs=(("completed", 1),)),
    )
    runs = (RunSummary("run_1", "failed", "c", "step x (c.yaml:3:4): boom"),)
    return ScenarioResult(scenario, judge(scenario.expect, SEED, runs), tuple(SEED), runs)


def test_the_diff_says_what_happened_and_when(wrong_result: ScenarioResult) -> None:
    assert not wrong_result.passed
    text = [line.text for line in failure_report(wrong_result)]
    assert text[0] == (
        "actions: expected (-) against what happened (+), times from 2026-01-05T09:00:00Z:"
    )
    assert text[1].startswith("    +0s     welcome_email         email.send")
    assert text[2].startswith("  ~ +1d2h   send_power_user_tips  email.send  to=ada@example.com")
    assert text[3] == "        at: expected +2d, happened +1d2h"
    assert text[4] == "        (expected at line 15)"
    assert text[5].startswith("  ~ +2d2h   trial_offer_email")
    assert text[6] == '        with.subject: expected "Free trial", happened "trial_offer_email"'
    assert text[8].startswith("  - +3d     check_plan")
    assert text[8].endswith("(line 17: expected, did not happen)")
    assert text[9] == "runs: expected 1 completed, happened 0 (runs: 1 failed)"
    assert text[10] == "run run_1 failed in step x (c.yaml:3:4): boom"
