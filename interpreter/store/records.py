"""The values the store hands out and takes in. Rows become these at the edge;
no SQLAlchemy Row ever leaves the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

JSON = Any

InboxKind = Literal["start", "event", "cancel", "retry"]
# A replayed run's idempotency key is this prefix and the id of the run it
# replays: the link kept without a column, and one replay per run at most.
REPLAY_KEY_PREFIX = "replay:"
WaitPurpose = Literal["step", "cancel"]
StepStatus = Literal["ok", "error", "skipped"]


@dataclass(frozen=True, slots=True)
class Definition:
    """A campaign snapshot a run is pinned to: the YAML and its templates."""

    hash: str
    workflow_id: str
    source_file: str
    source_text: str
    files: dict[str, str]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    id: str
    name: str
    data: JSON
    ts: datetime
    received_at: datetime


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A pending input for a run, consumed in ``seq`` order."""

    seq: int
    kind: InboxKind
    payload: JSON


@dataclass(frozen=True, slots=True)
class ClaimedRun:
    """A run this worker now holds the lease on, with its pending inputs.

    ``recorded``: when the run was taken over from another worker (a crash, a
    lost lease), its step rows, among which the outcomes of actions that
    worker recorded before it could save the run."""

    run_id: str
    workflow_id: str
    workflow_hash: str
    status: str
    state: dict[str, JSON]
    inbox: tuple[InboxItem, ...]
    recorded: tuple[StepRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Wait:
    """A run's subscription to an event, as the engine asks to store it.

    ``match_value`` is any JSON value; the store keys it by its canonical text.
    """

    run_id: str
    purpose: WaitPurpose
    step_id: str | None
    idx: int
    event_name: str
    match_path: str | None
    match_value: JSON
    timeout_at: datetime | None
    since: datetime


@dataclass(frozen=True, slots=True)
class WaitCandidate:
    """A wait whose indexed key matches an event; its full ``if`` is still to check."""

    run_id: str
    purpose: WaitPurpose
    step_id: str | None
    idx: int
    since: datetime


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as ``record_events`` stores it."""

    id: str
    name: str
    data: JSON
    ts: datetime
    received_at: datetime


@dataclass(frozen=True, slots=True)
class RunStart:
    """A run as ``start_runs`` creates it: due now, with its ``start`` input queued."""

    run_id: str
    workflow_id: str
    workflow_hash: str
    idempotency_key: str | None
    trigger_event_id: str | None
    state: JSON
    start: JSON


@dataclass(frozen=True, slots=True)
class Delivery:
    """An input ``enqueue_all`` queues for a run."""

    run_id: str
    kind: InboxKind
    payload: JSON


@dataclass(frozen=True, slots=True)
class RunSave:
    """A claimed run's new state, as ``save_runs`` stores it."""

    run_id: str
    status: str
    state: JSON
    wake_at: datetime | None
    consumed_inbox_upto: int | None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One completed step attempt."""

    run_id: str
    step_id: str
    visit: int
    attempt: int
    kind: str
    status: StepStatus
    input: JSON
    output: JSON
    error: JSON
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    workflow_id: str
    workflow_hash: str
    status: str
    state: dict[str, JSON]
    idempotency_key: str | None
    trigger_event_id: str | None
    created_at: datetime
    updated_at: datetime
    wake_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A run with its step attempts in the order they finished."""

    run: RunRecord
    steps: tuple[StepRecord, ...]


@dataclass(frozen=True, slots=True)
class Suppression:
    """An address campaign email is not sent to, and why (``unsubscribed``,
    ``bounced``, ``complained``, ``manual``)."""

    address: str
    reason: str
    detail: str | None
    created_at: datetime
