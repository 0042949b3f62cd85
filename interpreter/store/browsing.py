"""The dashboard's reads: run lists paged by key, events with their runs, funnels.

Each is one named query on a connection; ``Transaction`` exposes them and the
in-memory store implements the same operations. Pages are keyset-paged (never
OFFSET): a cursor is the last row's sort key, so the millionth page costs what
the first does. Search goes through ``event_terms`` (filled by a trigger), an
exact, case-insensitive match on any string in the trigger event's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, tuple_
from sqlalchemy.sql import Select

from interpreter.store import tables as t
from interpreter.store.records import JSON

# At most this many matching events are looked at by one search.
SEARCH_EVENTS = 10_000


@dataclass(frozen=True, slots=True)
class RunFilter:
    """What the runs page asks for; ``after`` is the (created_at, id) of the
    previous page's last run."""

    workflow_id: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run as the runs page lists it (no state document)."""

    id: str
    workflow_id: str
    status: str
    trigger_event_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EventRuns:
    """An event with the runs it started and the (run, wait step) it resumed."""

    seq: int
    id: str
    name: str
    data: JSON
    received_at: datetime
    started: tuple[str, ...]
    resumed: tuple[tuple[str, str], ...]


_SUMMARY = (
    t.runs.c.id,
    t.runs.c.workflow_id,
    t.runs.c.status,
    t.runs.c.trigger_event_id,
    t.runs.c.created_at,
    t.runs.c.updated_at,
)


def matching_event_ids(c: Connection, text: str, limit: int = SEARCH_EVENTS) -> list[str]:
    """Ids of events with ``text`` as one of their data's strings (any case)."""
    e, m = t.events.c, t.event_terms.c
    query = (
        select(e.id)
        .join_from(t.event_terms, t.events, e.seq == m.event_seq)
        .where(m.term == func.lower(text.strip()))
        .limit(limit)
    )
    return list(c.execute(query).scalars())


def search_runs(c: Connection, where: RunFilter) -> list[RunSummary]:
    """One page of runs, newest first, by (created_at, id) descending."""
    r = t.runs.c
    query: Select[Any] = (
        select(*_SUMMARY).order_by(r.created_at.desc(), r.id.desc()).limit(where.limit)
    )
    if where.text:
        # Two steps, so the plan is always: terms index, then runs by trigger event.
        ids = matching_event_ids(c, where.text)
        if not ids:
            return []
        query = query.where(r.trigger_event_id.in_(ids))
    if where.workflow_id:
        query = query.where(r.workflow_id == where.workflow_id)
    if where.status:
        query = query.where(r.status == where.status)
    if where.since is not None:
        query = query.where(r.created_at >= where.since)
    if where.until is not None:
        query = query.where(r.created_at < where.until)
    if where.after is not None:
        at, run_id = where.after
        query = query.where(
            or_(r.created_at < at, and_(r.created_at == at, r.id < run_id))
            if c.dialect.name == "sqlite"
            else tuple_(r.created_at, r.id) < tuple_(at, run_id)
        )
    return [RunSummary(*row) for row in c.execute(query)]


def funnel(
    c: Connection, workflow_id: str, since: datetime | None, until: datetime | None
) -> dict[str, int]:
    """For runs of the campaign created in [since, until): how many reached each
    step (recorded an attempt that was not skipped), by step id."""
    r, s = t.runs.c, t.steps.c
    query = (
        select(s.step_id, func.count(s.run_id.distinct()))
        .join_from(t.runs, t.steps, s.run_id == r.id)
        .where(r.workflow_id == workflow_id, s.status != "skipped")
        .group_by(s.step_id)
    )
    if since is not None:
        query = query.where(r.created_at >= since)
    if until is not None:
        query = query.where(r.created_at < until)
    return {step_id: int(count) for step_id, count in c.execute(query)}


def count_runs(
    c: Connection, workflow_id: str, since: datetime | None, until: datetime | None
) -> int:
    r = t.runs.c
    query = select(func.count()).select_from(t.runs).where(r.workflow_id == workflow_id)
    if since is not None:
        query = query.where(r.created_at >= since)
    if until is not None:
        query = query.where(r.created_at < until)
    return int(c.execute(query).scalar_one())


def list_events(
    c: Connection, before_seq: int | None = None, text: str | None = None, limit: int = 50
) -> list[EventRuns]:
    """Received events, newest first, with the runs they started or resumed."""
    e = t.events.c
    query = select(e.seq, e.id, e.name, e.data, e.received_at).order_by(e.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(e.seq < before_seq)
    if text:
        m = t.event_terms.c
        query = query.where(
            e.seq.in_(select(m.event_seq).where(m.term == func.lower(text.strip())))
        )
    rows = c.execute(query).all()
    started, resumed = _event_runs(c, [row.id for row in rows])
    return [
        EventRuns(
            row.seq,
            row.id,
            row.name,
            row.data,
            row.received_at,
            tuple(started.get(row.id, ())),
            tuple(resumed.get(row.id, ())),
        )
        for row in rows
    ]


def _event_runs(
    c: Connection, event_ids: Sequence[str]
) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
    started: dict[str, list[str]] = {}
    resumed: dict[str, list[tuple[str, str]]] = {}
    if not event_ids:
        return started, resumed
    r, x = t.runs.c, t.event_resumes.c
    for event_id, run_id in c.execute(
        select(r.trigger_event_id, r.id).where(r.trigger_event_id.in_(event_ids)).order_by(r.id)
    ):
        started.setdefault(event_id, []).append(run_id)
    for event_id, run_id, step_id in c.execute(
        select(x.event_id, x.run_id, x.step_id).where(x.event_id.in_(event_ids))
    ):
        resumed.setdefault(event_id, []).append((run_id, step_id))
    return started, resumed


def campaign_ids(c: Connection) -> list[str]:
    """Every campaign with a stored definition."""
    d = t.definitions.c
    return list(c.execute(select(d.workflow_id).distinct().order_by(d.workflow_id)).scalars())
