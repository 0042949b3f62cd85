"""Parsing what users type: event JSON given inline, as @FILE or on stdin, and
NAME=VALUE pairs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from interpreter.errors import NoSuchPath, UsageError
from interpreter.language.values import json_kind

MAX_EVENT_BYTES = 3 * 1024 * 1024


def read_json_argument(text: str, option: str) -> Any:
    """``text`` is JSON, ``@path`` to a JSON file, or ``-`` for standard input."""
    source = option
    if text == "-":
        raw = sys.stdin.read(MAX_EVENT_BYTES + 1)
        source = f"{option} (stdin)"
    elif text.startswith("@"):
        path = Path(text[1:])
        source = str(path)
        try:
            raw = path.read_text(encoding="utf-8")[: MAX_EVENT_BYTES + 1]
        except FileNotFoundError:
            raise NoSuchPath(path, where=option) from None
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{option}: cannot read {path}: {_reason(error)}") from None
    else:
        raw = text
    if len(raw) > MAX_EVENT_BYTES:
        raise UsageError(f"{source}: larger than {MAX_EVENT_BYTES} bytes")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{source}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None


def event_data(value: Any, option: str) -> dict[str, Any]:
    """An event's data, which is an object (or null, meaning ``{}``) here as
    in the event API, so an event sent either way reaches a run the same."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(
            f"{option}: an event's data must be a JSON object such as "
            f'{{"user": {{"id": 7}}}}, not {json_kind(value)}'
        )
    return value


def split_pairs(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} takes NAME=VALUE, got {pair!r}")
        values[name] = value
    return values


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)
