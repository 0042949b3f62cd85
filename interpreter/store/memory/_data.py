"""What the in-memory concerns share: the data one transaction works on, and
times kept as the SQL store keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from interpreter.errors import StoreError
from interpreter.store import records as rec
from interpreter.store.conversion_records import StoredConversion


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

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class OnData:
    """A concern's operations on the data of one transaction."""

    def __init__(self, data: Data) -> None:
        self._d = data
        self.wakes = False  # as in SQL: this transaction made a run due now


def utc(value: datetime) -> datetime:
    """As the SQL store keeps times: refuse naive ones, give back UTC."""
    if value.tzinfo is None:
        raise StoreError(f"naive datetime {value.isoformat()}: flow stores aware UTC times")
    return value.astimezone(UTC)
