"""Runs, their inbox, leases and step attempts, in memory (as ``store/sql/runs.py``)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from interpreter.core.model import FINISHED
from interpreter.errors import NotFound, StoreError
from interpreter.language.values import JSON
from interpreter.store import records as rec
from interpreter.store.memory._data import OnData, utc
from interpreter.store.records import Bound, Ids, InboxKind


class Runs(OnData):
    def start_runs(self, starts: Sequence[rec.RunStart], now: datetime) -> set[str]:
        now = utc(now)
        started: set[str] = set()
        for s in starts:
            if s.run_id in self._d.runs or (
                s.idempotency_key is not None
                and any(
                    r.workflow_id == s.workflow_id and r.idempotency_key == s.idempotency_key
                    for r in self._d.runs.values()
                )
            ):
                continue
            self._d.runs[s.run_id] = rec.RunRecord(
                s.run_id,
                s.workflow_id,
                s.workflow_hash,
                "running",
                copy.deepcopy(s.state),
                s.idempotency_key,
                s.trigger_event_id,
                now,
                now,
                now,
                None,
                None,
            )
            self._queue(s.run_id, "start", s.start)
            started.add(s.run_id)
        return started

    def enqueue_all(self, deliveries: Sequence[rec.Delivery], now: datetime) -> set[str]:
        woken: set[str] = set()
        for d in deliveries:
            if (run := self.unfinished(d.run_id)) is None:
                continue
            self._d.runs[d.run_id] = replace(run, wake_at=rec.earlier(run.wake_at, utc(now)))
            self._queue(d.run_id, d.kind, d.payload)
            woken.add(d.run_id)
        return woken

    def _queue(self, run_id: str, kind: InboxKind, payload: JSON) -> None:
        """Queue an input for a run made due now: the workers are woken on commit."""
        self._d.inbox.append(
            (run_id, rec.InboxItem(self._d.next_seq(), kind, copy.deepcopy(payload)))
        )
        self.wakes = True

    def reopen_run(self, run_id: str, now: datetime) -> bool:
        run = self._d.runs.get(run_id)
        if run is None or run.status != "failed":
            return False
        now = utc(now)
        self._d.runs[run_id] = replace(run, status="running", wake_at=now, updated_at=now)
        self._queue(run_id, "retry", {})
        return True

    def claim_due_runs(
        self, now: datetime, owner: str, lease: float, limit: int, run_ids: Ids = None
    ) -> list[rec.ClaimedRun]:
        due = sorted(
            (
                r
                for r in self._d.runs.values()
                if (run_ids is None or r.id in run_ids)
                and r.wake_at is not None
                and r.wake_at <= now
                and (r.lease_until is None or r.lease_until < now)
            ),
            key=lambda r: r.wake_at or now,
        )[:limit]
        until = utc(now) + timedelta(seconds=lease)
        claimed = []
        for run in due:
            self._d.runs[run.id] = replace(run, lease_owner=owner, lease_until=until, wake_at=until)
            inbox = tuple(item for rid, item in self._d.inbox if rid == run.id)
            # Taken over from another owner: its steps recorded ahead of its state.
            taken = run.lease_owner is not None
            recorded = tuple(s for s in self._d.steps if taken and s.run_id == run.id)
            fields = (run.id, run.workflow_id, run.workflow_hash, run.status, run.state)
            claimed.append(copy.deepcopy(rec.ClaimedRun(*fields, inbox, recorded)))
        return claimed

    def renew_leases(self, owner: str, run_ids: Sequence[str], until: datetime) -> set[str]:
        until = utc(until)
        held: set[str] = set()
        for run_id in run_ids:
            run = self._d.runs.get(run_id)
            if run is None or run.lease_owner != owner:
                continue
            held.add(run_id)
            wake_at = until if run.wake_at == run.lease_until else run.wake_at
            self._d.runs[run_id] = replace(run, lease_until=until, wake_at=wake_at)
        return held

    def record_steps_held(self, owner: str, run_id: str, steps: Sequence[rec.StepRecord]) -> bool:
        run = self._d.runs.get(run_id)
        if run is None or run.lease_owner != owner:
            return False
        self.record_steps(steps)
        return True

    def save_runs(self, owner: str, now: datetime, saves: Sequence[rec.RunSave]) -> set[str]:
        now = utc(now)
        held = {
            s.run_id
            for s in saves
            if getattr(self._d.runs.get(s.run_id), "lease_owner", None) == owner
        }
        for save in (s for s in saves if s.run_id in held):
            run_id, upto, finished = save.run_id, save.consumed_inbox_upto, save.status in FINISHED
            if finished:
                self._d.waits = [w for w in self._d.waits if w.run_id != run_id]
            # A finished run's inputs all go; a going run's up to what it consumed.
            self._d.inbox = [
                (rid, item)
                for rid, item in self._d.inbox
                if rid != run_id or (not finished and (upto is None or item.seq > upto))
            ]
            wake_at = None if finished or save.wake_at is None else utc(save.wake_at)
            if any(rid == run_id for rid, _ in self._d.inbox):
                wake_at = rec.earlier(wake_at, now)
            self._d.runs[run_id] = replace(
                self._d.runs[run_id],
                status=save.status,
                state=copy.deepcopy(dict(save.state)),
                updated_at=now,
                wake_at=wake_at,
                lease_owner=None,
                lease_until=None,
                step_id=save.step_id or self._d.runs[run_id].step_id,
            )
        return held

    def record_steps(self, steps: Sequence[rec.StepRecord]) -> None:
        known = {(s.run_id, s.step_id, s.visit, s.attempt) for s in self._d.steps}
        for step in steps:
            key = (step.run_id, step.step_id, step.visit, step.attempt)
            if key in known:
                raise StoreError(f"memory: steps already holds attempt {key}")
            known.add(key)
            started, finished = utc(step.started_at), utc(step.finished_at)
            stored = replace(copy.deepcopy(step), started_at=started, finished_at=finished)
            self._d.steps.append(stored)

    # ---- reads ------------------------------------------------------------------

    def next_wake_at(self) -> datetime | None:
        return min(
            (r.wake_at for r in self._d.runs.values() if r.wake_at is not None), default=None
        )

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        counts: dict[str, tuple[int, int]] = {}
        for r in self._d.runs.values():
            runs, due = counts.get(r.status, (0, 0))
            counts[r.status] = (runs + 1, due + (r.wake_at is not None and r.wake_at <= due_by))
        return counts

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[rec.RunRecord]:
        runs = [
            r
            for r in self._d.runs.values()
            if (status is None or r.status == status)
            and (workflow_id is None or r.workflow_id == workflow_id)
        ]
        runs.sort(key=lambda r: r.id)
        runs.sort(key=lambda r: r.created_at, reverse=True)
        return copy.deepcopy(runs[:limit])

    def replay_candidates(
        self, workflow_id: str, status: str, since: Bound, until: Bound, limit: int | None
    ) -> list[rec.RunRecord]:
        keys = {r.idempotency_key for r in self._d.runs.values() if r.workflow_id == workflow_id}
        runs = sorted(
            (
                r
                for r in self._d.runs.values()
                if r.workflow_id == workflow_id
                and r.status == status
                and (since is None or r.created_at >= since)
                and (until is None or r.created_at < until)
                and f"{rec.REPLAY_KEY_PREFIX}{r.id}" not in keys
            ),
            key=lambda r: (r.created_at, r.id),
        )
        return copy.deepcopy(runs[:limit])

    def get_run(self, run_id: str) -> rec.RunDetail:
        if run_id not in self._d.runs:
            raise NotFound(f"no run {run_id}")
        steps = tuple(s for s in self._d.steps if s.run_id == run_id)
        return copy.deepcopy(rec.RunDetail(self._d.runs[run_id], steps))
