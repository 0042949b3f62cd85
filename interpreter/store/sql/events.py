"""Events: stored once per id, read back by id or by name and arrival time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from sqlalchemy import bindparam, select

from interpreter.errors import NotFound
from interpreter.store import tables as t
from interpreter.store.records import EventRecord, StoredEvent
from interpreter.store.sql._connection import OnConnection, insert_or_skip
from interpreter.store.types import Instant

_e = t.events.c
_COLUMNS = tuple(_e[field.name] for field in fields(StoredEvent))
_GET = select(*_COLUMNS).where(_e.id == bindparam("b_id"))
_SINCE = (
    select(*_COLUMNS)
    .where(_e.name == bindparam("b_name"), _e.received_at >= bindparam("b_since", type_=Instant()))
    .order_by(_e.seq)
)


class Events(OnConnection):
    def record_events(self, events: Sequence[EventRecord]) -> list[bool]:
        if not events:
            return []
        rows = [{name: getattr(e, name) for name in EventRecord.__slots__} for e in events]
        upsert = insert_or_skip(t.events, self._postgres, ("id",), _e.id)
        inserted = set(self._c.execute(upsert, rows).scalars())
        new: list[bool] = []
        for event in events:  # a repeated id is new only its first time
            new.append(event.id in inserted)
            inserted.discard(event.id)
        return new

    def get_event(self, id: str) -> StoredEvent:
        row = self._c.execute(_GET, {"b_id": id}).first()
        if row is None:
            raise NotFound(f"no event with id {id}")
        return StoredEvent(*row)

    def events_since(self, event_name: str, since: datetime) -> list[StoredEvent]:
        rows = self._c.execute(_SINCE, {"b_name": event_name, "b_since": since})
        return [StoredEvent(*row) for row in rows]
