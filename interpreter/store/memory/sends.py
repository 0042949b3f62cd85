"""Frequency caps, in memory (as ``store/sql/sends.py``); the store's one lock
serialises transactions, which stands in for the lock on each recipient."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interpreter.language.policies import Cap
from interpreter.store.cap_window import admitted_at
from interpreter.store.memory._data import OnData, utc


class Sends(OnData):
    def reserve_send(
        self,
        holder: str,
        addresses: Sequence[str],
        category: str,
        caps: Sequence[Cap],
        now: datetime,
    ) -> datetime | None:
        wanted = sorted({address.lower() for address in addresses})
        if not wanted or not caps:
            return None
        if any(key[0] == holder for key in self._d.sends):
            return None
        now = utc(now)
        since = now - max(cap.per for cap in caps)
        until: datetime | None = None
        for address in wanted:
            recent = sorted(
                (
                    sent_at
                    for (_, to), (kind, sent_at) in self._d.sends.items()
                    if to == address and kind == category and sent_at > since
                ),
                reverse=True,
            )
            blocked = admitted_at(recent, caps, now)
            if blocked is not None and (until is None or blocked > until):
                until = blocked
        if until is not None:
            return until
        for address in wanted:
            self._d.sends[(holder, address)] = (category, now)
        return None

    def release_sends(self, holders: Sequence[str]) -> int:
        gone = [key for key in self._d.sends if key[0] in set(holders)]
        for key in gone:
            del self._d.sends[key]
        return len(gone)

    def sends_to(self, address: str, category: str) -> list[datetime]:
        address = address.lower()
        return sorted(
            sent_at
            for (_, to), (kind, sent_at) in self._d.sends.items()
            if to == address and kind == category
        )
