"""Where a benchmark writes: a fresh SQLite file, or a fresh database created on
the PostgreSQL server that --db names and dropped afterwards, so a benchmark
never mixes its rows with anything else."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from interpreter.store.database import normalize_url


@contextmanager
def fresh_database(server_url: str | None, scratch: Path) -> Iterator[str]:
    if server_url is None or not server_url.startswith("postgres"):
        yield server_url or f"sqlite:///{scratch}/bench.db"
        return
    admin = normalize_url(server_url)
    name = f"flow_bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def describe(server_url: str | None) -> str:
    if server_url is None:
        return "SQLite file"
    return server_url.rsplit("@", 1)[-1] if server_url.startswith("postgres") else server_url
