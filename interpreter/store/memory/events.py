"""Events, in memory (as ``store/sql/events.py``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from interpreter.errors import NotFound
from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import EventRecord, StoredEvent


class Events(OnData):
    def record_events(self, events: Sequence[EventRecord]) -> list[bool]:
        new: list[bool] = []
        for e in events:
            ts, received_at = utc(e.ts), utc(e.received_at)
            new.append(e.id not in self._d.events)
            if new[-1]:
                data = copy.deepcopy(e.data)
                seq = self._d.next_seq()
                self._d.events[e.id] = StoredEvent(e.id, e.name, data, ts, received_at, seq)
        return new

    def get_event(self, id: str) -> StoredEvent:
        if id not in self._d.events:
            raise NotFound(f"no event with id {id}")
        return copy.deepcopy(self._d.events[id])

    def events_since(self, event_name: str, since: datetime) -> list[StoredEvent]:
        found = [
            e for e in self._d.events.values() if e.name == event_name and e.received_at >= since
        ]
        return copy.deepcopy(sorted(found, key=lambda e: e.seq))
