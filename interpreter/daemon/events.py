"""Events as the engine passes them around: stored documents in, core values out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from interpreter.core.model import Event, WaitForEvent
from interpreter.language.wait_keys import canonical, value_at


def event_from_document(document: Any) -> Event:
    """An Event from its ``as_cel`` form or a store row with the same keys."""
    if isinstance(document, Event):
        return document
    get = document.get if isinstance(document, dict) else lambda key: getattr(document, key)
    ts = get("ts")
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if not isinstance(ts, datetime):
        raise ValueError(f"event {get('id')!r} has no timestamp")
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return Event(str(get("id")), str(get("name")), get("data"), ts)


def wait_matches_document(wait: WaitForEvent, document: dict[str, Any]) -> bool:
    """Whether the indexed half of a wait's condition holds for an event; the
    core evaluates the whole condition afterwards."""
    if document.get("name") != wait.event:
        return False
    if wait.match_path is None:
        return True
    found, value = value_at(document, wait.match_path)
    return found and canonical(value) == canonical(wait.match_value)
