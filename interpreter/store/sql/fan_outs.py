"""Fan-out cursors: one row per ``for_each`` visit, moved on with each chunk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from interpreter.store import records as rec
from interpreter.store import tables as t
from interpreter.store.sql._connection import OnConnection

_F = t.fan_outs.c
_OF_RUN = select(t.fan_outs).where(_F.run_id == bindparam("b_run")).order_by(_F.step_id, _F.visit)


def _upsert(postgres: bool) -> Any:
    insert = (postgresql.insert if postgres else sqlite.insert)(t.fan_outs)
    return insert.on_conflict_do_update(
        index_elements=[_F.run_id, _F.step_id, _F.visit],
        set_={
            "done": insert.excluded.done,
            "total": insert.excluded.total,
            "updated_at": insert.excluded.updated_at,
        },
    )


_UPSERT = {True: _upsert(True), False: _upsert(False)}


class FanOuts(OnConnection):
    def save_fan_out_progress(self, progress: rec.FanOutProgress) -> None:
        row = {
            "run_id": progress.run_id,
            "step_id": progress.step_id,
            "visit": progress.visit,
            "done": progress.done,
            "total": progress.total,
            "updated_at": progress.updated_at,
        }
        self._c.execute(_UPSERT[self._postgres], row)

    def fan_out_progress(self, run_id: str) -> list[rec.FanOutProgress]:
        return [
            rec.FanOutProgress(
                row.run_id, row.step_id, row.visit, row.done, row.total, row.updated_at
            )
            for row in self._c.execute(_OF_RUN, {"b_run": run_id})
        ]
