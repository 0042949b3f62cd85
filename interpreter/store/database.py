"""Opening a database: URL defaults, engine settings per dialect, and migrations.

A fresh database is migrated on first use. One that an older flow created is
left alone with a clear error: several daemons may share it, and upgrading
the schema under them is a decision for ``flow db upgrade``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from interpreter.errors import NoSuchPath, StoreError
from interpreter.store.store import WRITE_OPTION, SqlStore, describe

DEFAULT_URL = "sqlite:///.flow/flow.db"
MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key serialising migrations between processes ("flow" in ASCII).
_MIGRATION_LOCK = 0x666C6F77
_BUSY_TIMEOUT_MS = 30_000


def open_store(url: str | None = None) -> SqlStore:
    """Open the database at ``url`` (default ``.flow/flow.db``), migrating it if fresh."""
    engine, display = _engine(url)
    try:
        _migrate(engine, display, fresh_only=True)
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine, display)


@dataclass(frozen=True)
class SchemaUpgrade:
    """What ``flow db upgrade`` did: ``before`` is the revision it found (None
    for a database without flow's schema), ``revision`` the one it left."""

    before: str | None
    revision: str
    database: str

    @property
    def outcome(self) -> Literal["created", "migrated", "current"]:
        if self.before is None:
            return "created"
        return "current" if self.before == self.revision else "migrated"


def upgrade(url: str | None = None) -> SchemaUpgrade:
    """Bring the schema to the newest revision (``flow db upgrade``)."""
    engine, display = _engine(url)
    try:
        before = _migrate(engine, display, fresh_only=False)
    finally:
        engine.dispose()
    return SchemaUpgrade(before, head_revision(), display)


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def normalize_url(url: str | None) -> URL:
    """Parse ``url``, sending plain ``postgresql://`` to psycopg 3."""
    text = url or DEFAULT_URL
    if text.startswith("postgres://"):
        text = "postgresql://" + text.removeprefix("postgres://")
    try:
        parsed = make_url(text)
    except ArgumentError as error:
        raise StoreError(f"not a database URL: {text!r}") from error
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    default_folder = Path(make_url(DEFAULT_URL).database or "").parent
    if parsed.database and (url is None or Path(parsed.database).parent == default_folder):
        # The default's folder (.flow/) is flow's own to make, also when the URL
        # is written out; any other folder is the author's, and a typo in it
        # should be an error, not a new directory.
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # SQLite makes the file but not its folder: a folder that is not there
        # is a path the user mistyped, as for every other path flow takes.
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise NoSuchPath(folder, where=parsed.render_as_string(hide_password=True))
    return parsed


def _engine(url: str | None) -> tuple[Engine, str]:
    parsed = normalize_url(url)
    display = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(parsed), display
        if backend == "postgresql":
            return create_engine(parsed, connect_args={"connect_timeout": 10}), display
    except (SQLAlchemyError, ImportError) as error:
        raise StoreError(f"{display}: {describe(error)}") from error
    raise StoreError(f"{display}: flow supports SQLite and PostgreSQL, not {backend}")


def _sqlite_engine(url: URL) -> Engine:
    options: dict[str, Any] = {"connect_args": {"timeout": _BUSY_TIMEOUT_MS / 1000}}
    if url.database in (None, "", ":memory:"):
        # One shared connection, or every checkout would see an empty database.
        options.update(poolclass=StaticPool)
        options["connect_args"]["check_same_thread"] = False
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        # SQLAlchemy's documented recipe: the driver stops emitting BEGIN
        # itself, and the ``begin`` hook below emits the one we want.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL survives a killed process; only power loss can
        # drop the last commits, and it saves an fsync per transaction.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _migrate(engine: Engine, display: str, *, fresh_only: bool) -> str | None:
    """Migrate under a lock, so processes starting together take turns: the
    first migrates, the others then find the schema current. The revision it
    found (None: no schema yet)."""
    head = head_revision()
    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})  # BEGIN IMMEDIATE on SQLite
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                current = MigrationContext.configure(connection).get_current_revision()
                if current == head:
                    return current
                if current is not None and fresh_only:
                    raise StoreError(
                        f"{display}: the schema is at revision {current}, this flow needs "
                        f"{head}; run `flow db upgrade`"
                    )
                command.upgrade(_alembic_config(connection), "head")
    except SQLAlchemyError as error:
        raise StoreError(f"{display}: {describe(error)}") from error
    return current
