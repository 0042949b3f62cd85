"""CEL timestamps and durations to the nanosecond, with range errors.

cel-python's ``TimestampType`` and ``DurationType`` are a ``datetime`` and a
``timedelta``: they keep microseconds, so ``timestamp('...T23:59:59.999999999Z')``
loses three digits, ``+ duration('1ns')`` does nothing, and nothing checks that a
result stays in range. Here both carry the part below a microsecond in
``nanos`` (0 to 999) and every result is range-checked, as the specification
says: a timestamp lies in 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z,
and a duration within an int64 of nanoseconds (about 292 years), the bound the
conformance cases hold implementations to.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

from celpy import celtypes

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS = 1_000_000_000
_MIN_NS = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1) * 1000
_MAX_NS = (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - _EPOCH) // timedelta(
    microseconds=1
) * 1000 + (_NS - 1)
_DURATION_LIMIT = 2**63 - 1
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)")
_UNIT_NS = {"h": 3600 * _NS, "m": 60 * _NS, "s": _NS, "ms": 10**6, "us": 1000, "µs": 1000, "ns": 1}


class Timestamp(celtypes.TimestampType):
    """A UTC timestamp; ``nanos`` is the part below its microsecond."""

    nanos: int = 0

    def __str__(self) -> str:
        fraction = f"{self.microsecond * 1000 + self.nanos:09d}".rstrip("0")
        utc = self.astimezone(UTC)
        text = (
            f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
            f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
        )
        return f"{text}.{fraction}Z" if fraction else f"{text}Z"

    def __repr__(self) -> str:
        return f"Timestamp({str(self)!r})"

    def __hash__(self) -> int:
        return hash((datetime.__hash__(self), self.nanos))


class Duration(celtypes.DurationType):
    """A duration; ``nanos`` is the part below its microsecond (always 0..999)."""

    nanos: int = 0

    def __str__(self) -> str:
        total = nanoseconds(self)
        sign = "-" if total < 0 else ""
        seconds, fraction = divmod(abs(total), _NS)
        digits = f"{fraction:09d}".rstrip("0")
        return f"{sign}{seconds}.{digits}s" if digits else f"{sign}{seconds}s"

    def __repr__(self) -> str:
        return f"Duration({str(self)!r})"

    def __hash__(self) -> int:
        return hash((timedelta.__hash__(self), self.nanos))


def nanoseconds(value: Any) -> int:
    """A timestamp as nanoseconds since the epoch, or a duration as nanoseconds."""
    extra = getattr(value, "nanos", 0)
    if isinstance(value, datetime):
        since = datetime.__sub__(value.astimezone(UTC), _EPOCH)
        return int(since // timedelta(microseconds=1)) * 1000 + extra
    return int(timedelta.__floordiv__(value, timedelta(microseconds=1))) * 1000 + extra


def timestamp_at(total: int) -> Timestamp:
    """The timestamp ``total`` nanoseconds after the epoch; ValueError out of range."""
    if not _MIN_NS <= total <= _MAX_NS:
        raise ValueError("range error: timestamp out of range")
    micro, extra = divmod(total, 1000)
    stamp = Timestamp(_EPOCH + timedelta(microseconds=micro))
    stamp.nanos = extra
    return stamp


def duration_of(total: int) -> Duration:
    """A duration of ``total`` nanoseconds; ValueError out of range."""
    if not -_DURATION_LIMIT <= total <= _DURATION_LIMIT:
        raise ValueError("range error: duration out of range")
    micro, extra = divmod(total, 1000)
    result = Duration(timedelta(microseconds=micro))
    result.nanos = extra
    return result


def from_datetime(value: datetime) -> Timestamp:
    return timestamp_at(nanoseconds(value))


def timestamp(value: Any) -> Timestamp:
    """CEL's ``timestamp()``: from RFC 3339 text, seconds since the epoch, or a timestamp."""
    if isinstance(value, datetime):
        return timestamp_at(nanoseconds(value))
    if isinstance(value, int) and not isinstance(value, bool | celtypes.BoolType):
        return timestamp_at(int(value) * _NS)
    if not isinstance(value, str):
        raise TypeError(f"no such overload: timestamp({type(value).__name__})")
    match = _RFC3339.match(value)
    if match is None:
        raise ValueError(f"range error: {value!r} is not an RFC 3339 timestamp in range")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = int((match.group(7) or "").ljust(9, "0"))
    zone = match.group(8)
    offset = timedelta(0)
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError as error:
        raise ValueError(f"range error: {error}") from None
    return timestamp_at(nanoseconds(local) + fraction)


def duration(value: Any) -> Duration:
    """CEL's ``duration()``: from text such as ``1h30m``, ``-1.5s``, ``10ns``."""
    if isinstance(value, timedelta):
        return duration_of(nanoseconds(value))
    if not isinstance(value, str):
        raise TypeError(f"no such overload: duration({type(value).__name__})")
    text = value
    sign = -1 if text.startswith("-") else 1
    body = text[1:] if text[:1] in "+-" else text
    parts = list(_DURATION_PART.finditer(body))
    if not parts or "".join(part.group() for part in parts) != body:
        raise ValueError(f"invalid duration {value!r}")
    total = sum(Fraction(part.group(1)) * _UNIT_NS[part.group(2)] for part in parts)
    return duration_of(sign * int(total))


def add(a: Any, b: Any) -> Any:
    """``+`` where a timestamp or a duration is involved."""
    a_time, b_time = isinstance(a, datetime), isinstance(b, datetime)
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return duration_of(nanoseconds(a) + nanoseconds(b))
    if (a_time and isinstance(b, timedelta)) or (b_time and isinstance(a, timedelta)):
        return timestamp_at(nanoseconds(a) + nanoseconds(b))
    raise TypeError(f"no such overload: {type(a).__name__} + {type(b).__name__}")


def subtract(a: Any, b: Any) -> Any:
    """``-`` where a timestamp or a duration is involved."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return duration_of(nanoseconds(a) - nanoseconds(b))
    if isinstance(a, datetime) and isinstance(b, timedelta):
        return timestamp_at(nanoseconds(a) - nanoseconds(b))
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return duration_of(nanoseconds(a) - nanoseconds(b))
    raise TypeError(f"no such overload: {type(a).__name__} - {type(b).__name__}")
