"""Entry keys: which run holds a campaign's key, and handing the key to a newer
run (re-entry after a while, or a replace that cancels the run in flight).

A live key is unique per campaign (``runs_idempotency``), so of two workers
starting a run with one key at once, exactly one inserts it. A run that gives
its key up keeps it released (``records.released_key``), so the newest run with
a key is always the one holding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, literal, select, update

from interpreter.core.model import FINISHED
from interpreter.store import records as rec
from interpreter.store import tables as t
from interpreter.store.records import RELEASED_SEPARATOR
from interpreter.store.sql._connection import OnConnection
from interpreter.store.types import Document, Instant

_r = t.runs.c
_IDS: Any = bindparam("b_ids", expanding=True)
_HOLDERS = select(t.runs).where(
    _r.workflow_id == bindparam("b_workflow"), _r.idempotency_key.in_(_IDS)
)
_RELEASE = (
    update(t.runs)
    .where(_r.id.in_(_IDS), _r.idempotency_key.is_not(None))
    .values(idempotency_key=_r.idempotency_key + literal(RELEASED_SEPARATOR) + _r.id)
)
# A worker that held the run loses its lease with it: its save and its
# recorded steps are refused, as when another worker takes a run over.
_CANCEL = (
    update(t.runs)
    .where(_r.id == bindparam("b_id"), _r.status.not_in(sorted(FINISHED)))
    .values(
        status="cancelled",
        state=bindparam("b_state", type_=Document),
        updated_at=bindparam("b_now", type_=Instant()),
        wake_at=None,
        lease_owner=None,
        lease_until=None,
    )
)
_DELETE_INBOX_OF = t.inbox.delete().where(t.inbox.c.run_id.in_(_IDS))
_DELETE_WAITS_OF = t.waits.delete().where(t.waits.c.run_id.in_(_IDS))


class Entry(OnConnection):
    def runs_holding_keys(self, workflow_id: str, keys: Sequence[str]) -> dict[str, rec.RunRecord]:
        if not keys:
            return {}
        query = _HOLDERS.with_for_update() if self._postgres else _HOLDERS
        rows = self._c.execute(query, {"b_workflow": workflow_id, "b_ids": sorted(set(keys))})
        return {row.idempotency_key: rec.RunRecord(*row) for row in rows}

    def release_entry_keys(self, run_ids: Sequence[str]) -> None:
        if run_ids:
            self._c.execute(_RELEASE, {"b_ids": sorted(run_ids)})

    def cancel_runs(self, cancels: Sequence[rec.RunCancel], now: datetime) -> set[str]:
        cancelled: set[str] = set()
        for cancel in cancels:
            row = {"b_id": cancel.run_id, "b_state": cancel.state, "b_now": now}
            if self._c.execute(_CANCEL, row).rowcount:
                cancelled.add(cancel.run_id)
        if cancelled:
            self._c.execute(_DELETE_INBOX_OF, {"b_ids": sorted(cancelled)})
            self._c.execute(_DELETE_WAITS_OF, {"b_ids": sorted(cancelled)})
        return cancelled
