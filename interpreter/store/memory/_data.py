"""What the in-memory concerns share: the data one transaction works on, and
times kept as the SQL store keeps them."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from interpreter.core.model import FINISHED
from interpreter.errors import StoreError
from interpreter.store import records as rec
from interpreter.store.conversion_records import StoredConversion
from interpreter.store.event_terms import terms


@dataclass
class Data:
    definitions: dict[str, rec.Definition] = field(default_factory=dict)
    events: dict[str, rec.StoredEvent] = field(default_factory=dict)
    runs: dict[str, rec.RunRecord] = field(default_factory=dict)
    steps: list[rec.StepRecord] = field(default_factory=list)
    waits: list[rec.Wait] = field(default_factory=list)
    inbox: list[tuple[str, rec.InboxItem]] = field(default_factory=list)
    cron_ticks: set[tuple[str, datetime]] = field(default_factory=set)
    suppressions: dict[tuple[str, str], rec.Suppression] = field(default_factory=dict)
    fan_outs: dict[tuple[str, str, int], rec.FanOutProgress] = field(default_factory=dict)
    throttle_turns: dict[str, dict[str, tuple[datetime, bool]]] = field(default_factory=dict)
    bursts: dict[tuple[str, str], rec.Burst] = field(default_factory=dict)
    conversions: dict[str, StoredConversion] = field(default_factory=dict)
    # (holder, address) -> (category, sent_at): the sends frequency caps count
    sends: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)
    seq: int = 0

    def working_copy(self) -> Data:
        """What one write transaction works on: fresh containers, shared records.

        A deep copy per transaction made the memory store quadratic (a
        for_each over thousands of runs spent most of its time copying). The
        records are frozen and every operation replaces an entry rather than
        changing one in place, so copying the containers is enough to let a
        failed block change nothing; ``throttle_turns`` is the one container
        of containers, so its inner dicts are copied too.
        """
        working = Data(**{f.name: copy.copy(getattr(self, f.name)) for f in fields(self)})
        working.throttle_turns = {queue: dict(h) for queue, h in self.throttle_turns.items()}
        return working

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class OnData:
    """A concern's operations on the data of one transaction."""

    def __init__(self, data: Data) -> None:
        self._d = data
        self.wakes = False  # as in SQL: this transaction made a run due now

    def unfinished(self, run_id: str) -> rec.RunRecord | None:
        """The run, unless there is none or it has finished: what a delivery
        or a cancel passes over."""
        run = self._d.runs.get(run_id)
        return None if run is None or run.status in FINISHED else run

    def event_strings(self, names: tuple[str, ...]) -> set[str]:
        """Every string in the data of the events of these names, lower-cased:
        what the SQL side's ``event_terms`` trigger keeps."""
        found: set[str] = set()
        for event in self._d.events.values():
            if event.name in names:
                found |= terms(event.data)
        return found


def utc(value: datetime) -> datetime:
    """As the SQL store keeps times: refuse naive ones, give back UTC."""
    if value.tzinfo is None:
        raise StoreError(f"naive datetime {value.isoformat()}: flow stores aware UTC times")
    return value.astimezone(UTC)
