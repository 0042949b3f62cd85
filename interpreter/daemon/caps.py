"""Frequency caps, on the daemon's side: ``email.send`` reserves each send in
the store (``reserve_send``: the cap check and the record in one transaction),
and a step that fails for good, or whose run is cancelled while it waits for a
retry, gives its reservation back (``released_sends``), so that an email that
never went out does not count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interpreter.core.advance import idempotency_key
from interpreter.core.model import RunState
from interpreter.language.definitions import ActionStep, Workflow
from interpreter.language.policies import Category
from interpreter.store import Store
from interpreter.store.records import CappedSend


def reserve_send(
    store: Store, holder: str, addresses: Sequence[str], category: Category, now: datetime
) -> datetime | None:
    """None when every cap of ``category`` admits the send (now recorded), else
    the earliest instant at which they all would. In a transaction of its own,
    committed before the email leaves, so every other worker counts it."""
    with store.transaction() as tx:
        return tx.reserve_send(
            CappedSend(holder, tuple(addresses), category.name, category.caps, now)
        )


def released_sends(workflow: Workflow, state: RunState) -> list[str]:
    """The reservation to drop when ``state`` has just failed or been cancelled
    at an ``email.send`` step: its idempotency key (none may exist: dropping it
    is then a no-op)."""
    error = state.error
    if state.status not in ("failed", "cancelled") or not isinstance(error, dict):
        return []
    step_id = error.get("step")
    step = next((step for step in workflow.steps if step.id == step_id), None)
    if not isinstance(step, ActionStep) or step.action != "email.send":
        return []
    return [idempotency_key(state.run_id, step.id, state.visits.get(step.id, 1))]
