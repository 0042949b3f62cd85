"""The dashboard's reads: run lists paged by key, events with their runs, funnels.

Pages are keyset-paged (never OFFSET): a cursor is the last row's sort key, so
the millionth page costs what the first does. Search goes through
``event_terms`` (filled by a trigger from every string value, not the object
keys), an exact, case-insensitive match on a string in the event's data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.sql import Select

from interpreter.store import records
from interpreter.store import tables as t
from interpreter.store.records import Bound, EventRuns, RunFilter, RunSummary, recipient_of
from interpreter.store.sql._connection import OnConnection
from interpreter.store.sql.runs import created_in

_r, _e, _m = t.runs.c, t.events.c, t.event_terms.c
_SUMMARY = (
    _r.id,
    _r.workflow_id,
    _r.status,
    _r.trigger_event_id,
    _r.created_at,
    _r.updated_at,
    _r.step_id,
    _r.wake_at,
)
_s = t.steps.c


def _term(text: str) -> Any:
    return func.lower(text.strip())


class Browsing(OnConnection):
    def search_runs(self, where: RunFilter) -> list[RunSummary]:
        query: Select[Any] = (
            select(*_SUMMARY).order_by(_r.created_at.desc(), _r.id.desc()).limit(where.limit)
        )
        if where.text:
            # Two steps, so the plan is always: terms index, then runs by trigger event.
            matching = (
                select(_e.id)
                .join_from(t.event_terms, t.events, _e.seq == _m.event_seq)
                .where(_m.term == _term(where.text))
                .order_by(_m.event_seq)
                .limit(records.SEARCH_EVENTS)
            )
            ids = list(self._c.execute(matching).scalars())
            if not ids:
                return []
            query = query.where(_r.trigger_event_id.in_(ids))
        if where.workflow_id:
            query = query.where(_r.workflow_id == where.workflow_id)
        if where.status:
            query = query.where(_r.status == where.status)
        if where.step_id:
            query = query.where(_r.step_id == where.step_id)
        query = created_in(query, where.since, where.until)
        if where.after is not None:
            at, run_id = where.after
            query = query.where(
                or_(_r.created_at < at, and_(_r.created_at == at, _r.id < run_id))
                if not self._postgres
                else tuple_(_r.created_at, _r.id) < tuple_(at, run_id)
            )
        found = [RunSummary(*row) for row in self._c.execute(query)]
        sent_to = self._recipients([run.id for run in found])
        return [replace(run, recipient=sent_to.get(run.id)) for run in found]

    def _recipients(self, run_ids: list[str]) -> dict[str, str]:
        """Per run, the ``to`` of its latest email step (sent or skipped): one
        page of runs, found by the steps_attempt key's run_id."""
        if not run_ids:
            return {}
        query = (
            select(_s.run_id, _s.output)
            .where(_s.run_id.in_(run_ids), _s.kind == "email.send", _s.status == "ok")
            .order_by(_s.seq)
        )
        found: dict[str, str] = {}
        for run_id, output in self._c.execute(query):
            if (to := recipient_of(output)) is not None:
                found[run_id] = to  # the latest wins
        return found

    def runs_at_steps(
        self, workflow_id: str, since: Bound, until: Bound
    ) -> dict[str, dict[str, int]]:
        # One range of runs_workflow_status_step per status, read from the index alone.
        query = (
            select(_r.step_id, _r.status, func.count())
            .where(
                _r.workflow_id == workflow_id,
                _r.status.in_(records.GOING),
                _r.step_id.is_not(None),
            )
            .group_by(_r.step_id, _r.status)
        )
        here: dict[str, dict[str, int]] = {}
        for step_id, status, n in self._c.execute(created_in(query, since, until)):
            here.setdefault(step_id, {})[status] = int(n)
        return here

    def funnel(self, workflow_id: str, since: Bound, until: Bound) -> dict[str, int]:
        s = t.steps.c
        query = (
            select(s.step_id, func.count(s.run_id.distinct()))
            .join_from(t.runs, t.steps, s.run_id == _r.id)
            .where(_r.workflow_id == workflow_id, s.status != "skipped")
            .group_by(s.step_id)
        )
        return {
            step_id: int(count)
            for step_id, count in self._c.execute(created_in(query, since, until))
        }

    def replayed_as(self, workflow_id: str, run_id: str) -> str | None:
        # The runs_idempotency key: one row at most, found by its index.
        key = f"{records.REPLAY_KEY_PREFIX}{run_id}"
        query = select(_r.id).where(_r.workflow_id == workflow_id, _r.idempotency_key == key)
        found: str | None = self._c.execute(query).scalar_one_or_none()
        return found

    def list_events(
        self, before_seq: int | None = None, text: str | None = None, limit: int = 50
    ) -> list[EventRuns]:
        query = select(_e.seq, _e.id, _e.name, _e.data, _e.received_at)
        query = query.order_by(_e.seq.desc()).limit(limit)
        if before_seq is not None:
            query = query.where(_e.seq < before_seq)
        if text:
            query = query.where(_e.seq.in_(select(_m.event_seq).where(_m.term == _term(text))))
        rows = self._c.execute(query).all()
        event_ids = [row.id for row in rows]
        started: dict[str, list[str]] = {}
        resumed: dict[str, list[tuple[str, str]]] = {}
        x = t.event_resumes.c
        for event_id, run_id in self._c.execute(
            select(_r.trigger_event_id, _r.id)
            .where(_r.trigger_event_id.in_(event_ids))
            .order_by(_r.id)
        ):
            started.setdefault(event_id, []).append(run_id)
        for event_id, run_id, step_id in self._c.execute(
            select(x.event_id, x.run_id, x.step_id).where(x.event_id.in_(event_ids))
        ):
            resumed.setdefault(event_id, []).append((run_id, step_id))
        return [
            EventRuns(*row, tuple(started.get(row.id, ())), tuple(resumed.get(row.id, ())))
            for row in rows
        ]
