"""Conversions: a run's conversion recorded once, the goal subscriptions that
outlive their run swept when their window closes, and the dashboard's
figures per campaign, each one GROUP BY over indexed columns.

The figures take a campaign's runs created in a period (``runs_workflow_created``)
and reach their step rows through ``steps_attempt`` (run id first). An email's
opens and clicks are events whose data holds its id, found through
``event_terms``, the index of every string in an event's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, select
from sqlalchemy.sql import Select

from interpreter.store import records as rec
from interpreter.store import tables as t
from interpreter.store.conversion_records import (
    CLICKED,
    OPENED,
    Conversion,
    EmailFigures,
    GoalFigures,
    PathFigures,
    StoredConversion,
)
from interpreter.store.records import Bound
from interpreter.store.sql._connection import OnConnection, insert_or_skip
from interpreter.store.types import Instant

_r, _s, _c = t.runs.c, t.steps.c, t.conversions.c
_e, _m, _w = t.events.c, t.event_terms.c, t.waits.c
_IDS: Any = bindparam("b_ids", expanding=True)
_CONVERSION_COLUMNS = tuple(_c[f.name] for f in fields(StoredConversion))
_RUNS_OF = select(_r.id, _r.workflow_id, _r.created_at).where(_r.id.in_(_IDS))
_LIST = select(*_CONVERSION_COLUMNS).where(_c.run_id.in_(_IDS)).order_by(_c.run_id)
_RUNS_BY_ID = select(t.runs).where(_r.id.in_(_IDS)).order_by(_r.id)
_SWEEP = t.waits.delete().where(
    _w.purpose == "goal",
    _w.timeout_at.is_not(None),
    _w.timeout_at < bindparam("b_now", type_=Instant()),
)


class Conversions(OnConnection):
    def record_conversions(self, conversions: Sequence[Conversion]) -> set[str]:
        if not conversions:
            return set()
        ids = sorted({c.run_id for c in conversions})
        runs = {row.id: row for row in self._c.execute(_RUNS_OF, {"b_ids": ids})}
        rows = [
            {
                **{name: getattr(c, name) for name in Conversion.__slots__},
                "workflow_id": runs[c.run_id].workflow_id,
                "run_created_at": runs[c.run_id].created_at,
            }
            for c in conversions
            if c.run_id in runs
        ]
        if not rows:
            return set()
        statement = insert_or_skip(t.conversions, self._postgres, (), _c.run_id)
        return set(self._c.execute(statement, rows).scalars())

    def list_conversions(self, run_ids: Sequence[str]) -> list[StoredConversion]:
        if not run_ids:
            return []
        rows = self._c.execute(_LIST, {"b_ids": list(run_ids)})
        return [StoredConversion(*row) for row in rows]

    def count_conversions(self, workflow_id: str | None = None) -> int:
        query = select(func.count()).select_from(t.conversions)
        if workflow_id is not None:
            query = query.where(_c.workflow_id == workflow_id)
        return int(self._c.execute(query).scalar_one())

    def runs_by_id(self, run_ids: Sequence[str]) -> list[rec.RunRecord]:
        if not run_ids:
            return []
        rows = self._c.execute(_RUNS_BY_ID, {"b_ids": sorted(set(run_ids))})
        return [rec.RunRecord(*row) for row in rows]

    def drop_expired_goal_waits(self, now: datetime) -> int:
        return int(self._c.execute(_SWEEP, {"b_now": now}).rowcount)

    def goal_figures(self, workflow_id: str, since: Bound, until: Bound) -> GoalFigures:
        converted = select(func.count()).select_from(t.conversions)
        converted = converted.where(_c.workflow_id == workflow_id)
        if since is not None:
            converted = converted.where(_c.run_created_at >= since)
        if until is not None:
            converted = converted.where(_c.run_created_at < until)
        return GoalFigures(
            int(self._c.execute(converted).scalar_one()),
            self._path_figures(workflow_id, since, until),
            self._email_figures(workflow_id, since, until),
        )

    def _path_figures(
        self, workflow_id: str, since: Bound, until: Bound
    ) -> tuple[PathFigures, ...]:
        path = _s.output["path"].as_string()
        query = (
            select(_s.step_id, path, func.count(_r.id.distinct()), func.count(_c.run_id.distinct()))
            .select_from(t.runs)
            .join(t.steps, and_(_s.run_id == _r.id, _s.kind == "split"))
            .outerjoin(t.conversions, _c.run_id == _r.id)
            .where(_r.workflow_id == workflow_id, path.is_not(None))
            .group_by(_s.step_id, path)
            .order_by(_s.step_id, path)
        )
        rows = self._c.execute(_runs_in(query, since, until))
        return tuple(PathFigures(step, name, int(n), int(won)) for step, name, n, won in rows)

    def _email_figures(
        self, workflow_id: str, since: Bound, until: Bound
    ) -> tuple[EmailFigures, ...]:
        ids = (
            func.lower(_s.output["id"].as_string()),
            func.lower(_s.output["provider_id"].as_string()),
        )

        def seen(names: tuple[str, ...]) -> Any:
            hit = (
                select(_m.event_seq)
                .join_from(t.event_terms, t.events, _e.seq == _m.event_seq)
                .where(_m.term.in_(ids), _e.name.in_(names))
            )
            return func.sum(case((exists(hit), 1), else_=0))

        query = (
            select(_s.step_id, func.count(), seen(OPENED), seen(CLICKED))
            .select_from(t.runs)
            .join(t.steps, and_(_s.run_id == _r.id, _s.kind == "email.send"))
            .where(
                _r.workflow_id == workflow_id,
                _s.status == "ok",
                _s.output["id"].as_string().is_not(None),
                _s.output["skipped"].as_string().is_(None),
            )
            .group_by(_s.step_id)
            .order_by(_s.step_id)
        )
        rows = self._c.execute(_runs_in(query, since, until))
        return tuple(
            EmailFigures(step, int(sent), int(opened or 0), int(clicked or 0))
            for step, sent, opened, clicked in rows
        )


def _runs_in(query: Select[Any], since: Bound, until: Bound) -> Select[Any]:
    if since is not None:
        query = query.where(_r.created_at >= since)
    if until is not None:
        query = query.where(_r.created_at < until)
    return query
