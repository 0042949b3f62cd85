"""Durations as campaign authors write them: ``30s``, ``1d12h``, or ISO 8601 ``PT1H30M``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SHORT = re.compile(r"(?:\d+[wdhms])+")
_SHORT_PART = re.compile(r"(\d+)([wdhms])")
_ISO = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)

EXAMPLES = "30s, 15m, 2h, 3d, 1w, 1d12h or ISO 8601 such as P3D or PT1H30M"
# The longest wait, sleep or window a campaign may ask for. Python's timedelta
# stops at about 2.7 million years (an OverflowError past it), and a run's wake
# time must stay a date in the years before 10000; a century is far beyond any
# campaign and leaves both intact.
MAX_DURATION = timedelta(days=36_500)
_ISO_SECONDS = {"weeks": 7 * 86400, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


class DurationError(ValueError):
    """The text is not a duration flow understands."""


def parse_duration(text: str, *, allow_zero: bool = False) -> timedelta:
    """Parse one duration; raise ``DurationError`` with a message fit for the author."""
    value = text.strip()
    if _SHORT.fullmatch(value):
        units = [unit for _, unit in _SHORT_PART.findall(value)]
        if len(set(units)) != len(units):
            raise DurationError(f"{text!r} repeats a unit; write each unit once, as in 1d12h")
        seconds: float = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _SHORT_PART.findall(value))
    else:
        match = _ISO.fullmatch(value)
        if match is None or value in ("P", "PT") or value.endswith("T"):
            raise DurationError(f"{text!r} is not a duration; use {EXAMPLES}")
        seconds = sum(
            float(n) * _ISO_SECONDS[name] for name, n in match.groupdict().items() if n is not None
        )
    # Checked before a timedelta is made: a huge count would overflow it.
    if seconds > MAX_DURATION.total_seconds():
        raise DurationError(
            f"{text!r} is longer than {MAX_DURATION.days}d (a century), the longest duration"
            " flow accepts"
        )
    result = timedelta(seconds=seconds)
    if result <= timedelta(0) and not allow_zero:
        raise DurationError(f"{text!r} is zero; a duration must be longer than that")
    return result


def format_duration(value: timedelta) -> str:
    """The short form of ``value``, as an author would write it: days, hours,
    minutes and seconds (``1d12h``, ``11d``), and weeks only for a whole number
    of them (``2w``), since nobody writes eleven days as ``1w4d``."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    week = _UNIT_SECONDS["w"]
    if seconds % week == 0:
        return f"{seconds // week}w"
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
