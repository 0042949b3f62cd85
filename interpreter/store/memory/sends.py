"""Frequency caps, in memory (as ``store/sql/sends.py``); the store's one lock
serialises transactions, which stands in for the lock on each recipient."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interpreter.store.cap_window import HELD_BACK, admitted_at
from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import Bound, CappedSend


class Sends(OnData):
    def reserve_send(self, send: CappedSend) -> datetime | None:
        holder, category, caps = send.holder, send.category, send.caps
        wanted = sorted({address.lower() for address in send.addresses})
        if not wanted or not caps:
            return None
        if any(key[0] == holder for key in self._d.sends):
            return None
        now = utc(send.at)
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

    def held_back_sends(self, workflow_id: str, since: Bound, until: Bound) -> dict[str, int]:
        cohort = {
            r.id
            for r in self._d.runs.values()
            if r.workflow_id == workflow_id
            and (since is None or r.created_at >= since)
            and (until is None or r.created_at < until)
        }
        counts: dict[str, int] = {}
        deferred: set[tuple[str, str, int]] = set()
        for s in self._d.steps:
            if s.run_id not in cohort:
                continue
            if s.status == "deferred":
                deferred.add((s.run_id, s.step_id, s.visit))
            why = s.output.get("skipped") if isinstance(s.output, dict) else None
            if s.kind == "email.send" and s.status == "ok" and why in HELD_BACK:
                counts[str(why)] = counts.get(str(why), 0) + 1
        if deferred:
            counts["deferred"] = len(deferred)
        return counts

    def sends_to(self, address: str, category: str) -> list[datetime]:
        address = address.lower()
        return sorted(
            sent_at
            for (_, to), (kind, sent_at) in self._d.sends.items()
            if to == address and kind == category
        )
