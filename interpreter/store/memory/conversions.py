"""Conversions, in memory (as ``store/sql/conversions.py``): the same figures
by plain loops, opens and clicks found by the email's id among an event's
string values, as ``event_terms`` finds them."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from interpreter.store import conversion_records as cr
from interpreter.store import records as rec
from interpreter.store.memory._data import OnData, utc
from interpreter.store.memory.browsing import Browsing
from interpreter.store.records import Bound


class Conversions(OnData):
    def record_conversions(self, conversions: Sequence[cr.Conversion]) -> set[str]:
        new: set[str] = set()
        for c in conversions:
            run = self._d.runs.get(c.run_id)
            if run is None or c.run_id in self._d.conversions:
                continue
            fields = {name: copy.deepcopy(getattr(c, name)) for name in cr.Conversion.__slots__}
            fields["converted_at"] = utc(c.converted_at)
            self._d.conversions[c.run_id] = cr.StoredConversion(
                **fields, workflow_id=run.workflow_id, run_created_at=run.created_at
            )
            new.add(c.run_id)
        return new

    def list_conversions(self, run_ids: Sequence[str]) -> list[cr.StoredConversion]:
        wanted = sorted(set(run_ids))
        return [copy.deepcopy(self._d.conversions[i]) for i in wanted if i in self._d.conversions]

    def count_conversions(self, workflow_id: str | None = None) -> int:
        return sum(1 for c in self._d.conversions.values() if workflow_id in (None, c.workflow_id))

    def runs_by_id(self, run_ids: Sequence[str]) -> list[rec.RunRecord]:
        wanted = sorted(set(run_ids))
        return [copy.deepcopy(self._d.runs[i]) for i in wanted if i in self._d.runs]

    def drop_expired_goal_waits(self, now: datetime) -> int:
        before = len(self._d.waits)
        self._d.waits = [
            w
            for w in self._d.waits
            if not (w.purpose == "goal" and w.timeout_at is not None and w.timeout_at < now)
        ]
        return before - len(self._d.waits)

    def goal_figures(self, workflow_id: str, since: Bound, until: Bound) -> cr.GoalFigures:
        cohort = Browsing(self._d)._cohort(workflow_id, since, until)
        converted = {run_id for run_id in cohort if run_id in self._d.conversions}
        taken: dict[tuple[str, str], set[str]] = {}
        sends: dict[str, list[set[str]]] = {}
        for s in self._d.steps:
            if s.run_id not in cohort or not isinstance(s.output, dict):
                continue
            if s.kind == "split" and isinstance(s.output.get("path"), str):
                taken.setdefault((s.step_id, s.output["path"]), set()).add(s.run_id)
            elif sent(s):
                sends.setdefault(s.step_id, []).append({str(s.output["id"]).lower()})
        seen = {
            name: self.event_strings(names) for name, names in (("o", cr.OPENED), ("c", cr.CLICKED))
        }
        return cr.GoalFigures(
            len(converted),
            tuple(
                cr.PathFigures(step, path, len(runs), len(runs & converted))
                for (step, path), runs in sorted(taken.items())
            ),
            tuple(
                cr.EmailFigures(
                    step,
                    len(emails),
                    sum(1 for ids in emails if ids & seen["o"]),
                    sum(1 for ids in emails if ids & seen["c"]),
                )
                for step, emails in sorted(sends.items())
            ),
            tuple(sorted(Browsing(self._d).funnel(workflow_id, since, until).items())),
        )


def sent(step: rec.StepRecord) -> bool:
    """An email step's attempt that sent (not one skipped for a suppression)."""
    output = step.output
    return (
        step.kind == "email.send"
        and step.status == "ok"
        and isinstance(output, dict)
        and output.get("id") is not None
        and output.get("skipped") is None
    )
