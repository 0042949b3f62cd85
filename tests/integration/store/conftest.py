"""Every store test runs on a SQLite file and, when configured, on PostgreSQL.

Tests taking the ``store`` fixture state the contract of the named operations;
they also run on the in-memory store, so that its unit-test face keeps the
same behaviour as the databases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from interpreter.store import Store, open_store
from interpreter.store.memory import MemoryStore


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "memory"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        # Structurally the same operations; typed as Store for the tests.
        yield MemoryStore()  # type: ignore[misc]
        return
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    with open_store(request.getfixturevalue(fixture)) as opened:
        yield opened
