"""Campaign snapshots: the YAML and templates a run is pinned to, by hash."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import bindparam, select

from interpreter.errors import NotFound
from interpreter.store import tables as t
from interpreter.store.records import Definition
from interpreter.store.sql._connection import OnConnection, insert_or_skip

_d = t.definitions.c
_LOAD = select(_d.hash, _d.workflow_id, _d.source_file, _d.source_text, _d.files).where(
    _d.hash == bindparam("b_hash")
)
_CAMPAIGNS = select(_d.workflow_id).distinct().order_by(_d.workflow_id)


class Definitions(OnConnection):
    def save_definition(self, definition: Definition, now: datetime) -> None:
        row = {**asdict(definition), "created_at": now}
        self._c.execute(insert_or_skip(t.definitions, self._postgres, ("hash",)), row)

    def load_definition(self, hash: str) -> Definition:
        row = self._c.execute(_LOAD, {"b_hash": hash}).first()
        if row is None:
            raise NotFound(f"no definition with hash {hash}")
        return Definition(*row)

    def campaign_ids(self) -> list[str]:
        return list(self._c.execute(_CAMPAIGNS).scalars())
