"""Entry keys, in memory (as ``store/sql/entry.py``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from interpreter.store import records as rec
from interpreter.store.memory._data import OnData, utc


class Entry(OnData):
    def runs_holding_keys(self, workflow_id: str, keys: Sequence[str]) -> dict[str, rec.RunRecord]:
        wanted = set(keys)
        return {
            run.idempotency_key: run
            for run in self._d.runs.values()
            if run.workflow_id == workflow_id and run.idempotency_key in wanted
        }

    def release_entry_keys(self, run_ids: Sequence[str]) -> None:
        for run_id in run_ids:
            run = self._d.runs.get(run_id)
            if run is not None and run.idempotency_key is not None:
                key = rec.released_key(run.idempotency_key, run_id)
                self._d.runs[run_id] = replace(run, idempotency_key=key)

    def cancel_runs(self, cancels: Sequence[rec.RunCancel], now: datetime) -> set[str]:
        cancelled: set[str] = set()
        for cancel in cancels:
            if (run := self.unfinished(cancel.run_id)) is None:
                continue
            state = copy.deepcopy(cancel.state)
            assert isinstance(state, dict)  # a run state is a JSON object
            self._d.runs[cancel.run_id] = replace(
                run,
                status="cancelled",
                state=state,
                updated_at=utc(now),
                wake_at=None,
                lease_owner=None,
                lease_until=None,
            )
            cancelled.add(cancel.run_id)
        self._d.inbox = [(r, item) for r, item in self._d.inbox if r not in cancelled]
        self._d.waits = [wait for wait in self._d.waits if wait.run_id not in cancelled]
        return cancelled
