"""Cron ticks: which daemon fired a campaign's scheduled tick (exactly one does)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select

from interpreter.store import tables as t
from interpreter.store.sql._connection import OnConnection, insert_or_skip

_LATEST = select(func.max(t.cron_ticks.c.tick_at)).where(
    t.cron_ticks.c.workflow_id == bindparam("b_workflow")
)


class Cron(OnConnection):
    def claim_cron_tick(self, workflow_id: str, tick_at: datetime) -> bool:
        claim = insert_or_skip(t.cron_ticks, self._postgres, (), t.cron_ticks.c.workflow_id)
        row = {"workflow_id": workflow_id, "tick_at": tick_at}
        return self._c.execute(claim, row).first() is not None

    def latest_cron_tick(self, workflow_id: str) -> datetime | None:
        value: datetime | None = self._c.execute(_LATEST, {"b_workflow": workflow_id}).scalar()
        return value
