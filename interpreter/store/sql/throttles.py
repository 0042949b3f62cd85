"""Throttle and send-rate queues: each action attempt's reserved start time.

``reserve_turn`` is one short transaction of its own: it locks the queues
(PostgreSQL: a transaction-scoped advisory lock per queue, taken in key order
so two reservations never deadlock; SQLite: the write transaction already
holds the database's write lock), reads each queue's latest ``limit`` starts,
and reserves ``max(now, the latest start, the limit-th latest + period)`` in
every queue at once. Taking the latest start too keeps the queue first come,
first served even if two workers' clocks disagree a little.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, text

from interpreter.store import tables as t
from interpreter.store.records import ThrottleQueue
from interpreter.store.sql._connection import OnConnection

_q = t.throttle_turns.c
# Two-key advisory locks: this class keeps flow's queue locks apart from any other use.
_LOCK = text("SELECT pg_advisory_xact_lock(1718382455, hashtext(:b_queue))")
_HELD = select(_q.start_at).where(
    _q.queue == bindparam("b_queue"), _q.holder == bindparam("b_holder")
)
_LATEST = (
    select(_q.start_at)
    .where(_q.queue == bindparam("b_queue"))
    .order_by(_q.start_at.desc())
    .limit(bindparam("b_limit"))
)
_PRUNE = delete(t.throttle_turns).where(
    _q.queue == bindparam("b_queue"), _q.start_at < bindparam("b_before")
)
_RESERVE = insert(t.throttle_turns)


class Throttles(OnConnection):
    def reserve_turn(self, queues: Sequence[ThrottleQueue], holder: str, now: datetime) -> datetime:
        ordered = sorted(queues, key=lambda queue: queue.key)
        if self._postgres:
            for queue in ordered:
                self._c.execute(_LOCK, {"b_queue": queue.key})
        held: datetime | None = self._c.execute(
            _HELD, {"b_queue": ordered[0].key, "b_holder": holder}
        ).scalar()
        if held is not None:
            return held  # asked again (a crash, a takeover): the same turn
        at = now
        for queue in ordered:
            # A start older than its period can no longer hold anyone back.
            self._c.execute(_PRUNE, {"b_queue": queue.key, "b_before": now - queue.period})
            latest = list(
                self._c.execute(_LATEST, {"b_queue": queue.key, "b_limit": queue.limit}).scalars()
            )
            if latest:
                at = max(at, latest[0])
            if len(latest) >= queue.limit:
                at = max(at, latest[queue.limit - 1] + queue.period)
        self._c.execute(
            _RESERVE,
            [{"queue": queue.key, "holder": holder, "start_at": at} for queue in ordered],
        )
        return at
