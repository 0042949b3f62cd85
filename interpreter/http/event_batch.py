"""Turning a request body into events, Inngest's wire format: one event object
or an array of ``{name, data, id?, ts?, v?}``. The whole batch is checked
before anything is stored, so a rejected request stores nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from interpreter.daemon.engine import EventIn
from interpreter.http.rejection import Rejected

# The events table's id and name columns.
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200


def parse_json(body: bytes, what: str = "the body") -> Any:
    """Strict JSON: no NaN or Infinity (PostgreSQL's jsonb refuses them), and
    no NUL character in any string (neither database stores one)."""
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise Rejected(400, f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise Rejected(400, f"{what} is not valid JSON: {error}") from None
    if b"\\u0000" in body and any("\x00" in text for text in _strings(document)):
        raise Rejected(400, f"{what} contains a NUL character (\\u0000)")
    return document


def parse_events(body: bytes, *, max_events: int, max_event_bytes: int) -> list[EventIn]:
    document = parse_json(body)
    if isinstance(document, dict):
        items: list[Any] = [document]
    elif isinstance(document, list):
        items = document
    else:
        raise Rejected(400, "the body must be an event object or an array of events")
    if len(items) > max_events:
        raise Rejected(413, f"{len(items)} events in one request; the limit is {max_events}")
    if len(body) > max_event_bytes:
        for index, item in enumerate(items):
            size = len(json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode())
            if size > max_event_bytes:
                raise Rejected(413, f"event {index} is {size} bytes; the limit is "
                               f"{max_event_bytes}", index=index)  # fmt: skip
    return [event_in(item, index) for index, item in enumerate(items)]


def event_in(item: Any, index: int) -> EventIn:
    if not isinstance(item, dict):
        raise Rejected(400, f"event {index} is not an object", index=index)
    name = item.get("name")
    if name is None:
        raise _field(index, "name", "is missing")
    if not isinstance(name, str):
        raise _field(index, "name", "must be a string")
    if not name.strip():
        raise _field(index, "name", "is empty")
    if len(name) > MAX_NAME_CHARS:
        raise _field(index, "name", f"is longer than {MAX_NAME_CHARS} characters")
    data = item.get("data")
    if data is None:
        data = {}
    elif not isinstance(data, dict):
        raise _field(index, "data", "must be an object")
    event_id = item.get("id")
    if event_id == "":
        event_id = None
    elif event_id is not None and not isinstance(event_id, str):
        raise _field(index, "id", "must be a string")
    elif event_id is not None and len(event_id) > MAX_ID_CHARS:
        raise _field(index, "id", f"is longer than {MAX_ID_CHARS} characters")
    version = item.get("v")
    if version is not None and not isinstance(version, str):
        raise _field(index, "v", "must be a string")
    return EventIn(name, data, event_id, _timestamp(item.get("ts"), index))


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 time with its offset, or None."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _timestamp(value: Any, index: int) -> datetime | None:
    """Inngest sends milliseconds since the epoch; 0 or none means now."""
    if value is None or (value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value):
            try:
                return datetime.fromtimestamp(value / 1000, UTC)
            except (OverflowError, OSError, ValueError):
                pass
        raise _field(index, "ts", "is out of range")
    if isinstance(value, str):
        moment = parse_time(value)
        if moment is not None:
            return moment
    raise _field(index, "ts", "must be milliseconds since the epoch or an RFC 3339 time "
                 "with an offset")  # fmt: skip


def _field(index: int, field: str, problem: str) -> Rejected:
    return Rejected(400, f"event {index}: {field} {problem}", index=index, field=field)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _strings(document: Any) -> Iterator[str]:
    """Every string in a document, keys too, without recursion."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
