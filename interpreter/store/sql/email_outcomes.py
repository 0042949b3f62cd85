"""Per email step, what the campaign page shows beside sends, opens and
clicks: the sends skipped (by why) and the emails unsubscribed from or
bounced. Skipped sends are summed from ``campaign_days`` and
``campaign_hours`` (migrations 0011, 0012) for a period's whole days and
hours, and counted from the rows only for the partial hour at each edge, as
``goal_figures`` does. Unsubscribes and bounces are few: their events are
read by name (``events_name_received``) and their strings looked up in
``email_sends`` by its key, rather than probing every email sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from interpreter.store import tables as t
from interpreter.store.conversion_records import BOUNCED, UNSUBSCRIBED, EmailOutcomes
from interpreter.store.event_terms import terms
from interpreter.store.records import Bound
from interpreter.store.sql._connection import OnConnection
from interpreter.store.sql.conversions import summed_spans, whole_hours
from interpreter.store.sql.runs import created_in

_r, _s, _e, _x = t.runs.c, t.steps.c, t.events.c, t.email_sends.c
_CHUNK = 500  # ids per IN list: well under SQLite's bound parameters


class EmailOutcomesReads(OnConnection):
    def email_outcomes(
        self, workflow_id: str, since: Bound, until: Bound
    ) -> dict[str, EmailOutcomes]:
        found: dict[str, dict[str, Any]] = {}

        def of(step_id: str) -> dict[str, Any]:
            return found.setdefault(step_id, {"skipped": {}, "unsubscribed": 0, "bounced": 0})

        for (step_id, reason), n in self._skipped(workflow_id, since, until).items():
            of(step_id)["skipped"][reason] = n
        for metric, names in (("unsubscribed", UNSUBSCRIBED), ("bounced", BOUNCED)):
            for step_id, n in self._emails_named(workflow_id, since, until, names).items():
                of(step_id)[metric] = n
        return {step_id: EmailOutcomes(**figures) for step_id, figures in found.items()}

    def _skipped(self, workflow_id: str, since: Bound, until: Bound) -> dict[tuple[str, str], int]:
        """(step, why) -> sends skipped, for runs created in [since, until)."""
        counts: dict[tuple[str, str], int] = {}
        first, last = whole_hours(since, until)
        if first is not None and last is not None and first >= last:
            self._skipped_rows(counts, workflow_id, since, until)
            return counts
        if first is not None:
            self._skipped_rows(counts, workflow_id, since, first)
        if last is not None:
            self._skipped_rows(counts, workflow_id, last, until)
        for table, start, end in summed_spans(first, last):
            h = table.c
            at = h.day if "day" in h else h.hour
            summed = (
                select(h.step_id, h.path, func.sum(h.n))
                .where(h.workflow_id == workflow_id, h.metric == "skipped")
                .group_by(h.step_id, h.path)
            )
            if start is not None:
                summed = summed.where(at >= start)
            if end is not None:
                summed = summed.where(at < end)
            for step_id, why, n in self._c.execute(summed):
                counts[(step_id, why)] = counts.get((step_id, why), 0) + int(n)
        return counts

    def _skipped_rows(
        self, counts: dict[tuple[str, str], int], workflow_id: str, since: Bound, until: Bound
    ) -> None:
        """The skipped sends of [since, until) from the rows, by the trigger's rule."""
        why = _s.output["skipped"].as_string()
        skipped = (
            select(_s.step_id, why, func.count())
            .join_from(t.runs, t.steps, _s.run_id == _r.id)
            .where(
                _r.workflow_id == workflow_id,
                _s.kind == "email.send",
                _s.status == "ok",
                why.is_not(None),
            )
            .group_by(_s.step_id, why)
        )
        for step_id, reason, n in self._c.execute(created_in(skipped, since, until)):
            key = (step_id, str(reason))
            counts[key] = counts.get(key, 0) + int(n)

    def _emails_named(
        self, workflow_id: str, since: Bound, until: Bound, names: tuple[str, ...]
    ) -> dict[str, int]:
        """Per step, the emails sent whose id (any case) is a string of the data
        of an event with one of these names: the rule opens and clicks follow."""
        strings: set[str] = set()
        for name in names:
            # One name at a time: with IN over names SQLite's planner, seeing a
            # few names share a big table, scans every event instead of the index.
            for (data,) in self._c.execute(select(_e.data).where(_e.name == name)):
                strings |= terms(data)
        sent: dict[str, set[int]] = {}
        ordered = sorted(strings)
        for first in range(0, len(ordered), _CHUNK):
            query = (
                select(_x.step_id, _x.step_seq)
                .join_from(t.email_sends, t.runs, _r.id == _x.run_id)
                .where(_x.email_id.in_(ordered[first : first + _CHUNK]))
                .where(_r.workflow_id == workflow_id)
            )
            for step_id, seq in self._c.execute(created_in(query, since, until)):
                sent.setdefault(step_id, set()).add(int(seq))
        return {step_id: len(seqs) for step_id, seqs in sent.items()}
