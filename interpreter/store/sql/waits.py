"""Waits: a run's subscriptions to events, indexed by (event name, path, the
canonical text of the value there), and found again by an event's values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select

from interpreter.language.values import JSON
from interpreter.language.wait_keys import canonical, value_at
from interpreter.store import tables as t
from interpreter.store.records import Wait, WaitCandidate, WaitPurpose
from interpreter.store.sql._connection import OnConnection

_w = t.waits.c
_INSERT = t.waits.insert()
_IDS: Any = bindparam("b_ids", expanding=True)
_DELETE_OF = t.waits.delete().where(_w.run_id.in_(_IDS))
_DELETE_OF_PURPOSE = _DELETE_OF.where(_w.purpose == bindparam("b_purpose"))
_LIST = (
    select(*(_w[name] for name in Wait.__slots__)).where(_w.run_id == bindparam("b_run"))
).order_by(_w.seq)
_FIRST_PATH = (
    select(_w.match_path)
    .where(_w.event_name == bindparam("b_name"), _w.match_path.is_not(None))
    .order_by(_w.match_path)
    .limit(1)
)
_NEXT_PATH = (
    select(_w.match_path)
    .where(_w.event_name == bindparam("b_name"), _w.match_path > bindparam("b_last"))
    .order_by(_w.match_path)
    .limit(1)
)


@lru_cache(maxsize=64)
def _candidates(paths: int) -> Any:
    """The waits on an event name with no key, or keyed on path ``n`` with one of
    the values ``b_keys<n>``: with the key, so each maps back to its events."""
    columns = (_w.run_id, _w.purpose, _w.step_id, _w.idx, _w.since, _w.match_path, _w.match_value)
    base = select(*columns).where(_w.event_name == bindparam("b_name"))
    queries = [base.where(_w.match_path.is_(None))]
    queries += [
        base.where(
            _w.match_path == bindparam(f"b_path{n}"),
            _w.match_value.in_(bindparam(f"b_keys{n}", expanding=True)),
        )
        for n in range(paths)
    ]
    return queries[0].union_all(*queries[1:]) if paths else queries[0]


class Waits(OnConnection):
    def add_waits(self, waits: Sequence[Wait]) -> None:
        if waits:
            self._c.execute(_INSERT, [_row(wait) for wait in waits])

    def delete_waits_of(self, run_ids: Sequence[str], purpose: WaitPurpose | None = None) -> int:
        if not run_ids:
            return 0
        if purpose is None:
            result = self._c.execute(_DELETE_OF, {"b_ids": list(run_ids)})
        else:
            result = self._c.execute(
                _DELETE_OF_PURPOSE, {"b_ids": list(run_ids), "b_purpose": purpose}
            )
        return int(result.rowcount)

    def list_waits(self, run_id: str) -> list[Wait]:
        # The key comes back from its canonical text, as the memory store gives it.
        rows = self._c.execute(_LIST, {"b_run": run_id})
        return [Wait(**{**row._mapping, "match_value": _value(row.match_value)}) for row in rows]

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[WaitCandidate]]:
        if not documents:
            return []
        paths = self._match_paths(event_name)
        keys: list[dict[str, str]] = []  # per document: path -> canonical value there
        for document in documents:
            found: dict[str, str] = {}
            for path in paths:
                present, value = value_at(document, path)
                if present:
                    found[path] = canonical(value)
            keys.append(found)
        parameters: dict[str, Any] = {"b_name": event_name}
        for n, path in enumerate(paths):
            parameters[f"b_path{n}"] = path
            parameters[f"b_keys{n}"] = sorted({k[path] for k in keys if path in k})
        unkeyed: list[WaitCandidate] = []
        keyed: dict[tuple[str, str], list[WaitCandidate]] = {}
        for *fields, path, value in self._c.execute(_candidates(len(paths)), parameters):
            candidate = WaitCandidate(*fields)
            if path is None:
                unkeyed.append(candidate)
            else:
                keyed.setdefault((path, value), []).append(candidate)
        return [
            unkeyed + [w for path, key in k.items() for w in keyed.get((path, key), [])]
            for k in keys
        ]

    def _match_paths(self, event_name: str) -> list[str]:
        """The distinct match paths for an event name, by seeking the index once
        per path: a plain SELECT DISTINCT would walk one index entry per wait."""
        paths: list[str] = []
        path = self._c.execute(_FIRST_PATH, {"b_name": event_name}).scalar()
        while path is not None:
            paths.append(path)
            after = {"b_name": event_name, "b_last": path}
            path = self._c.execute(_NEXT_PATH, after).scalar()
        return paths


def _row(wait: Wait) -> dict[str, Any]:
    row = {name: getattr(wait, name) for name in Wait.__slots__}
    row["match_value"] = None if wait.match_path is None else canonical(wait.match_value)
    return row


def _value(text: str | None) -> JSON:
    return None if text is None else json.loads(text)
