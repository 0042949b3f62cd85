"""Mistakes lint catches before a run meets them: unknown CEL functions, `=`
for `==`, a sleep_until that is no timestamp, a relative URL, and a cancel_on
listening for a wait's event. Each planted in the seed campaign, at its place."""

from __future__ import annotations

from interpreter.language.problems import Problem
from tests.unit.language._language_planting import SEED_TEXT, lint, plant


def _column(text: str, line: int, token: str) -> int:
    return text.splitlines()[line - 1].index(token) + 1


def _one(text: str) -> Problem:
    (problem,) = lint(text)
    return problem


def test_an_unknown_function_is_named_with_the_closest_cel_one() -> None:
    text = plant("if: size(steps.check_plan", "if: sizee(steps.check_plan")
    problem = _one(text)
    assert (problem.line, problem.column, problem.code) == (62, 9, "cel-unknown-function")
    assert problem.message == "CEL has no function 'sizee'; did you mean 'size'?"


def test_an_unknown_method_suggests_the_strings_extension() -> None:
    text = plant('.plan != "pro"', '.plan.upper() != "PRO"')
    problem = _one(text)
    assert (problem.line, problem.column) == (62, _column(text, 62, "upper"))
    assert problem.code == "cel-unknown-function"
    assert problem.message == "CEL has no method 'upper'; did you mean 'upperAscii'?"


def test_the_strings_extension_lints_clean() -> None:
    assert lint(plant('.plan != "pro"', '.plan.lowerAscii() != "pro"')) == []


def test_a_single_equals_asks_for_a_double_one() -> None:
    problem = _one(plant("if: async.data.user_id ==", "if: async.data.user_id ="))
    assert (problem.line, problem.column, problem.code) == (13, 28, "cel-syntax")
    assert "did you mean '=='?" in problem.message


def test_a_literal_sleep_until_must_be_rfc_3339() -> None:
    bad = plant("sleep: 1d\n\n  - id: send", 'sleep_until: "next tuesday"\n\n  - id: send')
    problem = _one(bad)
    assert (problem.line, problem.column, problem.code) == (41, 18, "bad-timestamp")
    for fine in ('"2026-03-01T09:00:00Z"', '"2026-03-01T09:00:00+01:00"', '"${ now }"'):
        assert (
            lint(plant("sleep: 1d\n\n  - id: send", f"sleep_until: {fine}\n\n  - id: send")) == []
        )
    for wrong in ('"2026-03-01"', '"2026-03-01T09:00:00"'):  # no time, or no zone
        text = plant("sleep: 1d\n\n  - id: send", f"sleep_until: {wrong}\n\n  - id: send")
        assert [p.code for p in lint(text)] == ["bad-timestamp"], wrong


def test_an_http_request_url_must_be_absolute() -> None:
    step = (
        "  - id: ping\n    action: http.request\n    with: {url: /api/ping}\n\n"
        "  - id: wait_for_engagement"
    )
    text = plant("  - id: wait_for_engagement", step)
    problem = _one(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "url: /api/ping" in t)
    assert (problem.line, problem.column, problem.code) == (line, 17, "bad-url")
    for fine in ("https://crm.example/api", "${ secrets.APP_DATABASE_URL }"):
        ok = plant("  - id: wait_for_engagement", step.replace("/api/ping", f'"{fine}"'))
        assert [p.code for p in lint(ok) if p.code == "bad-url"] == [], fine


def test_a_cancel_on_the_waits_event_is_a_warning_that_says_who_wins() -> None:
    text = plant("event: app/user.deleted", "event: resend/email.clicked")
    problem = _one(text)
    assert (problem.code, problem.severity) == ("cancel-shadows-wait", "warning")
    assert problem.line == 29  # the wait step
    assert "the cancel wins" in problem.message


def test_the_seed_campaign_itself_is_clean() -> None:
    assert lint(SEED_TEXT) == []
