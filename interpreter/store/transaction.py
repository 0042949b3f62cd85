"""Every database operation of flow, one named method each, on one connection.

A ``Transaction`` lives inside ``Store.transaction()`` (a write transaction:
``BEGIN IMMEDIATE`` on SQLite) or ``Store.reading()``. The engine may carry out
several runs' operations in one transaction, so that their outcomes commit
together (group commit).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

from interpreter.core.model import FINISHED
from interpreter.errors import NotFound
from interpreter.store import batches, browsing
from interpreter.store import tables as t
from interpreter.store.browsing import EventRuns, RunFilter, RunSummary
from interpreter.store.matching import canonical, value_at
from interpreter.store.records import (
    JSON,
    REPLAY_KEY_PREFIX,
    ClaimedRun,
    Definition,
    Delivery,
    EventRecord,
    InboxItem,
    InboxKind,
    RunDetail,
    RunRecord,
    RunSave,
    RunStart,
    StepRecord,
    StoredEvent,
    Suppression,
    Wait,
    WaitCandidate,
    WaitPurpose,
)
from interpreter.store.types import Document, Instant

_FINISHED = sorted(FINISHED)

_RUN_COLUMNS = (
    t.runs.c.id,
    t.runs.c.workflow_id,
    t.runs.c.workflow_hash,
    t.runs.c.status,
    t.runs.c.state,
    t.runs.c.idempotency_key,
    t.runs.c.trigger_event_id,
    t.runs.c.created_at,
    t.runs.c.updated_at,
    t.runs.c.wake_at,
    t.runs.c.lease_owner,
    t.runs.c.lease_until,
)
_STEP_COLUMNS = tuple(t.steps.c[name] for name in StepRecord.__slots__)
_EVENT_COLUMNS = tuple(t.events.c[name] for name in StoredEvent.__slots__)
_WAIT_COLUMNS = tuple(t.waits.c[name] for name in ("run_id", "purpose", "step_id", "idx", "since"))

# Built once: the hot statements skip construction on every call.
_SAVE_RUN = (
    update(t.runs)
    .where(t.runs.c.id == bindparam("b_id"), t.runs.c.lease_owner == bindparam("b_owner"))
    .values(
        status=bindparam("b_status"),
        state=bindparam("b_state", type_=Document),
        updated_at=bindparam("b_now", type_=Instant()),
        wake_at=bindparam("b_wake_at", type_=Instant()),
        lease_owner=None,
        lease_until=None,
    )
)
# A run that got new inputs while it was leased must stay due whatever the
# worker computed. A separate statement, so that on PostgreSQL it sees inbox
# rows committed while it waited for the runs' row locks.
_WAKE_IF_INBOX = (
    update(t.runs)
    .where(
        t.runs.c.id.in_(bindparam("b_ids", expanding=True)),
        or_(t.runs.c.wake_at.is_(None), t.runs.c.wake_at > bindparam("b_now", type_=Instant())),
        select(t.inbox.c.seq).where(t.inbox.c.run_id == t.runs.c.id).exists(),
    )
    .values(wake_at=bindparam("b_now", type_=Instant()))
)
# In id order, so that on PostgreSQL concurrent writers lock rows in one order.
_LEASES_HELD = (
    select(t.runs.c.id)
    .where(
        t.runs.c.id.in_(bindparam("b_ids", expanding=True)),
        t.runs.c.lease_owner == bindparam("b_owner"),
    )
    .order_by(t.runs.c.id)
)
_CONSUME_INBOX = delete(t.inbox).where(
    t.inbox.c.run_id == bindparam("b_id"), t.inbox.c.seq <= bindparam("b_upto")
)
_DELETE_INBOX_OF = delete(t.inbox).where(t.inbox.c.run_id.in_(bindparam("b_ids", expanding=True)))
_DELETE_WAITS_OF = delete(t.waits).where(t.waits.c.run_id.in_(bindparam("b_ids", expanding=True)))
_DELETE_WAITS_OF_PURPOSE = _DELETE_WAITS_OF.where(t.waits.c.purpose == bindparam("b_purpose"))
_ENQUEUE_WAKE = (
    update(t.runs)
    .where(t.runs.c.id == bindparam("b_id"), t.runs.c.status.not_in(_FINISHED))
    .values(
        # the earlier of the current wake time and now: never postpone work
        wake_at=case(
            (
                or_(
                    t.runs.c.wake_at.is_(None),
                    t.runs.c.wake_at > bindparam("b_now", type_=Instant()),
                ),
                bindparam("b_now", type_=Instant()),
            ),
            else_=t.runs.c.wake_at,
        )
    )
)


# Built once, executed with a parameter dict: building a statement per call
# (``.values(...)``, ``.where(...)``) costs more than running it on SQLite.
_EVENT_SEQ = select(t.events.c.seq).where(t.events.c.id == bindparam("b_id"))
_EVENTS_SINCE = (
    select(*_EVENT_COLUMNS)
    .where(
        t.events.c.name == bindparam("b_name"),
        t.events.c.received_at >= bindparam("b_since", type_=Instant()),
    )
    .order_by(t.events.c.seq)
)
_INSERT_INBOX = t.inbox.insert()
_INSERT_STEP = t.steps.insert()
_FIRST_MATCH_PATH = (
    select(t.waits.c.match_path)
    .where(t.waits.c.event_name == bindparam("b_name"), t.waits.c.match_path.is_not(None))
    .order_by(t.waits.c.match_path)
    .limit(1)
)
_NEXT_MATCH_PATH = (
    select(t.waits.c.match_path)
    .where(t.waits.c.event_name == bindparam("b_name"),
           t.waits.c.match_path > bindparam("b_last"))
    .order_by(t.waits.c.match_path)
    .limit(1)
)


_SUPPRESSED = select(t.suppressions.c.address).where(
    t.suppressions.c.address == bindparam("b_address")
)
_SUPPRESSED_AMONG = select(t.suppressions.c.address).where(
    t.suppressions.c.address.in_(bindparam("b_addresses", expanding=True))
)


@lru_cache(maxsize=4)
def suppressed_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The one-address suppression SELECT as the driver takes it: its SQL text
    and, for a positional paramstyle, the order of its parameter names."""
    compiled = _SUPPRESSED.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None


