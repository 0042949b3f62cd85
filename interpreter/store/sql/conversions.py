"""Conversions: a run's conversion recorded once, the goal subscriptions that
outlive their run swept when their window closes, and the dashboard's
figures per campaign, each one GROUP BY over indexed columns.

The figures of whole days are sums over ``campaign_days`` (migration 0012)
and those of the whole hours beside them sums over ``campaign_hours``, which
database triggers keep as rows arrive (migration 0008 has the rules; the
days follow the hours); the partial hours at a period's edges are counted
from the rows by the same rules: a campaign's runs created then
(``runs_workflow_created``), their step rows through ``steps_attempt`` (run
id first), an email's opens and clicks as events whose data holds its id,
found through ``event_terms``. So a period of 30 days reads about 30 days
and 46 hours of sums and two hours of rows; the whole history one row per
day and figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, exists, func, select

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
from interpreter.store.sql.runs import created_in
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
        return _figures(self._counts(workflow_id, since, until, _FIGURES))

    def count_runs(self, workflow_id: str, since: Bound, until: Bound) -> int:
        """The runs of a campaign created in [since, until), as the page's
        figures are counted (metric ``started``, migration 0012)."""
        counts = self._counts(workflow_id, since, until, ("started",))
        return counts.get(("started", "", ""), 0)

    def _counts(
        self, workflow_id: str, since: Bound, until: Bound, metrics: tuple[str, ...]
    ) -> Counts:
        # Whole days from campaign_days, the whole hours beside them from
        # campaign_hours, the partial hours at the edges live from the rows.
        first, last = _whole(since, until, timedelta(hours=1))
        counts: Counts = {}
        if first is not None and last is not None and first >= last:
            self._live(counts, workflow_id, since, until, metrics)
            return counts
        if first is not None:
            self._live(counts, workflow_id, since, first, metrics)
        if last is not None:
            self._live(counts, workflow_id, last, until, metrics)
        for table, start, end in summed_spans(first, last):
            self._summed(counts, table, workflow_id, start, end, metrics)
        return counts

    def _summed(
        self,
        counts: Counts,
        table: Table,
        workflow_id: str,
        first: Bound,
        last: Bound,
        metrics: tuple[str, ...],
    ) -> None:
        """The sums of [first, last) from campaign_hours or campaign_days."""
        h = table.c
        at = h.day if "day" in h else h.hour
        query = (
            select(h.metric, h.step_id, h.path, func.sum(h.n))
            .where(h.workflow_id == workflow_id, h.metric.in_(metrics))
            .group_by(h.metric, h.step_id, h.path)
        )
        if first is not None:
            query = query.where(at >= first)
        if last is not None:
            query = query.where(at < last)
        for metric, step_id, path, n in self._c.execute(query):
            _add(counts, metric, step_id, path, int(n))

    def _live(
        self,
        counts: Counts,
        workflow_id: str,
        since: Bound,
        until: Bound,
        metrics: tuple[str, ...],
    ) -> None:
        """The figures of [since, until) from the rows, by campaign_hours' rules."""
        if metrics == ("started",):
            started = select(func.count()).select_from(t.runs).where(_r.workflow_id == workflow_id)
            _add(
                counts,
                "started",
                "",
                "",
                int(self._c.execute(created_in(started, since, until)).scalar_one()),
            )
            return
        converted = select(func.count()).select_from(t.conversions)
        converted = converted.where(_c.workflow_id == workflow_id)
        if since is not None:
            converted = converted.where(_c.run_created_at >= since)
        if until is not None:
            converted = converted.where(_c.run_created_at < until)
        _add(counts, "converted", "", "", int(self._c.execute(converted).scalar_one()))
        reached = (
            select(_s.step_id, func.count(_r.id.distinct()))
            .join_from(t.runs, t.steps, _s.run_id == _r.id)
            .where(_r.workflow_id == workflow_id, _s.status != "skipped")
            .group_by(_s.step_id)
        )
        for step_id, n in self._c.execute(created_in(reached, since, until)):
            _add(counts, "reached", step_id, "", int(n))
        path = _s.output["path"].as_string()
        paths = (
            select(_s.step_id, path, func.count(_r.id.distinct()), func.count(_c.run_id.distinct()))
            .select_from(t.runs)
            .join(t.steps, and_(_s.run_id == _r.id, _s.kind == "split"))
            .outerjoin(t.conversions, _c.run_id == _r.id)
            .where(_r.workflow_id == workflow_id, path.is_not(None))
            .group_by(_s.step_id, path)
        )
        for step_id, name, n, won in self._c.execute(created_in(paths, since, until)):
            _add(counts, "path", step_id, name, int(n))
            _add(counts, "won", step_id, name, int(won))
        email_id = func.lower(_s.output["id"].as_string())

        def seen(names: tuple[str, ...]) -> Any:
            hit = (
                select(_m.event_seq)
                .join_from(t.event_terms, t.events, _e.seq == _m.event_seq)
                .where(_m.term == email_id, _e.name.in_(names))
            )
            return func.sum(case((exists(hit), 1), else_=0))

        emails = (
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
        )
        for step_id, sent, opened, clicked in self._c.execute(created_in(emails, since, until)):
            _add(counts, "sent", step_id, "", int(sent))
            _add(counts, "opened", step_id, "", int(opened or 0))
            _add(counts, "clicked", step_id, "", int(clicked or 0))


