"""What every SQL concern shares: the connection it runs on, the dialect's
upsert, and the fast executemany for the hot writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

# A list of run ids, for ``run_id IN (...)``.
IDS: Any = bindparam("b_ids", expanding=True)


class OnConnection:
    """A concern's operations, bound to one connection inside a transaction."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._postgres = connection.dialect.name == "postgresql"
        # Set when this transaction makes a run due now: the store then wakes
        # the workers when it commits (NOTIFY flow_wakeup on PostgreSQL).
        self.wakes = False


@lru_cache(maxsize=32)
def insert_or_skip(
    table: Table, postgres: bool, keys: tuple[str, ...] = (), returning: Any = None
) -> Any:
    """INSERT ... ON CONFLICT (keys) DO NOTHING [RETURNING returning] for the
    dialect (on any conflict without keys), built once. Executed with a list
    of rows, SQLAlchemy sends them as multi-row INSERTs; with RETURNING it
    gives back the rows that went in.
    Never an error on a conflict: on PostgreSQL an error would abort the whole
    (group) transaction."""
    insert = postgresql.insert if postgres else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(keys) or None)
    return statement if returning is None else statement.returning(returning)


@lru_cache(maxsize=16)
def _driver_form(
    statement: Any, dialect: Dialect, column_keys: tuple[str, ...] | None
) -> tuple[str, tuple[tuple[str, Any, Any], ...]]:
    """A statement compiled once for SQLite's driver: its SQL text and, per
    positional parameter, (name, the type's bind processor, default)."""
    keys = list(column_keys) if column_keys is not None else None
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    processors = compiled._bind_processors
    binds = compiled.binds
    return str(compiled), tuple(
        (name, processors.get(name), binds[name].value) for name in compiled.positiontup or ()
    )


def execute_many(
    connection: Connection,
    statement: Any,
    rows: Sequence[Mapping[str, Any]],
    column_keys: tuple[str, ...] | None = None,
) -> None:
    """``connection.execute(statement, rows)`` for a hot executemany. On SQLite
    without SQLAlchemy's per-row parameter handling: the same SQL text and the
    same bind processors (JSON, Instant) applied here, the rows handed to the
    driver's executemany (errors still wrapped by SQLAlchemy)."""
    if connection.dialect.name != "sqlite":  # psycopg: SQLAlchemy's own path
        connection.execute(statement, list(rows))
        return
    sql, parameters = _driver_form(statement, connection.dialect, column_keys)
    driver_rows = [
        tuple(
            row.get(name, default) if process is None else process(row.get(name, default))
            for name, process, default in parameters
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, driver_rows)
