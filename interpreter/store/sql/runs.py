"""Runs: started, fed inputs through their inbox, claimed under a lease and
saved with their step attempts; and the reads of runs outside the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, case, func, literal, or_, select, update
from sqlalchemy.sql import Select

from interpreter.core.model import FINISHED
from interpreter.errors import NotFound
from interpreter.language.values import JSON
from interpreter.store import records as rec
from interpreter.store import tables as t
from interpreter.store.records import Bound, Ids, InboxKind
from interpreter.store.sql._connection import IDS as _IDS
from interpreter.store.sql._connection import OnConnection, execute_many, insert_or_skip
from interpreter.store.sql.waits import DELETE_WAITS_OF
from interpreter.store.types import Document, Instant

_r, _i = t.runs.c, t.inbox.c
_NOW = bindparam("b_now", type_=Instant())
_INSERT_INBOX = t.inbox.insert()
_INSERT_STEP = t.steps.insert()
# records.earlier, in SQL: a run with an input to take is due now at the latest.
_LATER = or_(_r.wake_at.is_(None), _r.wake_at > _NOW)
# For the runs still going, which it returns: the runs that take the input.
_WAKE = (
    update(t.runs)
    .where(_r.id.in_(_IDS), _r.status.not_in(sorted(FINISHED)))
    .values(wake_at=case((_LATER, _NOW), else_=_r.wake_at))
    .returning(_r.id)
)
_REOPEN = (
    update(t.runs)
    .where(_r.id == bindparam("b_id"), _r.status == "failed")
    .values(status="running", wake_at=_NOW, updated_at=_NOW)
)
# In id order, so that on PostgreSQL concurrent writers lock rows in one order.
_LEASES_HELD = (
    select(_r.id).where(_r.id.in_(_IDS), _r.lease_owner == bindparam("b_owner")).order_by(_r.id)
)
_SAVE = (
    update(t.runs)
    .where(_r.id == bindparam("b_id"), _r.lease_owner == bindparam("b_owner"))
    .values(
        status=bindparam("b_status"),
        state=bindparam("b_state", type_=Document),
        updated_at=_NOW,
        wake_at=bindparam("b_wake_at", type_=Instant()),
        step_id=func.coalesce(bindparam("b_step", type_=String()), _r.step_id),
        lease_owner=None,
        lease_until=None,
    )
)
# A run that got new inputs while it was leased must stay due whatever the
# worker computed. A separate statement, so that on PostgreSQL it sees inbox
# rows committed while it waited for the runs' row locks.
_WAKE_IF_INBOX = (
    update(t.runs)
    .where(_r.id.in_(_IDS), _LATER, select(_i.seq).where(_i.run_id == _r.id).exists())
    .values(wake_at=_NOW)
)
_CONSUME_INBOX = t.inbox.delete().where(
    _i.run_id == bindparam("b_id"), _i.seq <= bindparam("b_upto")
)
_DELETE_INBOX_OF = t.inbox.delete().where(_i.run_id.in_(_IDS))
# What a run keeps of its RunStart, beside its id and its start input.
_STARTED = ("workflow_id", "workflow_hash", "state", "idempotency_key", "trigger_event_id")
_STEP_COLUMNS = tuple(t.steps.c[name] for name in rec.StepRecord.__slots__)
_UNTIL = bindparam("b_until", type_=Instant())
_RENEW_LEASES = (
    update(t.runs)
    .where(_r.id.in_(_IDS), _r.lease_owner == bindparam("b_owner"))
    .values(
        lease_until=_UNTIL, wake_at=case((_r.wake_at == _r.lease_until, _UNTIL), else_=_r.wake_at)
    )
)


def created_in(query: Select[Any], since: Bound, until: Bound) -> Select[Any]:
    """``query`` narrowed to runs created in [since, until)."""
    if since is not None:
        query = query.where(_r.created_at >= since)
    if until is not None:
        query = query.where(_r.created_at < until)
    return query


class Runs(OnConnection):
    def start_runs(self, starts: Sequence[rec.RunStart], now: datetime) -> set[str]:
        if not starts:
            return set()
        due = {"status": "running", "created_at": now, "updated_at": now, "wake_at": now}
        rows = [{"id": s.run_id, **{n: getattr(s, n) for n in _STARTED}, **due} for s in starts]
        upsert = insert_or_skip(t.runs, self._postgres, (), _r.id)
        started = set(self._c.execute(upsert, rows).scalars())
        self._queue([(s.run_id, "start", s.start) for s in starts if s.run_id in started], now)
        return started

    def enqueue_all(self, deliveries: Sequence[rec.Delivery], now: datetime) -> set[str]:
        # The runs' rows are updated first (in id order), so that on PostgreSQL
        # their locks order this against a concurrent save_runs.
        if not deliveries:
            return set()
        ids = sorted({d.run_id for d in deliveries})
        woken = set(self._c.execute(_WAKE, {"b_ids": ids, "b_now": now}).scalars())
        self._queue([(d.run_id, d.kind, d.payload) for d in deliveries if d.run_id in woken], now)
        return woken

    def _queue(self, items: Sequence[tuple[str, InboxKind, JSON]], now: datetime) -> None:
        """Insert inbox rows, (run, kind, payload) in order, for runs made due now."""
        rows = [{"run_id": r, "kind": k, "payload": p, "created_at": now} for r, k, p in items]
        if rows:
            self._c.execute(_INSERT_INBOX, rows)
            self.wakes = True

    def reopen_run(self, run_id: str, now: datetime) -> bool:
        # A failed run has no wake time and no lease, so no worker holds it.
        if not self._c.execute(_REOPEN, {"b_id": run_id, "b_now": now}).rowcount:
            return False
        self._queue([(run_id, "retry", {})], now)  # due now: a worker takes it at once
        return True

    def claim_due_runs(
        self, now: datetime, owner: str, lease: float, limit: int, run_ids: Ids = None
    ) -> list[rec.ClaimedRun]:
        # PostgreSQL skips rows other claimers hold (FOR UPDATE SKIP LOCKED);
        # SQLite's BEGIN IMMEDIATE already serialises claimers. A claimed run's
        # wake_at becomes its lease expiry, so it leaves the due range while leased.
        query: Select[Any] = (
            select(_r.id, _r.workflow_id, _r.workflow_hash, _r.status, _r.state, _r.lease_owner)
            .where(_r.wake_at <= now, or_(_r.lease_until.is_(None), _r.lease_until < now))
            .order_by(_r.wake_at)
            .limit(limit)
        )
        if run_ids is not None:
            query = query.where(_r.id.in_(list(run_ids)))
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        rows = self._c.execute(query).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        until = now + timedelta(seconds=lease)
        self._c.execute(
            update(t.runs)
            .where(_r.id.in_(ids))
            .values(lease_owner=owner, lease_until=until, wake_at=until)
        )
        inbox: dict[str, list[rec.InboxItem]] = {run_id: [] for run_id in ids}
        for run_id, seq, kind, payload in self._c.execute(
            select(_i.run_id, _i.seq, _i.kind, _i.payload)
            .where(_i.run_id.in_(ids))
            .order_by(_i.seq)
        ):
            inbox[run_id].append(rec.InboxItem(seq, kind, payload))
        # A run whose lease someone else held may have steps recorded ahead of
        # its state (record_steps_held); a run saved by its last owner has none.
        recorded: dict[str, list[rec.StepRecord]] = {r.id: [] for r in rows if r.lease_owner}
        if recorded:
            taken = select(*_STEP_COLUMNS).where(t.steps.c.run_id.in_(list(recorded)))
            for step in self._c.execute(taken):
                recorded[step.run_id].append(rec.StepRecord(*step))
        return [
            rec.ClaimedRun(
                row.id,
                row.workflow_id,
                row.workflow_hash,
                row.status,
                row.state,
                tuple(inbox[row.id]),
                tuple(recorded.get(row.id, ())),
            )
            for row in rows
        ]

    def renew_leases(self, owner: str, run_ids: Sequence[str], until: datetime) -> set[str]:
        if not run_ids:
            return set()
        held = self._held(owner, run_ids)
        if held:
            renewal = {"b_ids": sorted(held), "b_owner": owner, "b_until": until}
            self._c.execute(_RENEW_LEASES, renewal)
        return held

    def record_steps_held(self, owner: str, run_id: str, steps: Sequence[rec.StepRecord]) -> bool:
        # On PostgreSQL the run's row stays locked until commit, so a claimer
        # cannot take the run between the check and the commit.
        if not self._held(owner, [run_id]):
            return False
        self.record_steps(steps)
        return True

    def _held(self, owner: str, run_ids: Sequence[str]) -> set[str]:
        """The runs among ``run_ids`` whose lease ``owner`` holds, their rows
        locked on PostgreSQL (in id order) until the transaction ends."""
        query = _LEASES_HELD.with_for_update() if self._postgres else _LEASES_HELD
        rows = self._c.execute(query, {"b_ids": list(run_ids), "b_owner": owner})
        return {row[0] for row in rows}

    def save_runs(self, owner: str, now: datetime, saves: Sequence[rec.RunSave]) -> set[str]:
        if not saves:
            return set()
        held = self._held(owner, [s.run_id for s in saves])
        kept = [save for save in saves if save.run_id in held]
        if not kept:
            return held
        execute_many(
            self._c,
            _SAVE,
            [
                {
                    "b_id": save.run_id,
                    "b_owner": owner,
                    "b_status": save.status,
                    "b_state": dict(save.state),
                    "b_now": now,
                    "b_wake_at": None if save.status in FINISHED else save.wake_at,
                    "b_step": save.step_id,
                }
                for save in kept
            ],
        )
        finished = [save.run_id for save in kept if save.status in FINISHED]
        if finished:
            self._c.execute(_DELETE_INBOX_OF, {"b_ids": finished})
            self._c.execute(DELETE_WAITS_OF, {"b_ids": finished})
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

    def record_steps(self, steps: Sequence[rec.StepRecord]) -> None:
        # The unique (run, step, visit, attempt) constraint refuses a repeat.
        names = rec.StepRecord.__slots__
        if steps:
            rows = [{name: getattr(step, name) for name in names} for step in steps]
            execute_many(self._c, _INSERT_STEP, rows, names)

    # ---- reads ------------------------------------------------------------------

    def next_wake_at(self) -> datetime | None:
        value: datetime | None = self._c.execute(select(func.min(_r.wake_at))).scalar()
        return value

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        due = func.sum(case((_r.wake_at <= due_by, 1), else_=0))
        rows = self._c.execute(select(_r.status, func.count(), due).group_by(_r.status))
        return {status: (int(count), int(due or 0)) for status, count, due in rows}

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[rec.RunRecord]:
        query = select(t.runs).order_by(_r.created_at.desc(), _r.id).limit(limit)
        if status is not None:
            query = query.where(_r.status == status)
        if workflow_id is not None:
            query = query.where(_r.workflow_id == workflow_id)
        return [rec.RunRecord(*row) for row in self._c.execute(query)]

    def replay_candidates(
        self, workflow_id: str, status: str, since: Bound, until: Bound, limit: int | None
    ) -> list[rec.RunRecord]:
        replays = t.runs.alias("replays")
        replayed = (
            select(replays.c.id)
            .where(
                replays.c.workflow_id == _r.workflow_id,
                replays.c.idempotency_key == literal(rec.REPLAY_KEY_PREFIX) + _r.id,
            )
            .exists()
        )
        query = (
            select(t.runs)
            .where(_r.workflow_id == workflow_id, _r.status == status, ~replayed)
            .order_by(_r.created_at, _r.id)
        )
        query = created_in(query, since, until)
        return [rec.RunRecord(*row) for row in self._c.execute(query.limit(limit))]

    def get_run(self, run_id: str) -> rec.RunDetail:
        row = self._c.execute(select(t.runs).where(_r.id == run_id)).first()
        if row is None:
            raise NotFound(f"no run {run_id}")
        s = t.steps.c
        steps = self._c.execute(select(*_STEP_COLUMNS).where(s.run_id == run_id).order_by(s.seq))
        return rec.RunDetail(rec.RunRecord(*row), tuple(rec.StepRecord(*step) for step in steps))
