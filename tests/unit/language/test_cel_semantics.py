"""flow's CEL follows the language definition where cel-python departs from it.

Every case goes through ``evaluate``, the function the engine calls, so the
fast paths (member paths, literal comparisons, ``cel_fast``) and the full
program are held to the same answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate
from interpreter.language.definitions import Expression, Location

HERE = Location("campaign.yaml", 4, 7)


def cel(source: str, scope: dict[str, Any] | None = None) -> Any:
    return evaluate(Expression(source, HERE), scope or {})


def fails(source: str, scope: dict[str, Any] | None = None) -> str:
    with pytest.raises(ExpressionError) as raised:
        cel(source, scope)
    return str(raised.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("event.data.n > 2.5", True),  # n is 3: JSON has no int/double distinction
        ("event.data.n == 3.0", True),
        ("event.data.x == 3", True),  # x is 3.0
        ("event.data.n < event.data.x", False),
        ("3 == 3.0", True),
        ("3 > 2.5", True),
        ("1u < 2", True),
        ("2u == 2", True),
        ("1u == 1.0", True),
        ("event.data.n in [1.0, 3.0]", True),
        ("3u in [1, 3]", True),
        ("3.0 in {3: 'three'}", True),
        ("3.5 in {3: 'three'}", False),
        ("{1: 'a', 2u: 'b'}[2]", "b"),
        ("[7, 8, 9][1u]", 8),
        ("'1' == 1", False),  # unequal kinds are unequal, never an error
        ("[1, 'a'] == [1.0, 'a']", True),
        ("{'k': 1} == {'k': 1.0}", True),
        ("0.0 / 0.0 == 0.0 / 0.0", False),  # NaN is unequal to itself
        ("0.0 / 0.0 != 0.0 / 0.0", True),
        ("double('NaN') < 1.0 || double('NaN') >= 1.0", False),
        ("1.0 / 0.0 > 1e308", True),
        ("event.data.big > 9223372036854775807", True),  # beyond int64: a double
    ],
)
def test_numbers_compare_by_value_across_int_uint_and_double(source: str, expected: Any) -> None:
    scope = {"event": {"data": {"n": 3, "x": 3.0, "big": 2**70}}}
    assert cel(source, scope) == expected
    assert type(cel(source, scope)) is type(expected)


@pytest.mark.parametrize(
    "source",
    [
        "2.5 + 1",
        "1 + 2.5",
        "1u + 1",
        "2.0 * 3",
        "7 % 2.0",
        "1 - 1u",
        "event.data.n + 0.5",
        "'ab' in 'abc'",
        "1 in 5",
        "[1] < [2]",
        "null < null",
        "'a' < 1",
        "true + 1",
    ],
)
def test_mixed_arithmetic_and_in_on_a_string_stay_errors(source: str) -> None:
    assert "no" in fails(source, {"event": {"data": {"n": 3}}})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r'"\?"', "?"),
        (r"'\''", "'"),
        (r'"\`"', "`"),
        (r'"\X41\x42"', "AB"),
        (r'"\101\060"', "A0"),
        (r'"\u00e9\U0001F431"', "é🐱"),
        (r'"\a\b\f\n\r\t\v\\\""', '\a\b\f\n\r\t\v\\"'),
        (r"'''a\'b'''", "a'b"),
        (r'r"\?\n"', r"\?\n"),  # raw: every backslash kept
        (r'"\377"', "ÿ"),  # octal in a string is a code point
        (r'string(b"\303\277")', "ÿ"),  # in bytes it is a byte
        (r'b"\X41\101\?" == b"AA?"', True),
        (r'size(b"\377")', 1),
    ],
)
def test_escapes_decode_as_specified(source: str, expected: Any) -> None:
    assert cel(source) == expected


@pytest.mark.parametrize(
    ("source", "column"),
    [(r'"ab\qc"', 3), (r'"\uD800"', 1), (r'b"\u0041"', 2), (r'1 == 1 && "x\z" == "y"', 12)],
)
def test_a_bad_escape_is_an_error_at_its_character(source: str, column: int) -> None:
    with pytest.raises(ExpressionError) as raised:
        cel(source)
    assert raised.value.location == f"campaign.yaml:4:{7 + column}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("string(timestamp('2009-02-13T23:31:30.123456789Z'))", "2009-02-13T23:31:30.123456789Z"),
        ("timestamp('2009-02-13T23:31:30.000000001Z') > timestamp('2009-02-13T23:31:30Z')", True),
        (
            "string(timestamp('2009-02-13T23:31:30Z') + duration('1ns'))",
            "2009-02-13T23:31:30.000000001Z",
        ),
        ("string(duration('1.5s') + duration('2ns'))", "1.500000002s"),
        (
            "timestamp('2009-02-13T23:31:30.5Z') - timestamp('2009-02-13T23:31:30Z') "
            "== duration('500ms')",
            True,
        ),
        ("int(timestamp('2009-02-13T23:31:30.9Z'))", 1234567890),
        ("timestamp('2009-02-14T01:31:30+02:00') == timestamp('2009-02-13T23:31:30Z')", True),
    ],
)
def test_timestamps_keep_nanoseconds(source: str, expected: Any) -> None:
    assert cel(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "timestamp('0000-01-01T00:00:00Z')",
        "timestamp('10000-01-01T00:00:00Z')",
        "timestamp('9999-12-31T23:59:59.999999999Z') + duration('1ns')",
        "timestamp('0001-01-01T00:00:00Z') - duration('1ns')",
        "duration('320000000000s')",
        "timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z')",
        "timestamp('2009-02-30T00:00:00Z')",
    ],
)
def test_timestamps_and_durations_report_range_errors(source: str) -> None:
    assert "range" in fails(source)


OTHERS: list[Any] = [[1], {"y": 1}, 5, 2.5, "s", True, 2**70]


@pytest.mark.parametrize("x", OTHERS, ids=repr)
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a.x != null", True),
        ("null != a.x", True),
        ("a.x == null", False),
        ("null == a.x", False),
        ('a.k == "x" && a.x != null', True),
        ('a.k == "x" && null != a.x', True),
        ('a.x != null && a.k == "x"', True),
        ('a.k != "x" || a.x == null', False),
        ("!(a.x == null)", True),
        ("(a.x != null) == true", True),
        ("a.x != null ? 1 : 2", 1),
        ("[a.x] != [null]", True),
        ("a.x != null && size([a.x]) == 1", True),
    ],
)
def test_null_compares_with_anything_in_every_position(
    x: Any, template: str, expected: Any
) -> None:
    assert cel(template, {"a": {"k": "x", "x": x}}) == expected


@pytest.mark.parametrize(
    "template", ["a.x == null", "null == a.x", 'a.k == "x" && a.x == null', "[a.x] == [null]"]
)
def test_null_equals_null(template: str) -> None:
    assert cel(template, {"a": {"k": "x", "x": None}}) is True
