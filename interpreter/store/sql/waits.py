"""Waits: a run's subscriptions to events, indexed by (event name, path, the
canonical text of the value there), and found again by an event's values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select

from interpreter.language.values import JSON
from interpreter.language.wait_keys import keys_at, loads
from interpreter.store import tables as t
from interpreter.store.records import Wait, WaitCandidate, WaitPurpose
from interpreter.store.sql._connection import IDS, OnConnection

_w = t.waits.c
_INSERT = t.waits.insert()
DELETE_WAITS_OF = t.waits.delete().where(_w.run_id.in_(IDS))
_DELETE_OF_PURPOSE = DELETE_WAITS_OF.where(_w.purpose == bindparam("b_purpose"))
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
        rows = [{**{n: getattr(w, n) for n in Wait.__slots__}, "match_value": w.key} for w in waits]
        if rows:
            self._c.execute(_INSERT, rows)

    def delete_waits_of(self, run_ids: Sequence[str], purpose: WaitPurpose | None = None) -> int:
        if not run_ids:
            return 0
        if purpose is None:
            result = self._c.execute(DELETE_WAITS_OF, {"b_ids": list(run_ids)})
        else:
            result = self._c.execute(
                _DELETE_OF_PURPOSE, {"b_ids": list(run_ids), "b_purpose": purpose}
            )
        return int(result.rowcount)

    def list_waits(self, run_id: str) -> list[Wait]:
        # The key comes back from its canonical text, as the memory store gives it.
        rows = self._c.execute(_LIST, {"b_run": run_id})
        return [Wait(**{**row._mapping, "match_value": loads(row.match_value)}) for row in rows]

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[WaitCandidate]]:
        if not documents:
            return []
        # The distinct match paths, by seeking the index once per path: a plain
        # SELECT DISTINCT would walk one index entry per wait.
        paths: list[str] = []
        path = self._c.execute(_FIRST_PATH, {"b_name": event_name}).scalar()
        while path is not None:
            paths.append(path)
            path = self._c.execute(_NEXT_PATH, {"b_name": event_name, "b_last": path}).scalar()
        keys = [keys_at(document, paths) for document in documents]
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
