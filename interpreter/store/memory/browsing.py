"""The dashboard's reads, in memory (as ``store/sql/browsing.py``): a search
term is a string value of the event's data, lower-cased, up to 200 characters,
as the database triggers collect them; object keys are not terms."""

from __future__ import annotations

import copy

from interpreter.language.values import JSON
from interpreter.store import records
from interpreter.store.event_terms import terms
from interpreter.store.memory._data import OnData
from interpreter.store.records import Bound, EventRuns, RunFilter, RunSummary, recipient_of


class Browsing(OnData):
    def _term_events(self, text: str) -> list[str]:
        """The ids of the events with ``text`` as a term, oldest first."""
        term = text.strip().lower()
        found = sorted(self._d.events.values(), key=lambda e: e.seq)
        return [e.id for e in found if term in terms(e.data)]

    def search_runs(self, where: RunFilter) -> list[RunSummary]:
        events = set(self._term_events(where.text)[: records.SEARCH_EVENTS]) if where.text else None
        runs = [
            r
            for r in self._d.runs.values()
            if (events is None or r.trigger_event_id in events)
            and (not where.workflow_id or r.workflow_id == where.workflow_id)
            and (not where.status or r.status == where.status)
            and (not where.step_id or r.step_id == where.step_id)
            and (where.since is None or r.created_at >= where.since)
            and (where.until is None or r.created_at < where.until)
            and (where.after is None or (r.created_at, r.id) < where.after)
        ]
        runs.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        chosen = runs[: where.limit]
        ids = {r.id for r in chosen}
        sent_to: dict[str, str] = {}
        for s in self._d.steps:  # in the order recorded: the latest wins
            to = recipient_of(s.output) if s.kind == "email.send" and s.status == "ok" else None
            if s.run_id in ids and to is not None:
                sent_to[s.run_id] = to
        return [
            RunSummary(
                r.id,
                r.workflow_id,
                r.status,
                r.trigger_event_id,
                r.created_at,
                r.updated_at,
                r.step_id,
                r.wake_at,
                sent_to.get(r.id),
            )
            for r in chosen
        ]

    def runs_at_steps(
        self, workflow_id: str, since: Bound, until: Bound
    ) -> dict[str, dict[str, int]]:
        here: dict[str, dict[str, int]] = {}
        for run_id in self._cohort(workflow_id, since, until):
            r = self._d.runs[run_id]
            if r.status in records.GOING and r.step_id is not None:
                by_status = here.setdefault(r.step_id, {})
                by_status[r.status] = by_status.get(r.status, 0) + 1
        return here

    def _cohort(self, workflow_id: str, since: Bound, until: Bound) -> set[str]:
        return {
            r.id
            for r in self._d.runs.values()
            if r.workflow_id == workflow_id
            and (since is None or r.created_at >= since)
            and (until is None or r.created_at < until)
        }

    def funnel(self, workflow_id: str, since: Bound, until: Bound) -> dict[str, int]:
        cohort = self._cohort(workflow_id, since, until)
        reached: dict[str, set[str]] = {}
        for s in self._d.steps:
            if s.run_id in cohort and s.status != "skipped":
                reached.setdefault(s.step_id, set()).add(s.run_id)
        return {step_id: len(runs) for step_id, runs in reached.items()}

    def count_runs(self, workflow_id: str, since: Bound, until: Bound) -> int:
        return len(self._cohort(workflow_id, since, until))

    def replayed_as(self, workflow_id: str, run_id: str) -> str | None:
        key = f"{records.REPLAY_KEY_PREFIX}{run_id}"
        found = [
            r.id
            for r in self._d.runs.values()
            if r.workflow_id == workflow_id and r.idempotency_key == key
        ]
        return found[0] if found else None

    def list_events(
        self, before_seq: int | None = None, text: str | None = None, limit: int = 50
    ) -> list[EventRuns]:
        chosen = set(self._term_events(text)) if text else None  # uncapped, as in SQL
        events = sorted(
            (
                e
                for e in self._d.events.values()
                if (before_seq is None or e.seq < before_seq) and (chosen is None or e.id in chosen)
            ),
            key=lambda e: -e.seq,
        )[:limit]
        return [
            EventRuns(
                e.seq,
                e.id,
                e.name,
                copy.deepcopy(e.data),
                e.received_at,
                tuple(sorted(r.id for r in self._d.runs.values() if r.trigger_event_id == e.id)),
                tuple(
                    sorted(
                        {
                            (s.run_id, s.step_id)
                            for s in self._d.steps
                            if s.kind == "wait_for_event" and _resumed_by(s.output) == e.id
                        }
                    )
                ),
            )
            for e in events
        ]


def _resumed_by(output: JSON) -> JSON:
    """The id of the event a wait step's output records: the event itself (a
    single wait) or its ``event`` (a wait with ``any``), as migration 0007 reads it."""
    if not isinstance(output, dict):
        return None
    if isinstance(output.get("id"), str):
        return output["id"]
    event = output.get("event")
    return event.get("id") if isinstance(event, dict) else None
