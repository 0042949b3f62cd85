"""Opening databases: migrations, URLs, SQLite settings and errors."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from interpreter.errors import StoreError
from interpreter.store import open_store, upgrade
from interpreter.store.database import head_revision, normalize_url
from interpreter.store.tables import metadata


def _revision(url: str) -> str | None:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_fresh_database_is_migrated_once(db_url: str) -> None:
    assert _revision(db_url) is None
    open_store(db_url).close()
    assert _revision(db_url) == head_revision()
    open_store(db_url).close()  # a second open finds it current
    assert upgrade(db_url).outcome == "current"
    assert upgrade(db_url).revision == head_revision()


def test_migrations_create_exactly_the_tables_module(db_url: str) -> None:
    upgrade(db_url)
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_processes_starting_together_migrate_once(db_url: str) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            open_store(db_url).close()
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _revision(db_url) == head_revision()


def test_an_unknown_schema_revision_is_refused(db_url: str) -> None:
    upgrade(db_url)
    engine = create_engine(normalize_url(db_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'zzzz'"))
    engine.dispose()
    with pytest.raises(StoreError, match="flow db upgrade"):
        open_store(db_url)


def test_default_database_lives_in_dot_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert store.url == "sqlite:///.flow/flow.db"
    assert (tmp_path / ".flow" / "flow.db").is_file()


def test_sqlite_file_is_in_wal_mode(sqlite_url: str, tmp_path: Path) -> None:
    open_store(sqlite_url).close()
    with sqlite3.connect(tmp_path / "flow.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_write_transaction_takes_the_lock_at_begin(sqlite_url: str, tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a second writer waits from the start, before any write,
    so claimers are serialised rather than failing half way."""
    raw = sqlite3.connect(tmp_path / "flow.db", timeout=0, isolation_level=None)
    with open_store(sqlite_url) as store:
        with store.reading() as tx:
            tx.next_wake_at()
            raw.execute("BEGIN IMMEDIATE")  # a read leaves the write lock free
            raw.execute("ROLLBACK")
        with store.transaction() as tx:
            tx.next_wake_at()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                raw.execute("BEGIN IMMEDIATE")
    raw.close()


def test_errors_name_the_url_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://flow:hunter2@127.0.0.1:1/flow")
    message = str(caught.value)
    assert "127.0.0.1:1" in message and "hunter2" not in message
    assert "\n" not in message


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(StoreError, match="SQLite and PostgreSQL"):
        open_store("mysql://u@localhost/db")
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url")
