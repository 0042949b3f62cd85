"""What every layer says about plain values: the JSON alias and how an instant
is written as text (RFC 3339, ``Z`` for UTC) and read back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# A JSON-compatible value: dict, list, str, int, float, bool or None.
JSON = Any


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def rfc3339_seconds(moment: datetime) -> str:
    """As a person reads a time in a line of text: to the second."""
    return rfc3339(moment.replace(microsecond=0))


def json_kind(value: object) -> str:
    """What kind of JSON value ``value`` is, in the words of an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__


def parse_timestamp(value: JSON) -> datetime | None:
    """An aware datetime from an RFC 3339 string, or None if it is not one.

    A naive time is refused rather than guessed: UTC or the server's zone would
    each send the campaign's emails hours off for someone.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment
