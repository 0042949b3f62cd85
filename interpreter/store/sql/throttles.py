"""Throttle and send-rate queues: each action attempt's reserved start time.

``reserve_turn`` is one short transaction of its own: it locks the queues
(PostgreSQL: a transaction-scoped advisory lock per queue, taken in key order
so two reservations never deadlock; SQLite: the write transaction already
holds the database's write lock), reads each queue's latest ``limit`` starts,
and reserves ``max(now, the latest start, the limit-th latest + period)`` in
every queue at once. Taking the latest start too keeps the queue first come,
first served even if two workers' clocks disagree a little.

A turn that lies ahead is only a place in the queue: when the run wakes for
it, it asks again and starts only if the starts that really happened leave
room (``started`` rows, stamped when they began). A worker busy with other
runs, or a slow machine, can wake a run late; without this check a late start
and an on-time one could fall in one period together, which the provider
would see as a burst over the rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update

from interpreter.store import tables as t
from interpreter.store.records import ThrottleQueue, Turn
from interpreter.store.sql._connection import OnConnection

_q = t.throttle_turns.c
# Two-key advisory locks: this class keeps flow's queue locks apart from any other use.
_LOCK = text("SELECT pg_advisory_xact_lock(1718382455, hashtext(:b_queue))")
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")
_HELD = select(_q.start_at, _q.started).where(
    _q.queue == bindparam("b_queue"), _q.holder == bindparam("b_holder")
)
_LATEST = (
    select(_q.start_at)
    .where(_q.queue == bindparam("b_queue"))
    .order_by(_q.start_at.desc())
    .limit(bindparam("b_limit"))
)
_LATEST_STARTED = _LATEST.where(_q.started)
_PRUNE = delete(t.throttle_turns).where(
    _q.queue == bindparam("b_queue"), _q.start_at < bindparam("b_before")
)
_RESERVE = insert(t.throttle_turns)
_MOVE = (
    update(t.throttle_turns)
    .where(_q.holder == bindparam("b_holder"), _q.queue.in_(bindparam("b_queues", expanding=True)))
    .values(start_at=bindparam("b_at"), started=bindparam("b_started"))
)


class Throttles(OnConnection):
    def reserve_turn(
        self, queues: Sequence[ThrottleQueue], holder: str, clock: Callable[[], datetime]
    ) -> Turn:
        ordered = sorted(queues, key=lambda queue: queue.key)
        if self._postgres:
            # A start is stamped before its commit, and the action begins after it:
            # a commit waiting on a busy disk would let the start fall behind its
            # stamp. Not waiting for the WAL flush risks losing the latest turns
            # if PostgreSQL itself crashes (the queue then forgets a few starts),
            # never a run or a step, which commit as before.
            self._c.execute(_ASYNC_COMMIT)
            for queue in ordered:
                self._c.execute(_LOCK, {"b_queue": queue.key})
        # Read once the queues are ours: a start is stamped with the time it
        # really begins, not the time it began waiting for the lock.
        now = clock()
        held = self._c.execute(_HELD, {"b_queue": ordered[0].key, "b_holder": holder}).first()
        if held is None:
            at = self._first_turn(ordered, now)
        elif held.started or held.start_at > now:
            return Turn(
                held.start_at, bool(held.started)
            )  # asked again (a crash, a takeover, early): the same turn
        else:
            at = self._window_opens(ordered, now)
        started = at <= now
        at = now if started else at
        if held is None:
            rows = [
                {"queue": q.key, "holder": holder, "start_at": at, "started": started}
                for q in ordered
            ]
            self._c.execute(_RESERVE, rows)
        else:
            keys = [queue.key for queue in ordered]
            values = {"b_holder": holder, "b_queues": keys, "b_at": at, "b_started": started}
            self._c.execute(_MOVE, values)
        return Turn(at, started)

    def _first_turn(self, ordered: Sequence[ThrottleQueue], now: datetime) -> datetime:
        """A new attempt's turn: after every turn handed out before it."""
        at = now
        for queue in ordered:
            # A start older than its period can no longer hold anyone back.
            self._c.execute(_PRUNE, {"b_queue": queue.key, "b_before": now - queue.period})
            latest = self._latest(_LATEST, queue)
            if latest:
                at = max(at, latest[0])
            if len(latest) >= queue.limit:
                at = max(at, latest[queue.limit - 1] + queue.period)
        return at

    def _window_opens(self, ordered: Sequence[ThrottleQueue], now: datetime) -> datetime:
        """When a turn that has come may start: the starts that really happened
        (one may have begun late) must leave room in every queue's period."""
        at = now
        for queue in ordered:
            latest = self._latest(_LATEST_STARTED, queue)
            if len(latest) >= queue.limit:
                at = max(at, latest[queue.limit - 1] + queue.period)
        return at

    def _latest(self, statement: Any, queue: ThrottleQueue) -> list[datetime]:
        found = self._c.execute(statement, {"b_queue": queue.key, "b_limit": queue.limit})
        return list(found.scalars())
