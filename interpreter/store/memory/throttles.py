"""Throttle and send-rate queues, in memory (as ``store/sql/throttles.py``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import ThrottleQueue, Turn


class Throttles(OnData):
    def reserve_turn(
        self, queues: Sequence[ThrottleQueue], holder: str, clock: Callable[[], datetime]
    ) -> Turn:
        now = utc(clock())
        ordered = sorted(queues, key=lambda queue: queue.key)
        turns = self._d.throttle_turns  # queue -> holder -> (start, started)
        held = turns.get(ordered[0].key, {}).get(holder)
        if held is not None and (held[1] or held[0] > now):
            return Turn(*held)
        at = now
        for queue in ordered:
            starts = turns.setdefault(queue.key, {})
            if held is None:
                for old in [
                    name for name, (start, _) in starts.items() if start < now - queue.period
                ]:
                    del starts[old]
            latest = sorted(
                (start for start, started in starts.values() if started or held is None),
                reverse=True,
            )[: queue.limit]
            if latest and held is None:
                at = max(at, latest[0])
            if len(latest) >= queue.limit:
                at = max(at, latest[queue.limit - 1] + queue.period)
        started = at <= now
        at = now if started else at
        for queue in ordered:
            turns[queue.key][holder] = (at, started)
        return Turn(at, started)
