"""The local-time arithmetic behind quiet hours and send windows: every DST edge
the README states, both hemispheres, windows crossing midnight, exact boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from interpreter.language.local_time import (
    at_local,
    describe_local,
    local_interval,
    next_window,
    parse_clock,
    quiet_until,
    zone_named,
)

NY = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
SYDNEY = ZoneInfo("Australia/Sydney")
WEEKDAYS = frozenset(range(5))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "clock", "zone", "expected"),
    [
        # The README's rule, in its own example: New York skips 02:00-03:00 on 2026-03-08.
        (date(2026, 3, 8), time(2, 30), NY, "2026-03-08T07:00:00Z"),
        (date(2026, 3, 8), time(2, 0), NY, "2026-03-08T07:00:00Z"),
        (date(2026, 3, 8), time(2, 59), NY, "2026-03-08T07:00:00Z"),
        (date(2026, 3, 8), time(3, 0), NY, "2026-03-08T07:00:00Z"),
        (date(2026, 3, 8), time(1, 59), NY, "2026-03-08T06:59:00Z"),
        # ... and repeats 01:00-02:00 on 2026-11-01: the first occurrence, EDT.
        (date(2026, 11, 1), time(1, 0), NY, "2026-11-01T05:00:00Z"),
        (date(2026, 11, 1), time(1, 30), NY, "2026-11-01T05:30:00Z"),
        (date(2026, 11, 1), time(2, 0), NY, "2026-11-01T07:00:00Z"),
        # Paris: 02:00 skipped on 2026-03-29, 02:00-03:00 repeated on 2026-10-25.
        (date(2026, 3, 29), time(2, 15), PARIS, "2026-03-29T01:00:00Z"),
        (date(2026, 10, 25), time(2, 15), PARIS, "2026-10-25T00:15:00Z"),
        # Southern hemisphere: Sydney springs forward in October, falls back in April.
        (date(2026, 10, 4), time(2, 30), SYDNEY, "2026-10-03T16:00:00Z"),
        (date(2026, 4, 5), time(2, 30), SYDNEY, "2026-04-04T15:30:00Z"),
        # Santiago's change is at midnight: 2026-09-06 starts at 01:00.
        (date(2026, 9, 6), time(0, 0), ZoneInfo("America/Santiago"), "2026-09-06T04:00:00Z"),
        # Lord Howe moves by half an hour.
        (date(2026, 10, 4), time(2, 15), ZoneInfo("Australia/Lord_Howe"), "2026-10-03T15:30:00Z"),
        # Samoa skipped all of 2011-12-30: any time that day is the first instant of the 31st.
        (date(2011, 12, 30), time(12, 0), ZoneInfo("Pacific/Apia"), "2011-12-30T10:00:00Z"),
    ],
)
def test_at_local_follows_the_dst_rules(
    day: date, clock: time, zone: ZoneInfo, expected: str
) -> None:
    assert at_local(day, clock, zone) == utc(expected)


ZONES = [
    "America/New_York",
    "Europe/Paris",
    "Australia/Sydney",
    "America/Santiago",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
    "Asia/Tokyo",
    "Europe/London",
]


def _transition_days(zone: ZoneInfo, year: int) -> list[date]:
    days, moment = [], datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        later = moment + timedelta(days=1)
        if moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            days.append(later.astimezone(zone).date())
        moment = later
    return days


def test_at_local_is_the_first_instant_whose_clock_reads_that_time_or_later() -> None:
    """Brute force on every transition day of 2026 (and Samoa's lost day): scan the
    instants minute by minute and take the first whose wall clock reads the time
    or later; that is the README's rule for skipped and repeated times at once."""
    decided = 0
    cases = [
        (ZoneInfo(name), day) for name in ZONES for day in _transition_days(ZoneInfo(name), 2026)
    ]
    cases.append((ZoneInfo("Pacific/Apia"), date(2011, 12, 30)))
    for zone, day in cases:
        begin = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone).astimezone(UTC)
        minutes = [begin + timedelta(minutes=m) for m in range(48 * 60)]
        walls = [m.astimezone(zone).replace(tzinfo=None) for m in minutes]
        for quarter in range(96):
            clock = time(quarter // 4, quarter % 4 * 15)
            target = datetime.combine(day, clock)
            first = next(m for m, wall in zip(minutes, walls, strict=True) if wall >= target)
            assert at_local(day, clock, zone) == first, (zone, day, clock)
            decided += 1
    assert decided >= 14 * 96  # two changes a year in every zone with DST, plus Samoa


def test_an_interval_crossing_midnight_closes_the_next_day() -> None:
    opens, closes = local_interval(date(2026, 1, 9), time(22), time(2), PARIS)
    assert (opens, closes) == (utc("2026-01-09T22:00:00+01:00"), utc("2026-01-10T02:00:00+01:00"))
    # Equal ends: the whole day, midnight to midnight.
    opens, closes = local_interval(date(2026, 3, 8), time(0), time(0), NY)
    assert closes - opens == timedelta(hours=23)  # the day DST begins is 23 hours long


@pytest.mark.parametrize(
    ("now", "start", "end", "zone", "until"),
    [
        ("2026-01-05T22:30:00+01:00", time(21), time(8), PARIS, "2026-01-06T08:00:00+01:00"),
        ("2026-01-06T07:59:59+01:00", time(21), time(8), PARIS, "2026-01-06T08:00:00+01:00"),
        ("2026-01-06T08:00:00+01:00", time(21), time(8), PARIS, None),  # [from, to)
        ("2026-01-06T20:59:59+01:00", time(21), time(8), PARIS, None),
        ("2026-01-06T21:00:00+01:00", time(21), time(8), PARIS, "2026-01-07T08:00:00+01:00"),
        ("2026-01-06T13:00:00+01:00", time(12), time(14), PARIS, "2026-01-06T14:00:00+01:00"),
        ("2026-01-06T14:00:00+01:00", time(12), time(14), PARIS, None),
        # The night of the spring change: 23:30 EST to 08:00 EDT.
        ("2026-03-07T23:30:00-05:00", time(21), time(8), NY, "2026-03-08T08:00:00-04:00"),
        # A `to` that is skipped ends quiet hours when the clock jumps.
        ("2026-03-08T01:00:00-05:00", time(0, 30), time(2, 30), NY, "2026-03-08T03:00:00-04:00"),
        # A `to` that repeats ends them at its first occurrence...
        ("2026-11-01T00:45:00-04:00", time(0), time(1, 30), NY, "2026-11-01T01:30:00-04:00"),
        # ...so the second 01:15 is not quiet.
        ("2026-11-01T01:15:00-05:00", time(0), time(1, 30), NY, None),
        # Sydney's autumn night: 02:30 is the first pass, AEDT.
        ("2026-04-05T01:30:00+11:00", time(1), time(2, 30), SYDNEY, "2026-04-05T02:30:00+11:00"),
    ],
)
def test_quiet_until(now: str, start: time, end: time, zone: ZoneInfo, until: str | None) -> None:
    assert quiet_until(utc(now), zone, start, end) == (utc(until) if until else None)


@pytest.mark.parametrize(
    ("now", "days", "opens", "closes", "zone", "expected"),
    [
        ("2026-01-05T10:00:00+01:00", WEEKDAYS, time(9), time(11, 30), PARIS, None),
        ("2026-01-05T09:00:00+01:00", WEEKDAYS, time(9), time(11, 30), PARIS, None),
        (
            "2026-01-05T11:30:00+01:00",
            WEEKDAYS,
            time(9),
            time(11, 30),
            PARIS,
            "2026-01-06T09:00:00+01:00",
        ),
        (
            "2026-01-05T08:59:59+01:00",
            WEEKDAYS,
            time(9),
            time(11, 30),
            PARIS,
            "2026-01-05T09:00:00+01:00",
        ),
        (
            "2026-01-09T12:00:00+01:00",
            WEEKDAYS,
            time(9),
            time(11, 30),
            PARIS,
            "2026-01-12T09:00:00+01:00",
        ),
        # Crossing midnight, belonging to Friday: Saturday 01:00 inside, 02:00 not.
        ("2026-01-10T01:00:00+01:00", {4}, time(22), time(2), PARIS, None),
        ("2026-01-10T02:00:00+01:00", {4}, time(22), time(2), PARIS, "2026-01-16T22:00:00+01:00"),
        ("2026-01-10T23:00:00+01:00", {4}, time(22), time(2), PARIS, "2026-01-16T22:00:00+01:00"),
        # Friday 01:00 belongs to Thursday's window, which is not listed.
        ("2026-01-09T01:00:00+01:00", {4}, time(22), time(2), PARIS, "2026-01-09T22:00:00+01:00"),
        # A whole day in the run's zone, not in UTC.
        (
            "2026-01-09T23:00:00+09:00",
            {5},
            time(0),
            time(0),
            ZoneInfo("Asia/Tokyo"),
            "2026-01-10T00:00:00+09:00",
        ),
        ("2026-01-10T23:59:00+09:00", {5}, time(0), time(0), ZoneInfo("Asia/Tokyo"), None),
        # A skipped opening opens when the clock jumps.
        ("2026-03-08T01:00:00-05:00", {6}, time(2, 30), time(4), NY, "2026-03-08T03:00:00-04:00"),
        # A window emptied by the gap (02:00-02:45 on 2026-03-08) is passed over.
        ("2026-03-08T01:00:00-05:00", {6}, time(2), time(2, 45), NY, "2026-03-15T02:00:00-04:00"),
        # Southern hemisphere, Auckland's spring night.
        (
            "2026-09-27T01:00:00+12:00",
            {6},
            time(2, 30),
            time(4),
            ZoneInfo("Pacific/Auckland"),
            "2026-09-27T03:00:00+13:00",
        ),
    ],
)
def test_next_window(
    now: str, days: set[int], opens: time, closes: time, zone: ZoneInfo, expected: str | None
) -> None:
    assert next_window(utc(now), zone, days, opens, closes) == (utc(expected) if expected else None)


def test_parse_clock_takes_only_24_hour_hh_mm() -> None:
    assert parse_clock("08:00") == time(8)
    assert parse_clock("23:59") == time(23, 59)
    for bad in ("8:00", "24:00", "12:60", "08:00:00", "8am", "", None, 800):
        assert parse_clock(bad) is None, bad


def test_zone_named_accepts_iana_names_only() -> None:
    assert zone_named("Europe/Paris") == PARIS
    for bad in ("Mars/Base", "", "America", "europe/paris", "../etc/passwd", None, 42):
        assert zone_named(bad) is None, bad


def test_describe_local_reads_the_recipients_clock() -> None:
    assert describe_local(utc("2026-01-06T07:00:00Z"), PARIS) == "2026-01-06 08:00 Europe/Paris"
