"""An in-memory store with the same named operations, for fast unit tests.

It keeps plain dicts and lists behind one lock; a write transaction works on
a deep copy and swaps it in on success, so a failed block changes nothing,
as with a database. Leases, dedup and the wait key behave as in SQL.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from interpreter.core.model import FINISHED
from interpreter.errors import NotFound, StoreError
from interpreter.store.browsing import SEARCH_EVENTS, EventRuns, RunFilter, RunSummary
from interpreter.store.matching import canonical, value_at
from interpreter.store.reads import ReadThroughTransactions
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


@dataclass
class _Data:
    definitions: dict[str, Definition] = field(default_factory=dict)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    runs: dict[str, RunRecord] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    waits: list[tuple[int, Wait]] = field(default_factory=list)
    inbox: list[tuple[str, InboxItem]] = field(default_factory=list)
    cron_ticks: set[tuple[str, datetime]] = field(default_factory=set)
    suppressions: dict[str, Suppression] = field(default_factory=dict)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def _utc(value: datetime) -> datetime:
    """As the SQL store keeps times: refuse naive ones, give back UTC."""
    if value.tzinfo is None:
        raise StoreError(f"naive datetime {value.isoformat()}: flow stores aware UTC times")
    return value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


class MemoryTransaction:
    """The operations of ``interpreter.store.Transaction``, on dicts."""

    def __init__(self, data: _Data) -> None:
        self._d = data

    def save_definition(
        self,
        workflow_id: str,
        hash: str,
        source_file: str,
        source_text: str,
        files: Mapping[str, str],
        now: datetime,
    ) -> None:
        definition = Definition(hash, workflow_id, source_file, source_text, dict(files))
        self._d.definitions.setdefault(hash, definition)

    def load_definition(self, hash: str) -> Definition:
        if hash not in self._d.definitions:
            raise NotFound(f"no definition with hash {hash}")
        return copy.deepcopy(self._d.definitions[hash])

    def record_event(
        self, id: str, name: str, data: JSON, ts: datetime, received_at: datetime
    ) -> tuple[int, bool]:
        ts, received_at = _utc(ts), _utc(received_at)
        if id in self._d.events:
            return self._d.events[id].seq, False
        seq = self._d.next_seq()
        self._d.events[id] = StoredEvent(seq, id, name, copy.deepcopy(data), ts, received_at)
        return seq, True

    def record_events(self, events: Sequence[EventRecord]) -> list[bool]:
        return [
            self.record_event(e.id, e.name, e.data, e.ts, e.received_at)[1] for e in events
        ]

    def get_event(self, id: str) -> StoredEvent:
        if id not in self._d.events:
            raise NotFound(f"no event with id {id}")
        return copy.deepcopy(self._d.events[id])

    def events_since(self, event_name: str, since: datetime) -> list[StoredEvent]:
        found = [
            e for e in self._d.events.values() if e.name == event_name and e.received_at >= since
        ]
        return copy.deepcopy(sorted(found, key=lambda e: e.seq))

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
        now = _utc(now)
        if run_id in self._d.runs or (
            idempotency_key is not None
            and any(
                r.workflow_id == workflow_id and r.idempotency_key == idempotency_key
                for r in self._d.runs.values()
            )
        ):
            return False
        self._d.runs[run_id] = RunRecord(
            run_id, workflow_id, workflow_hash, status, copy.deepcopy(dict(state)),
            idempotency_key, trigger_event_id, now, now, None, None, None,
        )  # fmt: skip
        return True

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
        created = self.create_run(
            run_id, workflow_id, workflow_hash, idempotency_key, trigger_event_id, state, now
        )
        return created and self.enqueue(run_id, "start", start, now)

    def start_runs(self, starts: Sequence[RunStart], now: datetime) -> set[str]:
        return {
            start.run_id
            for start in starts
            if self.start_run(
                start.run_id, start.workflow_id, start.workflow_hash, start.idempotency_key,
                start.trigger_event_id, start.state, start.start, now,
            )
        }  # fmt: skip

    def enqueue_all(self, deliveries: Sequence[Delivery], now: datetime) -> set[str]:
        return {d.run_id for d in deliveries if self.enqueue(d.run_id, d.kind, d.payload, now)}

    def enqueue(self, run_id: str, kind: InboxKind, payload: JSON, now: datetime) -> bool:
        run = self._d.runs.get(run_id)
        if run is None or run.status in FINISHED:
            return False
        if run.wake_at is None or run.wake_at > now:
            self._d.runs[run_id] = replace(run, wake_at=_utc(now))
        item = InboxItem(self._d.next_seq(), kind, copy.deepcopy(payload))
        self._d.inbox.append((run_id, item))
        return True

    def reopen_run(self, run_id: str, now: datetime) -> bool:
        run = self._d.runs.get(run_id)
        if run is None or run.status != "failed":
            return False
        now = _utc(now)
        self._d.runs[run_id] = replace(run, status="running", wake_at=now, updated_at=now)
        self._d.inbox.append((run_id, InboxItem(self._d.next_seq(), "retry", {})))
        return True

    def claim_due_runs(
        self,
        now: datetime,
        owner: str,
        lease_seconds: float,
        limit: int,
        run_ids: Sequence[str] | None = None,
    ) -> list[ClaimedRun]:
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
        until = _utc(now) + timedelta(seconds=lease_seconds)
        claimed = []
        for run in due:
            self._d.runs[run.id] = replace(run, lease_owner=owner, lease_until=until, wake_at=until)
            inbox = tuple(item for rid, item in self._d.inbox if rid == run.id)
            recorded = tuple(s for s in self._d.steps if s.run_id == run.id and run.lease_owner)
            claimed.append(
                ClaimedRun(run.id, run.workflow_id, run.workflow_hash, run.status,
                           copy.deepcopy(run.state), copy.deepcopy(inbox),
                           copy.deepcopy(recorded))
            )  # fmt: skip
        return claimed

    def renew_leases(self, owner: str, run_ids: Sequence[str], until: datetime) -> set[str]:
        until = _utc(until)
        held: set[str] = set()
        for run_id in run_ids:
            run = self._d.runs.get(run_id)
            if run is None or run.lease_owner != owner:
                continue
            held.add(run_id)
            wake_at = until if run.wake_at == run.lease_until else run.wake_at
            self._d.runs[run_id] = replace(run, lease_until=until, wake_at=wake_at)
        return held

    def record_steps_held(self, owner: str, run_id: str, steps: Sequence[StepRecord]) -> bool:
        run = self._d.runs.get(run_id)
        if run is None or run.lease_owner != owner:
            return False
        self.record_steps(steps)
        return True

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
        now, wake_at = _utc(now), _utc_or_none(wake_at)
        run = self._d.runs.get(run_id)
        if run is None or run.lease_owner != owner:
            return False
        finished = status in FINISHED
        if finished:
            self._d.inbox = [(rid, item) for rid, item in self._d.inbox if rid != run_id]
            self._d.waits = [(seq, w) for seq, w in self._d.waits if w.run_id != run_id]
            wake_at = None
        elif consumed_inbox_upto is not None:
            self._d.inbox = [
                (rid, item)
                for rid, item in self._d.inbox
                if rid != run_id or item.seq > consumed_inbox_upto
            ]
        if any(rid == run_id for rid, _ in self._d.inbox) and (wake_at is None or wake_at > now):
            wake_at = now
        self._d.runs[run_id] = replace(
            run, status=status, state=copy.deepcopy(dict(state)), updated_at=now,
            wake_at=wake_at, lease_owner=None, lease_until=None,
        )  # fmt: skip
        return True

    def save_runs(self, owner: str, now: datetime, saves: Sequence[RunSave]) -> set[str]:
        return {
            save.run_id
            for save in saves
            if self.save_run(save.run_id, owner, save.status, save.state, save.wake_at, now,
                             save.consumed_inbox_upto)
        }  # fmt: skip

    def release(self, run_id: str, owner: str, now: datetime) -> bool:
        run = self._d.runs.get(run_id)
        if run is None or run.lease_owner != owner:
            return False
        self._d.runs[run_id] = replace(run, lease_owner=None, lease_until=None, wake_at=_utc(now))
        return True

    def next_wake_at(self) -> datetime | None:
        times = [r.wake_at for r in self._d.runs.values() if r.wake_at is not None]
        return min(times, default=None)

    def count_unfinished(self) -> int:
        return sum(r.status not in FINISHED for r in self._d.runs.values())

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        counts: dict[str, tuple[int, int]] = {}
        for r in self._d.runs.values():
            runs, due = counts.get(r.status, (0, 0))
            counts[r.status] = (runs + 1, due + (r.wake_at is not None and r.wake_at <= due_by))
        return counts

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
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
        self,
        workflow_id: str,
        status: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        keys = {r.idempotency_key for r in self._d.runs.values() if r.workflow_id == workflow_id}
        runs = sorted(
            (
                r
                for r in self._d.runs.values()
                if r.workflow_id == workflow_id
                and r.status == status
                and (since is None or r.created_at >= since)
                and (until is None or r.created_at < until)
                and f"{REPLAY_KEY_PREFIX}{r.id}" not in keys
            ),
            key=lambda r: (r.created_at, r.id),
        )
        return copy.deepcopy(runs[:limit])

    def get_run(self, run_id: str) -> RunDetail:
        if run_id not in self._d.runs:
            raise NotFound(f"no run {run_id}")
        steps = tuple(s for s in self._d.steps if s.run_id == run_id)
        return copy.deepcopy(RunDetail(self._d.runs[run_id], steps))

    def record_step(self, step: StepRecord) -> None:
        self.record_steps([step])

    def record_steps(self, steps: Sequence[StepRecord]) -> None:
        known = {(s.run_id, s.step_id, s.visit, s.attempt) for s in self._d.steps}
        for step in steps:
            key = (step.run_id, step.step_id, step.visit, step.attempt)
            if key in known:
                raise StoreError(f"memory: steps already holds attempt {key}")
            known.add(key)
            started, finished = _utc(step.started_at), _utc(step.finished_at)
            stored = replace(copy.deepcopy(step), started_at=started, finished_at=finished)
            self._d.steps.append(stored)

    def add_wait(self, wait: Wait) -> None:
        self.add_waits([wait])

    def add_waits(self, waits: Sequence[Wait]) -> None:
        for wait in waits:
            stored = replace(
                wait,
                match_value=None if wait.match_path is None else wait.match_value,
                timeout_at=_utc_or_none(wait.timeout_at),
                since=_utc(wait.since),
            )
            self._d.waits.append((self._d.next_seq(), copy.deepcopy(stored)))

    def delete_waits(self, run_id: str, purpose: WaitPurpose | None = None) -> int:
        return self.delete_waits_of([run_id], purpose)

    def delete_waits_of(self, run_ids: Sequence[str], purpose: WaitPurpose | None = None) -> int:
        doomed_runs = set(run_ids)

        def doomed(w: Wait) -> bool:
            return w.run_id in doomed_runs and (purpose is None or w.purpose == purpose)

        before = len(self._d.waits)
        self._d.waits = [(seq, w) for seq, w in self._d.waits if not doomed(w)]
        return before - len(self._d.waits)

    def list_waits(self, run_id: str) -> list[Wait]:
        return copy.deepcopy([w for _, w in self._d.waits if w.run_id == run_id])

    def candidate_waits(self, event_name: str, document: Mapping[str, JSON]) -> list[WaitCandidate]:
        found = []
        for _, w in self._d.waits:
            if w.event_name != event_name:
                continue
            if w.match_path is not None:
                present, value = value_at(document, w.match_path)
                if not present or canonical(value) != canonical(w.match_value):
                    continue
            found.append(WaitCandidate(w.run_id, w.purpose, w.step_id, w.idx, w.since))
        return found

    def candidate_waits_among(
        self, event_name: str, documents: Sequence[Mapping[str, JSON]]
    ) -> list[list[WaitCandidate]]:
        return [self.candidate_waits(event_name, document) for document in documents]

    def claim_cron_tick(self, workflow_id: str, tick_at: datetime) -> bool:
        tick_at = _utc(tick_at)
        if (workflow_id, tick_at) in self._d.cron_ticks:
            return False
        self._d.cron_ticks.add((workflow_id, tick_at))
        return True

    def latest_cron_tick(self, workflow_id: str) -> datetime | None:
        ticks = [tick for campaign, tick in self._d.cron_ticks if campaign == workflow_id]
        return max(ticks, default=None)

    def add_suppression(self, address: str, reason: str, detail: str | None, now: datetime) -> bool:
        key = address.lower()
        if key in self._d.suppressions:
            return False
        self._d.suppressions[key] = Suppression(key, reason, detail, _utc(now))
        return True

    def remove_suppression(self, address: str) -> bool:
        return self._d.suppressions.pop(address.lower(), None) is not None

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        return {a.lower() for a in addresses if a.lower() in self._d.suppressions}

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        found = sorted(
            self._d.suppressions.values(), key=lambda s: (-s.created_at.timestamp(), s.address)
        )
        return found[:limit]

    # ---- dashboard reads (as browsing.py does them in SQL) --------------------

    def _term_events(self, text: str) -> set[str]:
        term = text.strip().lower()
        found = [e.id for e in self._d.events.values() if term in _strings(e.data)]
        return set(found[:SEARCH_EVENTS])

    def search_runs(self, where: RunFilter) -> list[RunSummary]:
        events = self._term_events(where.text) if where.text else None
        runs = [
            r
            for r in self._d.runs.values()
            if (events is None or r.trigger_event_id in events)
            and (not where.workflow_id or r.workflow_id == where.workflow_id)
            and (not where.status or r.status == where.status)
            and (where.since is None or r.created_at >= where.since)
            and (where.until is None or r.created_at < where.until)
            and (where.after is None or (r.created_at, r.id) < where.after)
        ]
        runs.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return [
            RunSummary(
                r.id, r.workflow_id, r.status, r.trigger_event_id, r.created_at, r.updated_at
            )
            for r in runs[: where.limit]
        ]

    def _cohort(self, workflow_id: str, since: datetime | None, until: datetime | None) -> set[str]:
        return {
            r.id
            for r in self._d.runs.values()
            if r.workflow_id == workflow_id
            and (since is None or r.created_at >= since)
            and (until is None or r.created_at < until)
        }

    def funnel(
        self, workflow_id: str, since: datetime | None, until: datetime | None
    ) -> dict[str, int]:
        cohort = self._cohort(workflow_id, since, until)
        reached: dict[str, set[str]] = {}
        for s in self._d.steps:
            if s.run_id in cohort and s.status != "skipped":
                reached.setdefault(s.step_id, set()).add(s.run_id)
        return {step_id: len(runs) for step_id, runs in reached.items()}

    def count_runs(self, workflow_id: str, since: datetime | None, until: datetime | None) -> int:
        return len(self._cohort(workflow_id, since, until))

    def list_events(
        self, before_seq: int | None = None, text: str | None = None, limit: int = 50
    ) -> list[EventRuns]:
        chosen = self._term_events(text) if text else None
        events = sorted(
            (
                e
                for e in self._d.events.values()
                if (before_seq is None or e.seq < before_seq) and (chosen is None or e.id in chosen)
            ),
            key=lambda e: -e.seq,
        )[:limit]
        result = []
        for e in events:
            started = sorted(r.id for r in self._d.runs.values() if r.trigger_event_id == e.id)
            resumed = sorted(
                {
                    (s.run_id, s.step_id)
                    for s in self._d.steps
                    if s.kind == "wait_for_event"
                    and isinstance(s.output, dict)
                    and s.output.get("id") == e.id
                }
            )
            result.append(
                EventRuns(
                    e.seq,
                    e.id,
                    e.name,
                    copy.deepcopy(e.data),
                    e.received_at,
                    tuple(started),
                    tuple(resumed),
                )
            )
        return result

    def campaign_ids(self) -> list[str]:
        return sorted({d.workflow_id for d in self._d.definitions.values()})


def _strings(value: JSON) -> set[str]:
    """The lower-cased strings (up to 200 characters) anywhere in a JSON value."""
    if isinstance(value, str):
        return {value.lower()} if len(value) <= 200 else set()
    if isinstance(value, dict):
        items: list[JSON] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return set()
    return set().union(*(_strings(item) for item in items)) if items else set()


class MemoryStore(ReadThroughTransactions):
    """``interpreter.store.Store`` without a database."""

    url = "memory:"
    dialect = "memory"

    def __init__(self) -> None:
        self._data = _Data()
        self._lock = threading.Lock()

    def close(self) -> None:
        pass

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            working = copy.deepcopy(self._data)
            yield MemoryTransaction(working)
            self._data = working

    # MemoryTransaction is no Transaction subclass, but offers the same named
    # operations; the inherited read wrappers rely on nothing more.
    @contextmanager
    def reading(self) -> Iterator[MemoryTransaction]:  # type: ignore[override]
        with self._lock:
            yield MemoryTransaction(self._data)
