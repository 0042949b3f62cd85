"""Turning a request body into events, Inngest's wire format: one event object
or an array of ``{name, data, id?, ts?, v?}``. The whole batch is checked
before anything is stored, so a rejected request stores nothing.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from interpreter.daemon.ingest import EventIn
from interpreter.http.rejection import Rejected

# The events table's id and name columns.
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200
# An event's time lies from the Unix epoch (where Inngest's milliseconds start)
# to a year before datetime's end, so arithmetic on it (a wait's timeout, a
# sleep after it) cannot overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_LATEST_MS = int((LATEST - EARLIEST).total_seconds() * 1000)


def parse_json(body: bytes, what: str = "the body") -> Any:
    """Strict JSON that both databases store as sent: no NaN or Infinity, no
    number too large for a double (``1e400`` would become Infinity, which
    PostgreSQL's jsonb refuses), and no string holding a NUL character or a
    lone UTF-16 surrogate (``\\ud800``: not encodable as UTF-8). A refusal names
    the place: ``index`` and ``field`` as for a bad event, and the path in the message."""
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise Rejected(400, f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise Rejected(400, f"{what} is not valid JSON: {error}") from None
    if _maybe_bad(body):
        _check_values(document, what)
    return document


def check_document(document: Any, what: str) -> None:
    """The value checks of ``parse_json`` for a document built some other way
    (the dashboard's test-event form): ``Rejected`` naming the place."""
    _check_values(document, what)


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
                raise Rejected(
                    413,
                    f"event {index} is {size} bytes; the limit is {max_event_bytes}",
                    index=index,
                )
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
    """An RFC 3339 time with its offset, in UTC and within ``EARLIEST``..``LATEST``, or None."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return None
        # Year 9999 at -14:00 is past year 9999 in UTC: OverflowError.
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST <= moment < LATEST else None


def _timestamp(value: Any, index: int) -> datetime | None:
    """Inngest sends milliseconds since the epoch; 0 or none means now."""
    if value is None or (value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = None
        if math.isfinite(value) and 0 < value < _LATEST_MS:
            moment = datetime.fromtimestamp(value / 1000, UTC)
        if moment is None:
            raise _field(index, "ts", f"is out of range (milliseconds from 0 to {_LATEST_MS})")
        return moment
    if isinstance(value, str):
        moment = parse_time(value)
        if moment is not None:
            return moment
    raise _field(
        index,
        "ts",
        "must be milliseconds since the epoch or an RFC 3339 time "
        f"with an offset, from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} UTC",
    )


def _field(index: int, field: str, problem: str) -> Rejected:
    return Rejected(400, f"event {index}: {field} {problem}", index=index, field=field)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Only these bytes can make a value ``_check_values`` refuses, so a body
# without them is not walked: a \\u0000 or surrogate escape, raw surrogate
# bytes (json decodes with surrogatepass), NUL bytes (a UTF-16/32 body), an
# exponent of three digits or a run of 309 digits (a double's overflow). Each
# test is a literal-prefix search or a C scan: a character-class regex over
# the body cost as much as parsing it.
_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_EXPONENTS = (re.compile(rb"e\+?[0-9]{3}"), re.compile(rb"E\+?[0-9]{3}"))
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONGEST_FINITE_RUN = 308


def _maybe_bad(body: bytes) -> bool:
    if b"\\u" in body and _ESCAPE.search(body):
        return True
    if b"\xed" in body or b"\x00" in body:
        return True
    if any(exponent.search(body) for exponent in _EXPONENTS):
        return True
    run = b"0" * (_LONGEST_FINITE_RUN + 1)
    return len(body) > _LONGEST_FINITE_RUN and run in body.translate(_DIGITS_AS_ZERO)


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
Path = tuple[str | int, ...]


def _check_values(document: Any, what: str) -> None:
    """Refuse the first infinite number, NUL or lone surrogate, naming its path;
    iterative, so a deep document cannot exhaust the stack."""
    stack: list[tuple[Path, Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        problem = None
        if isinstance(value, str):
            problem = _text_problem(value)
        elif isinstance(value, float) and math.isinf(value):
            problem = "is a number too large for a double (it would be Infinity)"
        elif isinstance(value, dict):
            for key, item in value.items():
                key_problem = _text_problem(key)
                if key_problem is not None:
                    raise _at(what, document, (*path, key), f"has a key that {key_problem}")
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, at), item) for at, item in enumerate(value))
        if problem is not None:
            raise _at(what, document, path, problem)


def _text_problem(text: str) -> str | None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return f"contains a lone surrogate (\\u{ord(found.group()):04x}), which is not Unicode text"


def _at(what: str, document: Any, path: Path, problem: str) -> Rejected:
    """A refusal at ``path``: for an event batch, the event's index and its field."""
    if isinstance(document, list) and path and isinstance(path[0], int):
        rest = path[1:]
        message = f"event {path[0]}: {_shown(rest) or 'the event'} {problem}"
        return Rejected(400, message, index=path[0], field=_shown(rest[:1]) or None)
    index = 0 if isinstance(document, dict) else None
    message = f"{what}: {_shown(path) or 'the document'} {problem}"
    return Rejected(400, message, index=index, field=_shown(path[:1]) or None)


def _shown(path: Path) -> str:
    """``data.user[2].name``, each key ASCII-escaped and cut short: the path is
    echoed back, so it must be printable whatever the key holds."""
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            text = part.encode("ascii", "backslashreplace").decode("ascii")
            parts.append("." + (text if len(text) <= 40 else text[:40] + "..."))
    return "".join(parts).lstrip(".")
