"""``SqlStore``: the database flow keeps its runs in, SQLite or PostgreSQL.

Writes happen in ``with store.transaction() as tx:`` (``BEGIN IMMEDIATE`` on
SQLite) so the engine can commit several runs' outcomes together (group
commit); the read methods (``operations.Store``) each open a short read transaction
of their own, for the CLI and for tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from interpreter.errors import StoreError
from interpreter.store.handle import Store
from interpreter.store.records import blocking
from interpreter.store.sql.browsing import Browsing
from interpreter.store.sql.bursts import Bursts
from interpreter.store.sql.conversions import Conversions
from interpreter.store.sql.cron import Cron
from interpreter.store.sql.definitions import Definitions
from interpreter.store.sql.email_outcomes import EmailOutcomesReads
from interpreter.store.sql.entry import Entry
from interpreter.store.sql.events import Events
from interpreter.store.sql.fan_outs import FanOuts
from interpreter.store.sql.runs import Runs
from interpreter.store.sql.sends import Sends
from interpreter.store.sql.suppressions import Suppressions, suppressed_sql
from interpreter.store.sql.throttles import Throttles
from interpreter.store.sql.waits import Waits

# Connection execution option read by the SQLite ``begin`` hook: write
# transactions take the write lock up front (BEGIN IMMEDIATE), so two writers
# queue on the busy timeout instead of one failing at its first write.
WRITE_OPTION = "flow_write"
# The channel a transaction that makes a run due notifies on PostgreSQL.
WAKEUP_CHANNEL = "flow_wakeup"


class SqlTransaction(
    Definitions,
    Events,
    Runs,
    Entry,
    Waits,
    Cron,
    Suppressions,
    Throttles,
    Browsing,
    EmailOutcomesReads,
    Bursts,
    Conversions,
    Sends,
    FanOuts,
):
    """Every named operation of ``operations.Transaction``, on one connection;
    each concern's statements live in its module under ``store/sql``."""


class SqlStore(Store):
    """One database, SQLite or PostgreSQL, opened with ``open_store``."""

    def __init__(self, engine: Engine, display_url: str) -> None:
        super().__init__()
        self._engine = engine
        self.url = display_url  # the password hidden: safe to print
        self.dialect = engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    def transaction(self) -> AbstractContextManager[SqlTransaction]:
        return self._open(write=True)

    def reading(self) -> AbstractContextManager[SqlTransaction]:
        return self._open(write=False)

    @contextmanager
    def _open(self, *, write: bool) -> Iterator[SqlTransaction]:
        try:
            with self._engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: write})
                with connection.begin():
                    tx = SqlTransaction(connection)
                    yield tx
                    if tx.wakes and self.dialect == "postgresql":
                        # Delivered when (and only if) the transaction commits.
                        connection.exec_driver_sql(f"NOTIFY {WAKEUP_CHANNEL}")
        except SQLAlchemyError as error:
            raise StoreError(f"{self.url}: {describe(error)}") from error
        if tx.wakes:
            self._woken()

    # ---- reads (the rest come from operations.Store) -------------------------------------

    def suppressed_among(
        self, addresses: Sequence[str], category: str | None = None
    ) -> dict[str, str | None]:
        """Which of ``addresses`` may not get an email of ``category`` (see the contract).

        ``email.send`` asks before every email, and a read transaction through
        SQLAlchemy costs more than the look-up. For one address (the common
        case) the prebuilt SELECT runs on a pooled driver connection: a single
        statement reads the current committed state by itself (SQLite runs it in
        autocommit; on PostgreSQL the pool rolls the connection back on return).
        """
        wanted = {address.lower() for address in addresses}
        if len(wanted) != 1:
            with self.reading() as tx:
                return tx.suppressed_among(addresses, category)
        sql, names = suppressed_sql(self._engine.dialect)
        values = {"b_address": wanted.pop(), "b_category": category or ""}
        parameters = tuple(values[name] for name in names) if names is not None else values
        try:
            connection = self._engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(sql, parameters)
                found = blocking([(str(row[0]), str(row[1])) for row in cursor.fetchall()])
                cursor.close()
            finally:
                connection.close()  # back to the pool, rolled back
        except (SQLAlchemyError, self._engine.dialect.loaded_dbapi.Error) as error:
            raise StoreError(f"{self.url}: {describe(error)}") from error
        return found


def describe(error: BaseException) -> str:
    """The first line of the driver's message, without SQLAlchemy's decorations."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__
