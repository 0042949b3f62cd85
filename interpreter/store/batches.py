"""The ingest operations for a batch of events, a few statements per batch
rather than a few per event: an HTTP request's array, or the requests one group
commit gathers. Each does what its one-row operation in ``Transaction`` would do
row by row, in order; ``Transaction`` exposes them by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from interpreter.core.model import FINISHED
from interpreter.store import tables as t
from interpreter.store.matching import canonical, value_at
from interpreter.store.records import JSON, Delivery, EventRecord, RunStart, WaitCandidate
from interpreter.store.types import Instant

_INSERT_INBOX = t.inbox.insert()
# The earlier of a run's wake time and now, for the runs still going, which
# it returns: the runs that take the input (a finished run takes none).
_WAKE_RUNS = (
    update(t.runs)
    .where(t.runs.c.id.in_(bindparam("b_ids", expanding=True)),
           t.runs.c.status.not_in(sorted(FINISHED)))
    .values(
        wake_at=case(
            (or_(t.runs.c.wake_at.is_(None),
                 t.runs.c.wake_at > bindparam("b_now", type_=Instant())),
             bindparam("b_now", type_=Instant())),
            else_=t.runs.c.wake_at,
        )
    )
    .returning(t.runs.c.id)
)  # fmt: skip


@lru_cache(maxsize=2)
def _upserts(postgres: bool) -> tuple[Any, Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the key, for events and runs:
    executed with a list of rows, SQLAlchemy sends them as multi-row INSERTs
    ("insertmanyvalues") and returns the keys of the rows that went in."""
    insert = postgresql.insert if postgres else sqlite.insert
    events = insert(t.events).on_conflict_do_nothing(index_elements=["id"])
    runs = insert(t.runs).on_conflict_do_nothing()
    return events.returning(t.events.c.id), runs.returning(t.runs.c.id)


@lru_cache(maxsize=64)
def _candidates_among(paths: int) -> Any:
    """The waits on an event name with no key, or keyed on path ``n`` with one of
    the values ``b_keys<n>``: with the key, so each maps back to its events."""
    w = t.waits.c
    columns = (w.run_id, w.purpose, w.step_id, w.idx, w.since, w.match_path, w.match_value)
    base = select(*columns).where(w.event_name == bindparam("b_name"))
    queries = [base.where(w.match_path.is_(None))]
    queries += [
        base.where(w.match_path == bindparam(f"b_path{n}"),
                   w.match_value.in_(bindparam(f"b_keys{n}", expanding=True)))
        for n in range(paths)
    ]  # fmt: skip
    return queries[0].union_all(*queries[1:]) if paths else queries[0]


def record_events(c: Connection, events: Sequence[EventRecord]) -> list[bool]:
    """Store each event once per id; for each, whether it is new (a repeated id
    within the batch is new only the first time)."""
    if not events:
        return []
    rows = [
        {"id": e.id, "name": e.name, "data": e.data, "ts": e.ts, "received_at": e.received_at}
        for e in events
    ]
    postgres = c.dialect.name == "postgresql"
    inserted = set(c.execute(_upserts(postgres)[0], rows).scalars())
    new: list[bool] = []
    for event in events:
        new.append(event.id in inserted)
        inserted.discard(event.id)
    return new


def start_runs(c: Connection, starts: Sequence[RunStart], now: datetime) -> set[str]:
    """Create runs due now, each with its start input; a run whose idempotency
    key already has one (earlier in the batch included) is not created."""
    if not starts:
        return set()
    rows = [
        {"id": s.run_id, "workflow_id": s.workflow_id, "workflow_hash": s.workflow_hash,
         "status": "running", "state": s.state, "idempotency_key": s.idempotency_key,
         "trigger_event_id": s.trigger_event_id, "created_at": now, "updated_at": now,
         "wake_at": now}
        for s in starts
    ]  # fmt: skip
    postgres = c.dialect.name == "postgresql"
    started = set(c.execute(_upserts(postgres)[1], rows).scalars())
    inbox = [
        {"run_id": s.run_id, "kind": "start", "payload": s.start, "created_at": now}
        for s in starts
        if s.run_id in started
    ]
    if inbox:
        c.execute(_INSERT_INBOX, inbox)
    return started


def enqueue_all(c: Connection, deliveries: Sequence[Delivery], now: datetime) -> set[str]:
    """Queue the inputs, in order, for the runs still going, and make those runs
    due now; returns their ids. The runs' rows are updated first (in id order),
    so that on PostgreSQL their locks order this against a concurrent save."""
    if not deliveries:
        return set()
    ids = sorted({d.run_id for d in deliveries})
    woken = set(c.execute(_WAKE_RUNS, {"b_ids": ids, "b_now": now}).scalars())
    rows = [
        {"run_id": d.run_id, "kind": d.kind, "payload": d.payload, "created_at": now}
        for d in deliveries
        if d.run_id in woken
    ]
    if rows:
        c.execute(_INSERT_INBOX, rows)
    return woken


def candidate_waits_among(
    c: Connection,
    event_name: str,
    documents: Sequence[Mapping[str, JSON]],
    match_paths: list[str],
) -> list[list[WaitCandidate]]:
    """``candidate_waits`` for several events of one name, in one query."""
    keys: list[dict[str, str]] = []  # per document: path -> canonical value there
    for document in documents:
        found: dict[str, str] = {}
        for path in match_paths:
            present, value = value_at(document, path)
            if present:
                found[path] = canonical(value)
        keys.append(found)
    parameters: dict[str, Any] = {"b_name": event_name}
    for n, path in enumerate(match_paths):
        parameters[f"b_path{n}"] = path
        parameters[f"b_keys{n}"] = sorted({k[path] for k in keys if path in k})
    unkeyed: list[WaitCandidate] = []
    keyed: dict[tuple[str, str], list[WaitCandidate]] = {}
    for run_id, purpose, step_id, idx, since, path, value in c.execute(
        _candidates_among(len(match_paths)), parameters
    ):
        candidate = WaitCandidate(run_id, purpose, step_id, idx, since)
        if path is None:
            unkeyed.append(candidate)
        else:
            keyed.setdefault((path, value), []).append(candidate)
    return [
        unkeyed + [w for path, key in k.items() for w in keyed.get((path, key), [])]
        for k in keys
    ]
