"""Throttle and send-rate queues, in memory (as ``store/sql/throttles.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import ThrottleQueue


class Throttles(OnData):
    def reserve_turn(self, queues: Sequence[ThrottleQueue], holder: str, now: datetime) -> datetime:
        now = utc(now)
        ordered = sorted(queues, key=lambda queue: queue.key)
        turns = self._d.throttle_turns
        held = turns.get(ordered[0].key, {}).get(holder)
        if held is not None:
            return held
        at = now
        for queue in ordered:
            starts = turns.setdefault(queue.key, {})
            for old in [name for name, start in starts.items() if start < now - queue.period]:
                del starts[old]
            latest = sorted(starts.values(), reverse=True)[: queue.limit]
            if latest:
                at = max(at, latest[0])
            if len(latest) >= queue.limit:
                at = max(at, latest[queue.limit - 1] + queue.period)
        for queue in ordered:
            turns[queue.key][holder] = at
        return at
