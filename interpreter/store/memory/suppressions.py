"""The suppression list, in memory (as ``store/sql/suppressions.py``): keyed by
(address, category), where '' is the whole list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import Suppression, blocking


class Suppressions(OnData):
    def add_suppression(self, suppression: Suppression) -> bool:
        key = (suppression.address.lower(), suppression.category or "")
        if key in self._d.suppressions:
            return False
        self._d.suppressions[key] = replace(
            suppression,
            address=key[0],
            created_at=utc(suppression.created_at),
            category=suppression.category or None,
        )
        return True

    def remove_suppression(self, address: str, category: str | None = None) -> bool:
        return self._d.suppressions.pop((address.lower(), category or ""), None) is not None

    def suppressed_among(
        self, addresses: Sequence[str], category: str | None = None
    ) -> dict[str, str | None]:
        wanted = {a.lower() for a in addresses}
        return blocking(
            [
                key
                for key in self._d.suppressions
                if key[0] in wanted and key[1] in ("", category or "")
            ]
        )

    def topics_left(self, address: str) -> set[str]:
        return {c for a, c in self._d.suppressions if a == address.lower() and c}

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        found = self._d.suppressions.values()
        ordered = sorted(
            found, key=lambda s: (-s.created_at.timestamp(), s.address, s.category or "")
        )
        return ordered[:limit]