# The metrics goal_figures reads (count_runs reads "started").
_FIGURES = ("reached", "path", "won", "converted", "sent", "opened", "clicked")

# (metric, step id, path) -> how many; '' where the metric has no step or path.
Counts = dict[tuple[str, str, str], int]


def _add(counts: Counts, metric: str, step_id: str, path: str, n: int) -> None:
    key = (metric, step_id, path)
    counts[key] = counts.get(key, 0) + n


def _figures(counts: Counts) -> GoalFigures:
    def of(metric: str) -> dict[tuple[str, str], int]:
        return {(k[1], k[2]): n for k, n in counts.items() if k[0] == metric and n}

    taken, won = of("path"), of("won")
    sent, opened, clicked = of("sent"), of("opened"), of("clicked")
    return GoalFigures(
        counts.get(("converted", "", ""), 0),
        tuple(PathFigures(s, p, n, won.get((s, p), 0)) for (s, p), n in sorted(taken.items())),
        tuple(
            EmailFigures(s, n, opened.get((s, ""), 0), clicked.get((s, ""), 0))
            for (s, _), n in sorted(sent.items())
        ),
        tuple(sorted((s, n) for (s, _), n in of("reached").items())),
    )


def summed_spans(first: Bound, last: Bound) -> list[tuple[Table, Bound, Bound]]:
    """Where the whole hours [first, last) are summed: their whole days from
    campaign_days, the hours beside those from campaign_hours."""
    day_first, day_last = _whole(first, last, timedelta(days=1))
    if day_first is not None and day_last is not None and day_first >= day_last:
        return [(t.campaign_hours, first, last)]
    return (
        [(t.campaign_days, day_first, day_last)]
        + ([(t.campaign_hours, first, day_first)] if first is not None else [])
        + ([(t.campaign_hours, day_last, last)] if last is not None else [])
    )


def whole_hours(since: Bound, until: Bound) -> tuple[Bound, Bound]:
    """The whole UTC hours inside [since, until): the first one's start and the
    end of the last (None for an open side)."""
    return _whole(since, until, timedelta(hours=1))


def _whole(since: Bound, until: Bound, unit: timedelta) -> tuple[Bound, Bound]:
    """The whole UTC hours (or days) inside [since, until): the first one's
    start and the end of the last (None for an open side)."""

    def floor(at: datetime) -> datetime:
        at = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return at.replace(hour=0) if unit == timedelta(days=1) else at

    first = None
    if since is not None:
        first = floor(since) if floor(since) == since else floor(since) + unit
    last = floor(until) if until is not None else None
    return first, last
