"""Waits, in memory (as ``store/sql/waits.py``): the same key, by the same
``canonical`` text, so an event finds the same waits."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from interpreter.language.values import JSON
from interpreter.language.wait_keys import canonical, value_at
from interpreter.store.memory._data import OnData, utc, utc_or_none
from interpreter.store.records import Wait, WaitCandidate, WaitPurpose


class Waits(OnData):
    def add_waits(self, waits: Sequence[Wait]) -> None:
        for wait in waits:
            # Kept as SQL reads it back: the value by its canonical text.
            value = None if wait.match_path is None else canonical(wait.match_value)
            stored = replace(wait, timeout_at=utc_or_none(wait.timeout_at), since=utc(wait.since))
            self._d.waits.append(replace(copy.deepcopy(stored), match_value=value))

    def delete_waits_of(self, run_ids: Sequence[str], purpose: WaitPurpose | None = None) -> int:
        doomed = set(run_ids)
        before = len(self._d.waits)
        self._d.waits = [
            w for w in self._d.waits if not (w.run_id in doomed and purpose in (None, w.purpose))
        ]
        return before - len(self._d.waits)

    def list_waits(self, run_id: str) -> list[Wait]:
        return [
            replace(w, match_value=None if w.match_value is None else json.loads(w.match_value))
            for w in self._d.waits
            if w.run_id == run_id
        ]

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[WaitCandidate]]:
        return [
            [
                WaitCandidate(w.run_id, w.purpose, w.step_id, w.idx, w.since)
                for w in self._d.waits
                if w.event_name == event_name
                and (w.match_path is None or _key_at(document, w.match_path) == w.match_value)
            ]
            for document in documents
        ]


def _key_at(document: Mapping[str, JSON], path: str) -> str | None:
    found, value = value_at(document, path)
    return canonical(value) if found else None
