"""Small builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from interpreter.store import StepRecord, Store, Wait

T0 = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_run(
    store: Store, run_id: str, *, due: datetime | None = T0, key: str | None = None
) -> None:
    """A run, queued with a start input when ``due`` is given."""
    with store.transaction() as tx:
        assert tx.create_run(run_id, "signup-drip", "h1", key, None, {"n": run_id}, T0)
        if due is not None:
            assert tx.enqueue(run_id, "start", {"run": run_id}, due)


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
    purpose: str = "step",
) -> Wait:
    return Wait(run_id, purpose, "wait_click", 0, event, path, value, at(3600), T0)  # type: ignore[arg-type]
