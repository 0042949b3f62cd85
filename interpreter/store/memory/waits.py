"""Waits, in memory (as ``store/sql/waits.py``): the same key, by the same
``canonical`` text, so an event finds the same waits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from interpreter.language.values import JSON
from interpreter.language.wait_keys import keys_at, loads
from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import Wait, WaitCandidate, WaitPurpose


class Waits(OnData):
    def add_waits(self, waits: Sequence[Wait]) -> None:
        for w in waits:  # kept as SQL keeps it: the value by its canonical text
            timeout_at = None if w.timeout_at is None else utc(w.timeout_at)
            self._d.waits.append(
                replace(w, timeout_at=timeout_at, since=utc(w.since), match_value=w.key)
            )

    def delete_waits_of(self, run_ids: Sequence[str], purpose: WaitPurpose | None = None) -> int:
        doomed = set(run_ids)
        before = len(self._d.waits)
        self._d.waits = [
            w for w in self._d.waits if not (w.run_id in doomed and purpose in (None, w.purpose))
        ]
        return before - len(self._d.waits)

    def list_waits(self, run_id: str) -> list[Wait]:
        return [
            replace(w, match_value=loads(w.match_value))
            for w in self._d.waits
            if w.run_id == run_id
        ]

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[WaitCandidate]]:
        waits = [w for w in self._d.waits if w.event_name == event_name]
        paths = {w.match_path for w in waits if w.match_path is not None}
        keys = [keys_at(document, paths) for document in documents]
        return [
            [
                WaitCandidate(w.run_id, w.purpose, w.step_id, w.idx, w.since)
                for w in waits
                if w.match_path is None or k.get(w.match_path) == w.match_value
            ]
            for k in keys
        ]
