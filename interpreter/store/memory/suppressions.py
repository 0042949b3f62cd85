"""The suppression list, in memory (as ``store/sql/suppressions.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import Suppression


class Suppressions(OnData):
    def add_suppression(self, address: str, reason: str, detail: str | None, now: datetime) -> bool:
        key = address.lower()
        if key in self._d.suppressions:
            return False
        self._d.suppressions[key] = Suppression(key, reason, detail, utc(now))
        return True

    def remove_suppression(self, address: str) -> bool:
        return self._d.suppressions.pop(address.lower(), None) is not None

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        return {a.lower() for a in addresses if a.lower() in self._d.suppressions}

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        found = self._d.suppressions.values()
        return sorted(found, key=lambda s: (-s.created_at.timestamp(), s.address))[:limit]
