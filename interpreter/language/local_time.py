"""Local clock time in a run's zone: the arithmetic behind quiet hours and send windows.

Pure functions over the standard library's ``zoneinfo``; instants in and out are
aware datetimes (returned in UTC). The DST rules, as the README states them:

- a local time that a DST change skips means the first instant at which the
  local clock reads that time or later (New York, 2026-03-08: "02:30" is 03:00
  EDT, 07:00Z);
- a local time that happens twice means its first occurrence;
- an interval of local times ``[start, end)`` on a day is the instants from
  ``start`` on that day to ``end`` (on the next day when ``end <= start``),
  each end resolved by the two rules above. So a moment is inside quiet hours
  or a window exactly when it lies between those two instants.

Durations (``sleep: 1d``) are not local time: they stay elapsed seconds, and
nothing here touches them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
MIDNIGHT = time(0, 0)
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
# Far more than any real gap (the largest DST or zone change is a day, Samoa 2011).
_LONGEST_GAP = timedelta(days=2)


def parse_clock(text: Any) -> time | None:
    """``"08:00"`` as a time of day, or None unless it is ``HH:MM`` on a 24 h clock."""
    if not isinstance(text, str):
        return None
    found = _CLOCK.fullmatch(text)
    return time(int(found.group(1)), int(found.group(2))) if found else None


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=512)
def zone_named(name: Any) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None: not a string, or not a zone name
    (``"Mars/Base"``, ``""``, a folder such as ``"America"``)."""
    if not isinstance(name, str) or name not in _known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (OSError, ValueError):  # the zone list and the files disagree
        return None


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) at which ``zone``'s clock reads ``clock`` on ``day``, by the
    DST rules: a skipped time is the first instant at or after it, a repeated one
    its first occurrence."""
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first  # fold=0 is the first occurrence when the time repeats
    # A gap: fold=0 maps the time with the offset before the change, past the
    # change; fold=1 with the offset after, before it. The change lies between.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if not low < high <= low + _LONGEST_GAP:
        low = high - _LONGEST_GAP
    # The first whole second whose wall time reads ``wall`` or later: the wall
    # clock only moves forward inside the gap's neighbourhood, so bisect.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def local_interval(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of ``[start, end)`` opening on ``day``; it closes the next day
    when ``end <= start`` (a window crossing midnight belongs to its opening day)."""
    closing_day = day + timedelta(days=1) if end <= start else day
    return at_local(day, start, zone), at_local(closing_day, end, zone)


def quiet_until(now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet interval holding ``now`` ends, or None if ``now`` is not quiet."""
    today = now.astimezone(zone).date()
    for shift in (-1, 0):
        opens, closes = local_interval(today + timedelta(days=shift), start, end, zone)
        if opens <= now < closes:
            return closes
    return None


def next_window(
    now: datetime,
    zone: ZoneInfo,
    days: Collection[int],
    opens: time,
    closes: time,
) -> datetime | None:
    """None when ``now`` is inside a window; otherwise the instant the next one opens.

    ``days`` are ``date.weekday()`` numbers (Monday 0) of the days windows open
    on; ``opens == closes`` means the whole day, from midnight to midnight.
    """
    today = now.astimezone(zone).date()
    for shift in range(-1, 9):
        day = today + timedelta(days=shift)
        if day.weekday() not in days:
            continue
        start, end = local_interval(day, opens, closes, zone)
        if start >= end or end <= now:
            continue  # emptied by a DST change, or already over
        return None if start <= now else start
    raise ValueError("a window needs at least one day")  # lint refuses an empty `days`


def describe_local(moment: datetime, zone: ZoneInfo) -> str:
    """``"2026-01-06 08:00 Europe/Paris"``: an instant as the run's recipient reads it."""
    local = moment.astimezone(zone)
    seconds = f":{local.second:02d}" if local.second else ""
    return f"{local:%Y-%m-%d %H:%M}{seconds} {zone.key}"
