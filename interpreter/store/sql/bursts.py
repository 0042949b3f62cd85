"""Bursts: debounced trigger events per (campaign, key), and the claim that
fires each due burst exactly once, across workers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from interpreter.store import records as rec
from interpreter.store import tables as t
from interpreter.store.sql._connection import OnConnection
from interpreter.store.types import Instant

_b = t.bursts.c
_COLUMNS = (
    _b.workflow_id,
    _b.burst_key,
    _b.first_at,
    _b.last_at,
    _b.due_at,
    _b.timeout_at,
    _b.event_id,
    _b.event,
    _b.events,
)
_NEXT_DUE = select(func.min(_b.due_at))


def _upsert(postgres: bool) -> Any:
    """Insert a burst, or extend the one there: the latest event, due at the
    earlier of its own due time and the burst's timeout (fixed by its first event)."""
    insert = (postgresql.insert if postgres else sqlite.insert)(t.bursts)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[_b.workflow_id, _b.burst_key],
        set_={
            "last_at": new.last_at,
            "event_id": new.event_id,
            "event": new.event,
            "events": _b.events + 1,
            "due_at": case(
                (and_(_b.timeout_at.is_not(None), _b.timeout_at < new.due_at), _b.timeout_at),
                else_=new.due_at,
            ),
        },
    )


_UPSERTS = {False: _upsert(False), True: _upsert(True)}


class Bursts(OnConnection):
    def debounce_events(self, events: Sequence[rec.BurstEvent]) -> None:
        # One statement per event: PostgreSQL refuses an upsert that touches
        # one row twice, and two events of a batch may share a key.
        for event in events:
            due = event.due_at if event.timeout_at is None else min(event.due_at, event.timeout_at)
            row = {
                "workflow_id": event.workflow_id,
                "burst_key": event.key,
                "first_at": event.at,
                "last_at": event.at,
                "due_at": due,
                "timeout_at": event.timeout_at,
                "event_id": event.event_id,
                "event": event.event,
                "events": 1,
            }
            self._c.execute(_UPSERTS[self._postgres], row)
        # Idle workers sleep until the next wake-up they know of: a burst's due
        # time is a new one, so they are woken to look again (NOTIFY on PostgreSQL).
        self.wakes = self.wakes or bool(events)

    def claim_due_bursts(
        self, now: datetime, limit: int, keys: Sequence[tuple[str, str]] | None = None
    ) -> list[rec.Burst]:
        # Deleted as they are claimed, in the caller's transaction with the runs
        # they start: on PostgreSQL SKIP LOCKED leaves a burst another worker is
        # claiming (or an event is extending) to it, and a row whose due time an
        # event moved on is re-checked under its lock; SQLite's BEGIN IMMEDIATE
        # serialises the claimers.
        due = select(_b.seq).where(_b.due_at <= bindparam("b_now", type_=Instant()))
        if keys is not None:
            if not keys:
                return []
            due = due.where(or_(*(and_(_b.workflow_id == w, _b.burst_key == k) for w, k in keys)))
        due = due.order_by(_b.due_at).limit(limit)
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        claim = t.bursts.delete().where(_b.seq.in_(due.scalar_subquery())).returning(*_COLUMNS)
        rows = self._c.execute(claim, {"b_now": now}).all()
        bursts = [rec.Burst(*row) for row in rows]
        return sorted(bursts, key=lambda burst: (burst.due_at, burst.workflow_id, burst.key))

    def next_burst_due_at(self) -> datetime | None:
        value: datetime | None = self._c.execute(_NEXT_DUE).scalar()
        return value

    def pending_bursts(
        self, workflow_id: str | None = None, limit: int = 100, event_ids: rec.Ids = None
    ) -> list[rec.Burst]:
        query = select(*_COLUMNS).order_by(_b.due_at, _b.seq).limit(limit)
        if workflow_id is not None:
            query = query.where(_b.workflow_id == workflow_id)
        if event_ids is not None:
            query = query.where(_b.event_id.in_(list(event_ids)))
        return [rec.Burst(*row) for row in self._c.execute(query)]
