"""A run state as a JSON document and back, so the store can keep it in one column."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from interpreter.core.model import RunState

_TIMES = ("started_at", "wake_at", "step_started_at", "deadline", "throttled_until")


def state_to_json(state: RunState) -> dict[str, Any]:
    document = {field.name: getattr(state, field.name) for field in fields(state)}
    for name in _TIMES:
        value = document.get(name)
        if isinstance(value, datetime):
            document[name] = value.isoformat()
    return document


def state_from_json(document: dict[str, Any]) -> RunState:
    known = {field.name for field in fields(RunState)}
    values = {key: value for key, value in document.items() if key in known}
    for name in _TIMES:
        value = values.get(name)
        if isinstance(value, str):
            values[name] = datetime.fromisoformat(value)
    return RunState(**values)
