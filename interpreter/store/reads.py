"""``Store``: what the daemon, the CLI and the dashboard hold. Two faces share
it: the SQL ``SqlStore`` (``store.py``) and the in-memory ``MemoryStore``.

Each face opens transactions its own way; the read operations here, one short
read transaction each, are written once for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Self

from interpreter.store.operations import Transaction
from interpreter.store.records import (
    Bound,
    Definition,
    EventRuns,
    RunDetail,
    RunFilter,
    RunRecord,
    RunSummary,
    StoredEvent,
    Suppression,
    Wait,
)


class Store(ABC):
    """One store, opened with ``open_store`` (or ``MemoryStore()`` in tests)."""

    url: str  # safe to print: a password is hidden
    dialect: str  # "sqlite", "postgresql" or "memory"

    def __init__(self) -> None:
        # Called after a commit that made a run due: wakes this process's workers.
        self.on_wakeup: list[Callable[[], None]] = []

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction; it commits when the block ends without error."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Transaction]:
        """A read transaction: one consistent snapshot, taking no write lock."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the database (its connections); the store is done."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _woken(self) -> None:
        for wake in self.on_wakeup:
            wake()

    # ---- reads, each in a short read transaction of its own ----------------------

    def load_definition(self, hash: str) -> Definition:
        with self.reading() as tx:
            return tx.load_definition(hash)

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        with self.reading() as tx:
            return tx.suppressed_among(addresses)

    def get_event(self, id: str) -> StoredEvent:
        with self.reading() as tx:
            return tx.get_event(id)

    def list_waits(self, run_id: str) -> list[Wait]:
        with self.reading() as tx:
            return tx.list_waits(run_id)

    def next_wake_at(self) -> datetime | None:
        with self.reading() as tx:
            return tx.next_wake_at()

    def count_runs_by_status(self, due_by: datetime) -> dict[str, tuple[int, int]]:
        with self.reading() as tx:
            return tx.count_runs_by_status(due_by)

    def list_runs(
        self, status: str | None = None, workflow_id: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
        with self.reading() as tx:
            return tx.list_runs(status, workflow_id, limit)

    def replay_candidates(
        self, workflow_id: str, status: str, since: Bound, until: Bound, limit: int | None
    ) -> list[RunRecord]:
        with self.reading() as tx:
            return tx.replay_candidates(workflow_id, status, since, until, limit)

    def get_run(self, run_id: str) -> RunDetail:
        with self.reading() as tx:
            return tx.get_run(run_id)

    def search_runs(self, where: RunFilter) -> list[RunSummary]:
        with self.reading() as tx:
            return tx.search_runs(where)

    def funnel(self, workflow_id: str, since: Bound, until: Bound) -> dict[str, int]:
        with self.reading() as tx:
            return tx.funnel(workflow_id, since, until)

    def count_runs(self, workflow_id: str, since: Bound, until: Bound) -> int:
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
