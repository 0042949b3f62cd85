"""``Store``: the database flow keeps its runs in, behind named operations.

Writes happen in ``with store.transaction() as tx:`` so the engine can commit
several runs' outcomes together; the read methods here each open a short read
transaction of their own, for the CLI and for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from interpreter.errors import StoreError
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
from interpreter.store.transaction import Transaction, suppressed_sql

# Connection execution option read by the SQLite ``begin`` hook: write
# transactions take the write lock up front (BEGIN IMMEDIATE), so two writers
# queue on the busy timeout instead of one failing at its first write.
WRITE_OPTION = "flow_write"
# The channel a transaction that makes a run due notifies on PostgreSQL.
WAKEUP_CHANNEL = "flow_wakeup"


class Store:
    """One database, SQLite or PostgreSQL, opened with ``open_store``."""

    def __init__(self, engine: Engine, display_url: str) -> None:
        self._engine = engine
        self.url = display_url  # the password hidden: safe to print
        self.dialect = engine.dialect.name
        # Called after a commit that made a run due: wakes this process's workers.
        self.on_wakeup: list[Callable[[], None]] = []

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction; it commits when the block ends without error."""
        with self._open(write=True) as tx:
            yield tx

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read transaction: one consistent snapshot, taking no write lock."""
        with self._open(write=False) as tx:
            yield tx

    @contextmanager
    def _open(self, *, write: bool) -> Iterator[Transaction]:
        try:
            with self._engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: write})
                with connection.begin():
                    tx = Transaction(connection)
                    yield tx
                    if tx.wakes and self.dialect == "postgresql":
                        # Delivered when (and only if) the transaction commits.
                        connection.exec_driver_sql(f"NOTIFY {WAKEUP_CHANNEL}")
        except SQLAlchemyError as error:
            raise StoreError(f"{self.url}: {describe(error)}") from error
        if tx.wakes:
            for wake in self.on_wakeup:
                wake()

    # ---- reads -----------------------------------------------------------------

    def load_definition(self, hash: str) -> Definition:
        with self.reading() as tx:
            return tx.load_definition(hash)

    def suppressed_among(self, addresses: Sequence[str]) -> set[str]:
        """Which of ``addresses`` are suppressed, lower-cased.

        ``email.send`` asks before every email, and a read transaction through
        SQLAlchemy costs more than the look-up. For one address (the common
        case) the prebuilt SELECT runs on a pooled driver connection: a single
        statement reads the current committed state by itself (SQLite runs it in
        autocommit; on PostgreSQL the pool rolls the connection back on return).
        """
        wanted = {address.lower() for address in addresses}
        if len(wanted) != 1:
            with self.reading() as tx:
                return tx.suppressed_among(addresses)
        sql, names = suppressed_sql(self._engine.dialect)
        values = {"b_address": wanted.pop()}
        parameters = tuple(values[name] for name in names) if names is not None else values
        try:
            connection = self._engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(sql, parameters)
                found = {str(row[0]) for row in cursor.fetchall()}
                cursor.close()
            finally:
                connection.close()  # back to the pool, rolled back
        except (SQLAlchemyError, self._engine.dialect.loaded_dbapi.Error) as error:
            raise StoreError(f"{self.url}: {describe(error)}") from error
        return found

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


def describe(error: BaseException) -> str:
    """The first line of the driver's message, without SQLAlchemy's decorations."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
