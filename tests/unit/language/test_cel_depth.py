"""Long or deeply nested CEL never reaches RecursionError: lint reports
``too-deep`` where the nesting passes the bound, and evaluation refuses the
expression with an ExpressionError."""

from __future__ import annotations

import pytest

from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate
from interpreter.language.cel_checks import MAX_DEPTH
from interpreter.language.cel_names import read_cel
from interpreter.language.cel_wait_key import match_key
from interpreter.language.definitions import Expression, Location
from tests.unit.language._language_planting import found, lint, plant

HOSTILE = {
    "nots": "!" * 2000 + "true",
    "negations": "-" * 5000 + "1",
    "parentheses": "(" * 3000 + "1" + ")" * 3000,
    "ors": " || ".join(["event.data.ok"] * 1000),
    "ands": " && ".join(["true"] * 1000),
    "lists": "[" * 3000 + "]" * 3000,
    "maps": "{1: " * 1000 + "1" + "}" * 1000,
    "calls": "size(" * 1000 + "'x'" + ")" * 1000,
    "members": "event" + ".data" * 4000 + " == 1",
    "macros": "[1].map(x, " * 200 + "x" + ")" * 200,
    "ternaries": "true ? 1 : " * 500 + "0",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_lint_reports_too_deep_and_evaluation_refuses_it(source: str) -> None:
    error = read_cel(source).error
    assert error is not None and error.code == "too-deep"
    assert 0 <= error.offset < len(source)
    expression = Expression(source, Location("campaign.yaml", 9, 14))
    with pytest.raises(ExpressionError) as raised:
        evaluate(expression, {"event": {"data": {"ok": True}}})
    assert f"deeper than {MAX_DEPTH} levels" in str(raised.value)
    assert len(str(raised.value)) < 400  # the message quotes the expression, cut short
    assert match_key(expression, {}) is None


def test_the_specification_s_deep_parse_trees_stay_allowed() -> None:
    # tests/simple/testdata/parse.textproto: 32 parentheses, 32 chained || ...
    for source in [
        "(" * 32 + "7" + ")" * 32,
        " || ".join(["false"] * 32 + ["true"]),
        "!" * 32 + "true",
        "[" * 12 + "0" + "]" * 12,
    ]:
        assert read_cel(source).error is None, source
        assert evaluate(Expression(source, Location("f", 1, 1)), {}) is not None


def test_lint_points_at_the_character_where_idempotency_gets_too_deep() -> None:
    # Quoted: a plain YAML scalar cannot start with "!" (a tag).
    text = plant("idempotency: event.data.user.id", 'idempotency: "' + "!" * 2000 + 'true"')
    problems = lint(text)
    assert [p.code for p in problems] == ["too-deep"]
    problem = problems[0]
    assert problem.line == 9 and 15 < problem.column < 15 + 2000
    assert "deeper than" in problem.message


def test_a_bad_escape_is_a_lint_error_at_its_character() -> None:
    text = plant("idempotency: event.data.user.id", r'idempotency: event.data.user.id + "a\qb"')
    assert found(text) == [(9, 37, "cel-syntax")]


def test_a_long_flat_expression_lints_clean_below_the_bound() -> None:
    source = " || ".join(["event.data.user.id == 1"] * 60)
    text = plant("idempotency: event.data.user.id", f"idempotency: {source}")
    assert [p for p in lint(text) if p.code in ("too-deep", "cel-syntax")] == []
