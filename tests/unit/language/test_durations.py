from __future__ import annotations

from datetime import timedelta

import pytest

from interpreter.language.durations import (
    MAX_DURATION,
    DurationError,
    format_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("P3D", timedelta(days=3)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT0.5S", timedelta(days=1, seconds=0.5)),
        ("P2W", timedelta(weeks=2)),
    ],
)
def test_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "1 day", "1d1d", "P", "PT", "P1DT", "3x", "-1s"])
def test_bad(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0s", "PT0S", "0d0h"])
def test_zero_is_refused_unless_allowed(text: str) -> None:
    with pytest.raises(DurationError, match="zero"):
        parse_duration(text)
    assert parse_duration(text, allow_zero=True) == timedelta(0)


def test_format_round_trips() -> None:
    assert format_duration(timedelta(days=1, hours=12)) == "1d12h"
    # As an author writes them: weeks only when whole, never "1w4d" for eleven days.
    assert format_duration(timedelta(days=11)) == "11d"
    assert format_duration(timedelta(days=14)) == "2w"
    assert format_duration(timedelta(days=8, minutes=5)) == "8d5m"
    assert parse_duration(format_duration(timedelta(seconds=93784))) == timedelta(seconds=93784)


@pytest.mark.parametrize(
    "text",
    [
        "99999999999999999999d",
        "P99999999999999999999D",
        "PT" + "9" * 400 + "S",
        "36501d",
        "5215w",
        "PT876001H",
    ],
)
def test_longer_than_a_century_is_refused_not_overflowed(text: str) -> None:
    with pytest.raises(DurationError, match="longer than 36500d"):
        parse_duration(text)


def test_a_century_is_the_longest() -> None:
    assert parse_duration("36500d") == MAX_DURATION == parse_duration("P36500D")