@lru_cache(maxsize=16)
def _driver_form(
    statement: Any, dialect: Dialect, column_keys: tuple[str, ...] | None
) -> tuple[str, tuple[tuple[str, Any, Any], ...]]:
    """A statement compiled once for SQLite's driver: its SQL text and, per
    positional parameter, (name, the type's bind processor, default)."""
    keys = list(column_keys) if column_keys is not None else None
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    processors = compiled._bind_processors
    binds = compiled.binds
    return str(compiled), tuple(
        (name, processors.get(name), binds[name].value) for name in compiled.positiontup or ()
    )


def _execute_many(
    connection: Connection,
    statement: Any,
    rows: Sequence[Mapping[str, Any]],
    column_keys: tuple[str, ...] | None = None,
) -> None:
    """``connection.execute(statement, rows)`` for a hot executemany. On SQLite
    without SQLAlchemy's per-row parameter handling: the same SQL text and the
    same bind processors (JSON, Instant) applied here, the rows handed to the
    driver's executemany (errors still wrapped by SQLAlchemy)."""
    if connection.dialect.name != "sqlite":  # psycopg: SQLAlchemy's own path
        connection.execute(statement, list(rows))
        return
    sql, parameters = _driver_form(statement, connection.dialect, column_keys)
    driver_rows = [
        tuple(
            row.get(name, default) if process is None else process(row.get(name, default))
            for name, process, default in parameters
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, driver_rows)


@lru_cache(maxsize=2)
def _upserts(postgres: bool) -> tuple[Any, Any]:
    """The dialect's INSERT ... ON CONFLICT DO NOTHING RETURNING for events and runs."""
    insert = postgresql.insert if postgres else sqlite.insert
    event = insert(t.events).on_conflict_do_nothing(index_elements=["id"])
    run = insert(t.runs).on_conflict_do_nothing()
    return event.returning(t.events.c.seq), run.returning(t.runs.c.id)


@lru_cache(maxsize=64)
def _candidates_query(keys: int) -> Any:
    """The waits on an event name with no key, or with one of ``keys`` (path, value) keys."""
    w = t.waits.c
    base = select(*_WAIT_COLUMNS).where(w.event_name == bindparam("b_name"))
    queries = [base.where(w.match_path.is_(None))]
    queries += [
        base.where(w.match_path == bindparam(f"b_path{n}"), w.match_value == bindparam(f"b_key{n}"))
        for n in range(keys)
    ]
    return queries[0].union_all(*queries[1:]) if keys else queries[0]


class Transaction:
    """The named operations, bound to one connection inside a transaction."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._postgres = connection.dialect.name == "postgresql"
        # Set when this transaction makes a run due now: the store then wakes
        # the workers when it commits (NOTIFY flow_wakeup on PostgreSQL).
        self.wakes = False
        self._insert = postgresql.insert if self._postgres else sqlite.insert

    # ---- definitions -------------------------------------------------------

    def save_definition(
        self,
        workflow_id: str,
        hash: str,
        source_file: str,
        source_text: str,
        files: Mapping[str, str],
        now: datetime,
    ) -> None:
        """Keep the campaign snapshot a run will be pinned to; a known hash is a no-op."""
        statement = self._insert(t.definitions).values(
            hash=hash,
            workflow_id=workflow_id,
            source_file=source_file,
            source_text=source_text,
            files=dict(files),
            created_at=now,
        )
        self._c.execute(statement.on_conflict_do_nothing(index_elements=["hash"]))

    def load_definition(self, hash: str) -> Definition:
        d = t.definitions.c
        row = self._c.execute(
            select(d.hash, d.workflow_id, d.source_file, d.source_text, d.files).where(
                d.hash == hash
            )
        ).first()
        if row is None:
            raise NotFound(f"no definition with hash {hash}")
        return Definition(*row)

    # ---- events --------------------------------------------------------------

    def record_event(
        self, id: str, name: str, data: JSON, ts: datetime, received_at: datetime
    ) -> tuple[int, bool]:
        """Store an event once per ``id``: returns its seq and whether it is new."""
        row = {"id": id, "name": name, "data": data, "ts": ts, "received_at": received_at}
        seq = self._c.execute(_upserts(self._postgres)[0], row).scalar()
        if seq is not None:
            return int(seq), True
        existing = self._c.execute(_EVENT_SEQ, {"b_id": id}).scalar_one()
        return int(existing), False

    def record_events(self, events: Sequence[EventRecord]) -> list[bool]:
        """``record_event`` for many events in one multi-row INSERT: for each,
        whether it is new (a repeated id is new only its first time)."""
        return batches.record_events(self._c, events)

    def get_event(self, id: str) -> StoredEvent:
        row = self._c.execute(select(*_EVENT_COLUMNS).where(t.events.c.id == id)).first()
        if row is None:
            raise NotFound(f"no event with id {id}")
        return StoredEvent(*row)

    def events_since(self, event_name: str, since: datetime) -> list[StoredEvent]:
        """Events of that name received at or after ``since``, oldest first."""
        rows = self._c.execute(_EVENTS_SINCE, {"b_name": event_name, "b_since": since})
        return [StoredEvent(*row) for row in rows]

    # ---- runs ----------------------------------------------------------------

    def create_run(
        self,
        run_id: str,
        workflow_id: str,
        workflow_hash: str,
        idempotency_key: str | None,
        trigger_event_id: str | None,
        state: Mapping[str, JSON],
        now: datetime,
        status: str = "running",
    ) -> bool:
        """Create a run; False when its idempotency key already has one.

        ON CONFLICT DO NOTHING rather than catching the error, because on
        PostgreSQL an error would abort the whole (group) transaction.
        """
        row = {
            "id": run_id,
            "workflow_id": workflow_id,
            "workflow_hash": workflow_hash,
            "status": status,
            "state": dict(state),
            "idempotency_key": idempotency_key,
            "trigger_event_id": trigger_event_id,
            "created_at": now,
            "updated_at": now,
        }
        created = self._c.execute(_upserts(self._postgres)[1], row).first() is not None
        self.wakes |= created
        return created

    def start_run(
        self,
        run_id: str,
        workflow_id: str,
        workflow_hash: str,
        idempotency_key: str | None,
        trigger_event_id: str | None,
        state: Mapping[str, JSON],
        start: JSON,
        now: datetime,
    ) -> bool:
        """``create_run`` and ``enqueue(run_id, "start", start, now)`` in two
        statements instead of three: the run is inserted due now. False, with
        nothing queued, when its idempotency key already has a run."""
        row = {
            "id": run_id,
            "workflow_id": workflow_id,
            "workflow_hash": workflow_hash,
            "status": "running",
            "state": dict(state),
            "idempotency_key": idempotency_key,
            "trigger_event_id": trigger_event_id,
            "created_at": now,
            "updated_at": now,
            "wake_at": now,
        }
        if self._c.execute(_upserts(self._postgres)[1], row).first() is None:
            return False
        inbox = {"run_id": run_id, "kind": "start", "payload": start, "created_at": now}
        self._c.execute(_INSERT_INBOX, inbox)
        self.wakes = True
        return True

    def start_runs(self, starts: Sequence[RunStart], now: datetime) -> set[str]:
        """``start_run`` for many runs, in order, in two statements; returns the
        ids of the runs started (not those whose idempotency key had a run)."""
        started = batches.start_runs(self._c, starts, now)
        self.wakes |= bool(started)
        return started

    def enqueue_all(self, deliveries: Sequence[Delivery], now: datetime) -> set[str]:
        """``enqueue`` for many inputs, in order, in two statements; returns the
        ids of the runs that took them (not the finished or unknown ones)."""
        woken = batches.enqueue_all(self._c, deliveries, now)
        self.wakes |= bool(woken)
        return woken

    def enqueue(self, run_id: str, kind: InboxKind, payload: JSON, now: datetime) -> bool:
        """Queue an input for a run and make the run due now.

        Returns False, queueing nothing, when the run is finished or unknown.
        The run's row is updated first so that its lock orders this against a
        concurrent ``save_run`` on PostgreSQL.
        """
        woken = self._c.execute(_ENQUEUE_WAKE, {"b_id": run_id, "b_now": now}).rowcount
        if not woken:
            return False
        row = {"run_id": run_id, "kind": kind, "payload": payload, "created_at": now}
        self._c.execute(_INSERT_INBOX, row)
        self.wakes = True
        return True

    def reopen_run(self, run_id: str, now: datetime) -> bool:
        """Make a failed run running and due now, with a ``retry`` input queued.

        Returns False, changing nothing, unless the run exists and is failed.
        A failed run has no wake time and no lease, so no worker holds it.
        """
        r = t.runs.c
        reopened = self._c.execute(
            update(t.runs)
            .where(r.id == run_id, r.status == "failed")
            .values(status="running", wake_at=now, updated_at=now)
        ).rowcount
        if not reopened:
            return False
        self._c.execute(
            t.inbox.insert().values(run_id=run_id, kind="retry", payload={}, created_at=now)
        )
        self.wakes = True  # due now, like every sibling: a worker takes it at once
        return True

    def claim_due_runs(
        self,
        now: datetime,
        owner: str,
        lease_seconds: float,
        limit: int,
        run_ids: Sequence[str] | None = None,
    ) -> list[ClaimedRun]:
        """Lease up to ``limit`` due runs to ``owner``, earliest due first.

        PostgreSQL skips rows other claimers hold (FOR UPDATE SKIP LOCKED);
        SQLite's BEGIN IMMEDIATE already serialises claimers. ``run_ids``
        narrows the claim to those runs (``flow runs cancel`` applies at once). A claimed run's
        wake_at becomes its lease expiry, so it leaves the due range while
        leased and comes back by itself if its worker dies.
        """
        r = t.runs.c
        query: Select[Any] = (
            select(r.id, r.workflow_id, r.workflow_hash, r.status, r.state)
            .where(r.wake_at <= now, or_(r.lease_until.is_(None), r.lease_until < now))
            .order_by(r.wake_at)
            .limit(limit)
        )
        if run_ids is not None:
            query = query.where(r.id.in_(list(run_ids)))
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        rows = self._c.execute(query).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        until = now + timedelta(seconds=lease_seconds)
        self._c.execute(
            update(t.runs)
            .where(r.id.in_(ids))
            .values(lease_owner=owner, lease_until=until, wake_at=until)
        )
        inbox: dict[str, list[InboxItem]] = {run_id: [] for run_id in ids}
        i = t.inbox.c
        for run_id, seq, kind, payload in self._c.execute(
            select(i.run_id, i.seq, i.kind, i.payload).where(i.run_id.in_(ids)).order_by(i.seq)
        ):
            inbox[run_id].append(InboxItem(seq, kind, payload))
        return [
            ClaimedRun(
                row.id,
                row.workflow_id,
                row.workflow_hash,
                row.status,
                row.state,
                tuple(inbox[row.id]),
            )
            for row in rows
        ]

    def save_run(
        self,
        run_id: str,
        owner: str,
        status: str,
        state: Mapping[str, JSON],
        wake_at: datetime | None,
        now: datetime,
        consumed_inbox_upto: int | None,
    ) -> bool:
        """Store a run's new state and give up its lease.

        Returns False, changing nothing, when ``owner`` no longer holds the
        lease: another worker took the run over, and this one's work must be
        discarded (call this before ``record_steps``). Inbox rows up to
        ``consumed_inbox_upto`` are deleted. A finished run loses its wake
        time, its waits and any inputs still queued, which nothing will read.
        """
        save = RunSave(run_id, status, state, wake_at, consumed_inbox_upto)
        return bool(self.save_runs(owner, now, [save]))

    def save_runs(self, owner: str, now: datetime, saves: Sequence[RunSave]) -> set[str]:
        """``save_run`` for many runs in a handful of statements; returns the
        ids of the runs saved, those whose lease ``owner`` still held."""
        if not saves:
            return set()
        query = _LEASES_HELD.with_for_update() if self._postgres else _LEASES_HELD
        rows = self._c.execute(query, {"b_ids": [s.run_id for s in saves], "b_owner": owner})
        held = {row[0] for row in rows}
        kept = [save for save in saves if save.run_id in held]
        if not kept:
            return held
        _execute_many(
            self._c,
            _SAVE_RUN,
            [
                {
                    "b_id": save.run_id,
                    "b_owner": owner,
                    "b_status": save.status,
                    "b_state": dict(save.state),
                    "b_now": now,
                    "b_wake_at": None if save.status in FINISHED else save.wake_at,
                }
                for save in kept
            ],
        )
        finished = [save.run_id for save in kept if save.status in FINISHED]
        if finished:
            self._c.execute(_DELETE_INBOX_OF, {"b_ids": finished})
            self._c.execute(_DELETE_WAITS_OF, {"b_ids": finished})
        going = [save for save in kept if save.status not in FINISHED]
        consumed = [
            {"b_id": save.run_id, "b_upto": save.consumed_inbox_upto}
            for save in going
            if save.consumed_inbox_upto is not None
        ]
        if consumed:
            self._c.execute(_CONSUME_INBOX, consumed)
        if going:
            # Issued after the deletes, so on PostgreSQL it sees inbox rows
            # committed while this transaction waited for the rows' locks.
            ids = [save.run_id for save in going]
            self._c.execute(_WAKE_IF_INBOX, {"b_ids": ids, "b_now": now})
        return held

    def release(self, run_id: str, owner: str, now: datetime) -> bool:
        """Give a claimed run back untouched (at shutdown), due again at ``now``."""
        r = t.runs.c
        result = self._c.execute(
            update(t.runs)
            .where(r.id == run_id, r.lease_owner == owner)
            .values(lease_owner=None, lease_until=None, wake_at=now)
        )
        return bool(result.rowcount)

    def next_wake_at(self) -> datetime | None:
        """The earliest time any run will be due (a leased run's: its lease expiry)."""
        value: datetime | None = self._c.execute(select(func.min(t.runs.c.wake_at))).scalar()
        return value

    def count_unfinished(self) -> int:
        statement = select(func.count()).where(t.runs.c.status.not_in(_FINISHED))
        return int(self._c.execute(statement).scalar_one())

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        """For each status: (runs, of which due by ``due_by``), one grouped scan for /metrics."""
        r = t.runs.c
        due = func.sum(case((r.wake_at <= due_by, 1), else_=0))
        rows = self._c.execute(select(r.status, func.count(), due).group_by(r.status))
        return {status: (int(count), int(due or 0)) for status, count, due in rows}

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
        """The newest runs first, optionally of one status and one campaign."""
        r = t.runs.c
        query = select(*_RUN_COLUMNS).order_by(r.created_at.desc(), r.id).limit(limit)
        if status is not None:
            query = query.where(r.status == status)
        if workflow_id is not None:
            query = query.where(r.workflow_id == workflow_id)
        return [RunRecord(**row._mapping) for row in self._c.execute(query)]

    def replay_candidates(
        self,
        workflow_id: str,
        status: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        """Runs of a campaign in ``status`` created in [since, until), oldest
        first, leaving out those already replayed (a run whose idempotency key
        is ``replay:<their id>`` exists)."""
        r = t.runs.c
        replays = t.runs.alias("replays")
        replayed = (
            select(replays.c.id)
            .where(
                replays.c.workflow_id == r.workflow_id,
                replays.c.idempotency_key == literal(REPLAY_KEY_PREFIX) + r.id,
            )
            .exists()
        )
        query = (
            select(*_RUN_COLUMNS)
            .where(r.workflow_id == workflow_id, r.status == status, ~replayed)
            .order_by(r.created_at, r.id)
        )
        if since is not None:
            query = query.where(r.created_at >= since)
        if until is not None:
            query = query.where(r.created_at < until)
        if limit is not None:
            query = query.limit(limit)
        return [RunRecord(**row._mapping) for row in self._c.execute(query)]

    def get_run(self, run_id: str) -> RunDetail:
        row = self._c.execute(select(*_RUN_COLUMNS).where(t.runs.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"no run {run_id}")
        s = t.steps.c
        steps = self._c.execute(select(*_STEP_COLUMNS).where(s.run_id == run_id).order_by(s.seq))
        return RunDetail(RunRecord(**row._mapping), tuple(StepRecord(*step) for step in steps))

    # ---- steps ---------------------------------------------------------------

    def record_step(self, step: StepRecord) -> None:
        self.record_steps([step])

    def record_steps(self, steps: Sequence[StepRecord]) -> None:
        """Record completed step attempts, in one executemany.

        A second record of the same (run, step, visit, attempt) is refused:
        it would mean an attempt ran twice under one lease.
        """
        if steps:
            _execute_many(
                self._c,
                _INSERT_STEP,
                [{name: getattr(step, name) for name in StepRecord.__slots__} for step in steps],
                StepRecord.__slots__,
            )

    # ---- waits ---------------------------------------------------------------

    def add_wait(self, wait: Wait) -> None:
        self.add_waits([wait])

    def add_waits(self, waits: Sequence[Wait]) -> None:
        if waits:
            self._c.execute(t.waits.insert(), [_wait_row(wait) for wait in waits])

    def delete_waits(self, run_id: str, purpose: WaitPurpose | None = None) -> int:
        return self.delete_waits_of([run_id], purpose)

    def delete_waits_of(self, run_ids: Sequence[str], purpose: WaitPurpose | None = None) -> int:
        """Delete the waits of these runs (only those of ``purpose`` if given)."""
        if not run_ids:
            return 0
        if purpose is None:
            result = self._c.execute(_DELETE_WAITS_OF, {"b_ids": list(run_ids)})
        else:
            parameters = {"b_ids": list(run_ids), "b_purpose": purpose}
            result = self._c.execute(_DELETE_WAITS_OF_PURPOSE, parameters)
        return int(result.rowcount)

    def list_waits(self, run_id: str) -> list[Wait]:
        w = t.waits.c
        rows = self._c.execute(
            select(
                w.run_id,
                w.purpose,
                w.step_id,
                w.idx,
                w.event_name,
                w.match_path,
                w.match_value,
                w.timeout_at,
                w.since,
            )
            .where(w.run_id == run_id)
            .order_by(w.seq)
        )
        return [
            Wait(
                row.run_id,
                row.purpose,
                row.step_id,
                row.idx,
                row.event_name,
                row.match_path,
                None if row.match_value is None else json.loads(row.match_value),
                row.timeout_at,
                row.since,
            )
            for row in rows
        ]

    def candidate_waits(self, event_name: str, document: Mapping[str, JSON]) -> list[WaitCandidate]:
        """The waits an event may resolve, found by index only.

        ``document`` is the event as CEL sees it (``{"id", "name", "data",
        "ts"}``). For every path some wait on ``event_name`` is keyed by, the
        event's value there is looked up; waits with no key are all candidates.
        """
        keys = [
            (path, canonical(value))
            for path in self._match_paths(event_name)
            for found, value in [value_at(document, path)]
            if found
        ]
        parameters: dict[str, Any] = {"b_name": event_name}
        for n, (path, key) in enumerate(keys):
            parameters[f"b_path{n}"] = path
            parameters[f"b_key{n}"] = key
        rows = self._c.execute(_candidates_query(len(keys)), parameters)
        return [WaitCandidate(*row) for row in rows]

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[WaitCandidate]]:
        """``candidate_waits`` for each of several events of one name: the match
        paths are looked up once, and the waits in one query."""
        if not documents:
            return []
        paths = self._match_paths(event_name)
        return batches.candidate_waits_among(self._c, event_name, documents, paths)

    def _match_paths(self, event_name: str) -> list[str]:
        """The distinct match paths for an event name, by seeking the index once
        per path: a plain SELECT DISTINCT would walk one index entry per wait."""
        paths: list[str] = []
        path = self._c.execute(_FIRST_MATCH_PATH, {"b_name": event_name}).scalar()
        while path is not None:
            paths.append(path)
            after = {"b_name": event_name, "b_last": path}
            path = self._c.execute(_NEXT_MATCH_PATH, after).scalar()
        return paths

    # ---- cron ----------------------------------------------------------------

    def claim_cron_tick(self, workflow_id: str, tick_at: datetime) -> bool:
        """True for exactly one caller per (campaign, tick), across daemons."""
        statement = (
            self._insert(t.cron_ticks)
            .values(workflow_id=workflow_id, tick_at=tick_at)
            .on_conflict_do_nothing()
            .returning(t.cron_ticks.c.workflow_id)
        )
        return self._c.execute(statement).first() is not None

    def latest_cron_tick(self, workflow_id: str) -> datetime | None:
        """The latest tick of a campaign's cron triggers that some daemon claimed."""
        c = t.cron_ticks.c
        value: datetime | None = self._c.execute(
            select(func.max(c.tick_at)).where(c.workflow_id == workflow_id)
        ).scalar()
        return value

    # ---- suppressions ----------------------------------------------------------

    def add_suppression(self, address: str, reason: str, detail: str | None, now: datetime) -> bool:
        """Suppress ``address`` (compared lower-cased); False if it already was."""
        statement = (
            self._insert(t.suppressions)
            .values(address=address.lower(), reason=reason, detail=detail, created_at=now)
            .on_conflict_do_nothing(index_elements=["address"])
            .returning(t.suppressions.c.address)
        )
        return self._c.execute(statement).first() is not None

    def remove_suppression(self, address: str) -> bool:
        s = t.suppressions.c
        return (
            self._c.execute(delete(t.suppressions).where(s.address == address.lower())).rowcount > 0
        )

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        """Which of ``addresses`` are suppressed, lower-cased."""
        wanted = sorted({address.lower() for address in addresses})
        if not wanted:
            return set()
        if len(wanted) == 1:  # the common case, without an expanding IN to render
            found = self._c.execute(_SUPPRESSED, {"b_address": wanted[0]})
        else:
            found = self._c.execute(_SUPPRESSED_AMONG, {"b_addresses": wanted})
        return set(found.scalars())

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        s = t.suppressions.c
        rows = self._c.execute(
            select(s.address, s.reason, s.detail, s.created_at)
            .order_by(s.created_at.desc(), s.address)
            .limit(limit)
        )
        return [Suppression(*row) for row in rows]

    # ---- dashboard reads (queries in browsing.py) ------------------------------

    def search_runs(self, where: RunFilter) -> list[RunSummary]:
        return browsing.search_runs(self._c, where)

    def funnel(
        self, workflow_id: str, since: datetime | None, until: datetime | None
    ) -> dict[str, int]:
        return browsing.funnel(self._c, workflow_id, since, until)

    def count_runs(self, workflow_id: str, since: datetime | None, until: datetime | None) -> int:
        return browsing.count_runs(self._c, workflow_id, since, until)

    def list_events(
        self, before_seq: int | None = None, text: str | None = None, limit: int = 50
    ) -> list[EventRuns]:
        return browsing.list_events(self._c, before_seq, text, limit)

    def campaign_ids(self) -> list[str]:
        return browsing.campaign_ids(self._c)


def _wait_row(wait: Wait) -> dict[str, Any]:
    return {
        "run_id": wait.run_id,
        "purpose": wait.purpose,
        "step_id": wait.step_id,
        "idx": wait.idx,
        "event_name": wait.event_name,
        "match_path": wait.match_path,
        "match_value": None if wait.match_path is None else canonical(wait.match_value),
        "timeout_at": wait.timeout_at,
        "since": wait.since,
    }
