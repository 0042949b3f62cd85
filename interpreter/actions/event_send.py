"""The ``event.send`` action: record an event that can start runs and resolve waits.

The event goes to ``context.emit(name, {"id": id, "data": data})``, which the
daemon provides and which returns the recorded event's id. Without an explicit
``id`` the id is derived from the step's idempotency key: a step retried after a
crash emits the same id, and the store's deduplication on id keeps one event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from interpreter.actions._arguments import optional_str, reject_unknown, require_str
from interpreter.actions.base import JSON, ActionContext
from interpreter.errors import ActionError

_ARGUMENTS = frozenset({"name", "data", "id"})


def event_id_for(idempotency_key: str) -> str:
    """The id of the event a step sends when the author gives none."""
    digest = hashlib.sha256(f"event.send\0{idempotency_key}".encode()).hexdigest()
    return f"ev_{digest[:24]}"


class EventSendAction:
    """``with: {name, data, id?}`` -> ``{id}``."""

    name: str = "event.send"

    def outside_effect(self, arguments: Mapping[str, JSON]) -> bool:
        return False  # the event commits in the transaction that records the step

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        reject_unknown(arguments, _ARGUMENTS, self.name)
        event_name = require_str(arguments, "name", self.name)
        data = arguments.get("data")
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ActionError("event.send: 'data' must be a map", retryable=False)
        event_id = optional_str(arguments, "id", self.name) or event_id_for(context.idempotency_key)
        if context.emit is None:
            # Only a mis-wired caller gets here; the step cannot succeed on retry.
            raise ActionError("event.send: this runner cannot record events", retryable=False)
        recorded = context.emit(event_name, {"id": event_id, "data": dict(data)})
        return {"id": recorded or event_id}
