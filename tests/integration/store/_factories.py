"""Small builders shared by the store tests, on the store's batch operations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from interpreter.core.model import FINISHED, RUN_STATUSES
from interpreter.store import Delivery, EventRecord, RunSave, RunStart, StepRecord, Store, Wait
from interpreter.store.operations import Transaction
from interpreter.store.records import InboxKind, WaitCandidate, WaitPurpose

T0 = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def create(
    tx: Transaction,
    run_id: str,
    workflow_id: str = "drip",
    key: str | None = None,
    event_id: str | None = None,
    state: Mapping[str, Any] | None = None,
    now: datetime = T0,
    status: str = "running",
) -> bool:
    """A run with nothing queued and no wake time, in ``status``: started,
    claimed and saved, as the engine leaves a run that waits. False when its
    idempotency key already has a run."""
    state = dict(state or {})
    start = RunStart(run_id, workflow_id, "h1", key, event_id, state, None)
    if not tx.start_runs([start], now):
        return False
    (claimed,) = tx.claim_due_runs(now, "factory", 1, 1, run_ids=[run_id])
    assert tx.save_runs(
        "factory", now, [RunSave(run_id, status, state, None, claimed.inbox[-1].seq)]
    )
    return True


def enqueue(tx: Transaction, run_id: str, kind: InboxKind, payload: Any, now: datetime) -> bool:
    return bool(tx.enqueue_all([Delivery(run_id, kind, payload)], now))


def make_run(
    store: Store, run_id: str, *, due: datetime | None = T0, key: str | None = None
) -> None:
    """A run of ``signup-drip``, queued with a start input when ``due`` is given."""
    with store.transaction() as tx:
        assert create(tx, run_id, "signup-drip", key, None, {"n": run_id})
        if due is not None:
            assert enqueue(tx, run_id, "start", {"run": run_id}, due)


def record(tx: Transaction, id: str, name: str, data: Any, ts: datetime, at: datetime) -> bool:
    (new,) = tx.record_events([EventRecord(id, name, data, ts, at)])
    return new


def candidates(store: Store, name: str, document: Mapping[str, Any]) -> list[WaitCandidate]:
    with store.reading() as tx:
        (found,) = tx.candidate_waits_among(name, [document])
    return found


def unfinished(store: Store) -> int:
    counts = store.count_runs_by_status(T0)
    return sum(counts.get(status, (0, 0))[0] for status in RUN_STATUSES if status not in FINISHED)


def step(run_id: str, step_id: str, attempt: int = 1, **fields: Any) -> StepRecord:
    values: dict[str, Any] = {
        "run_id": run_id,
        "step_id": step_id,
        "visit": 1,
        "attempt": attempt,
        "kind": "action",
        "status": "ok",
        "input": {"to": "a@example.com"},
        "output": {"id": step_id},
        "error": None,
        "started_at": T0,
        "finished_at": at(1),
    }
    values.update(fields)
    return StepRecord(**values)


def wait(
    run_id: str,
    event: str = "resend/email.clicked",
    path: str | None = "data.email_id",
    value: Any = "em_1",
    purpose: WaitPurpose = "step",
) -> Wait:
    return Wait(run_id, purpose, "wait_click", 0, event, path, value, at(3600), T0)
