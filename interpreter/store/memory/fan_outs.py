"""Fan-out cursors, in memory (as ``store/sql/fan_outs.py``)."""

from __future__ import annotations

from dataclasses import replace

from interpreter.store import records as rec
from interpreter.store.memory._data import OnData, utc


class FanOuts(OnData):
    def save_fan_out_progress(self, progress: rec.FanOutProgress) -> None:
        key = (progress.run_id, progress.step_id, progress.visit)
        self._d.fan_outs[key] = replace(progress, updated_at=utc(progress.updated_at))

    def fan_out_progress(self, run_id: str) -> list[rec.FanOutProgress]:
        return [
            progress for (run, _, _), progress in sorted(self._d.fan_outs.items()) if run == run_id
        ]
