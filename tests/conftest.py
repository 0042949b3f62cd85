"""Database fixtures shared by every test layer."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from interpreter.store import Store, open_store
from interpreter.store.memory import MemoryStore


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The acceptance tests and those marked slow spread over the first half
    of the run, a module's tests kept together.

    xdist's ``--dist load`` starts each worker on a run of consecutive tests
    (a quarter of the suite between them), then hands out a few at a time.
    With the slow tests all first, one worker got every acceptance test and
    ran alone for three minutes after the others were done (446 s against
    263 s). Spread out, every worker starts some slow tests early, and the
    last of them start while there are short ones left to fill in around
    them. A module stays in one piece so that its fixtures are set up once."""
    groups = [
        list(group)
        for _, group in itertools.groupby(items, key=lambda item: (item.path, _slow(item)))
    ]
    slow = [group for group in groups if _slow(group[0])]
    fast = iter(group for group in groups if not _slow(group[0]))
    gap = len(items) // 2 // max(1, len(slow))  # short tests after each slow group
    ordered: list[pytest.Item] = []
    for group in slow:
        ordered += group
        taken = 0
        while taken < gap and (short := next(fast, None)) is not None:
            ordered += short
            taken += len(short)
    for group in fast:
        ordered += group
    assert len(ordered) == len(items)  # every test placed once
    items[:] = ordered


def _slow(item: pytest.Item) -> bool:
    return "acceptance" in item.path.parts or item.get_closest_marker("slow") is not None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file's URL."""
    return f"sqlite:///{tmp_path / 'flow.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A freshly created PostgreSQL database, dropped after the test.

    Skips unless FLOW_TEST_POSTGRES_URL names a server where we may create
    databases; each test gets its own so parallel runs never collide. The
    name carries the xdist worker (gw0, gw1, ...) so a leftover database says
    which worker made it.
    """
    admin = os.environ.get("FLOW_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("FLOW_TEST_POSTGRES_URL is not set")
    admin_url = make_url(admin)
    if admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"flow_test_{worker}_{uuid.uuid4().hex[:16]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "memory"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    with open_store(request.getfixturevalue(fixture)) as opened:
        yield opened
