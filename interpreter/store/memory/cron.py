"""Cron ticks, in memory (as ``store/sql/cron.py``)."""

from __future__ import annotations

from datetime import datetime

from interpreter.store.memory._data import OnData, utc


class Cron(OnData):
    def claim_cron_tick(self, workflow_id: str, tick_at: datetime) -> bool:
        tick = (workflow_id, utc(tick_at))
        if tick in self._d.cron_ticks:
            return False
        self._d.cron_ticks.add(tick)
        return True

    def latest_cron_tick(self, workflow_id: str) -> datetime | None:
        return max(
            (at for campaign, at in self._d.cron_ticks if campaign == workflow_id), default=None
        )
