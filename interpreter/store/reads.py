"""The read operations both stores offer, each in a short read transaction of
its own: ``Store`` and the in-memory ``MemoryStore`` differ only in how they
open ``reading()``, so the one-line wrappers live here once."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from interpreter.store.browsing import EventRuns, RunFilter, RunSummary
from interpreter.store.records import (
    JSON,
    Definition,
    RunDetail,
    RunRecord,
    StoredEvent,
    Suppression,
    Wait,
    WaitCandidate,
)
from interpreter.store.transaction import Transaction


class ReadThroughTransactions(ABC):
    @abstractmethod
    def reading(self) -> AbstractContextManager[Transaction]:
        """A read transaction offering the named operations."""

    def load_definition(self, hash: str) -> Definition:
        with self.reading() as tx:
            return tx.load_definition(hash)

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        with self.reading() as tx:
            return tx.suppressed_among(addresses)

    def get_event(self, id: str) -> StoredEvent:
        with self.reading() as tx:
            return tx.get_event(id)

    def events_since(self, event_name: str, since: datetime) -> list[StoredEvent]:
        with self.reading() as tx:
            return tx.events_since(event_name, since)

    def candidate_waits(self, event_name: str, document: Mapping[str, JSON]) -> list[WaitCandidate]:
        with self.reading() as tx:
            return tx.candidate_waits(event_name, document)

    def list_waits(self, run_id: str) -> list[Wait]:
        with self.reading() as tx:
            return tx.list_waits(run_id)

    def next_wake_at(self) -> datetime | None:
        with self.reading() as tx:
            return tx.next_wake_at()

    def count_unfinished(self) -> int:
        with self.reading() as tx:
            return tx.count_unfinished()

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        with self.reading() as tx:
            return tx.count_runs_by_status(due_by)

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
        with self.reading() as tx:
            return tx.list_runs(status, workflow_id, limit)

    def replay_candidates(
        self,
        workflow_id: str,
        status: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[RunRecord]:
        with self.reading() as tx:
            return tx.replay_candidates(workflow_id, status, since, until, limit)

    def get_run(self, run_id: str) -> RunDetail:
        with self.reading() as tx:
            return tx.get_run(run_id)

    # ---- dashboard reads ---------------------------------------------------------

    def search_runs(self, where: RunFilter) -> list[RunSummary]:
        with self.reading() as tx:
            return tx.search_runs(where)

    def funnel(
        self, workflow_id: str, since: datetime | None, until: datetime | None
    ) -> dict[str, int]:
        with self.reading() as tx:
            return tx.funnel(workflow_id, since, until)

    def count_runs(self, workflow_id: str, since: datetime | None, until: datetime | None) -> int:
        with self.reading() as tx:
            return tx.count_runs(workflow_id, since, until)

    def list_events(
        self, before_seq: int | None = None, text: str | None = None, limit: int = 50
    ) -> list[EventRuns]:
        with self.reading() as tx:
            return tx.list_events(before_seq, text, limit)

    def campaign_ids(self) -> list[str]:
        with self.reading() as tx:
            return tx.campaign_ids()

    def list_suppressions(self, limit: int = 1000) -> list[Suppression]:
        with self.reading() as tx:
            return tx.list_suppressions(limit)

