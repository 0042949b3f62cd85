"""Bursts of debounced trigger events, in memory (as ``store/sql/bursts.py``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from interpreter.store import records as rec
from interpreter.store.memory._data import OnData, utc


class Bursts(OnData):
    def debounce_events(self, events: Sequence[rec.BurstEvent]) -> None:
        for event in events:
            at, due = utc(event.at), utc(event.due_at)
            limit = None if event.timeout_at is None else utc(event.timeout_at)
            known = self._d.bursts.get((event.workflow_id, event.key))
            if known is None:
                self._d.bursts[(event.workflow_id, event.key)] = rec.Burst(
                    event.workflow_id,
                    event.key,
                    at,
                    at,
                    due if limit is None else min(due, limit),
                    limit,
                    event.event_id,
                    copy.deepcopy(event.event),
                    1,
                )
                continue
            if known.timeout_at is not None:
                due = min(due, known.timeout_at)
            self._d.bursts[(event.workflow_id, event.key)] = replace(
                known,
                last_at=at,
                due_at=due,
                event_id=event.event_id,
                event=copy.deepcopy(event.event),
                events=known.events + 1,
            )

        self.wakes = self.wakes or bool(events)

    def claim_due_bursts(
        self, now: datetime, limit: int, keys: Sequence[tuple[str, str]] | None = None
    ) -> list[rec.Burst]:
        now = utc(now)
        wanted = None if keys is None else set(keys)
        due = sorted(
            (
                burst
                for place, burst in self._d.bursts.items()
                if burst.due_at <= now and (wanted is None or place in wanted)
            ),
            key=lambda burst: (burst.due_at, burst.workflow_id, burst.key),
        )[:limit]
        for burst in due:
            del self._d.bursts[(burst.workflow_id, burst.key)]
        return due

    def next_burst_due_at(self) -> datetime | None:
        return min((burst.due_at for burst in self._d.bursts.values()), default=None)

    def pending_bursts(
        self, workflow_id: str | None = None, limit: int = 100, event_ids: rec.Ids = None
    ) -> list[rec.Burst]:
        wanted = None if event_ids is None else set(event_ids)
        bursts = [
            burst
            for burst in self._d.bursts.values()
            if (workflow_id is None or burst.workflow_id == workflow_id)
            and (wanted is None or burst.event_id in wanted)
        ]
        return sorted(bursts, key=lambda burst: burst.due_at)[:limit]
