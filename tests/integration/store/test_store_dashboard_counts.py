"""Migration 0012 on a database that already holds runs: the runs started and
the days are counted from what is there, so the campaign page's figures of a
database upgraded from 0011 are those of the rows (the memory store's count)."""

from __future__ import annotations

from dataclasses import asdict

from alembic import command
from sqlalchemy import create_engine

from interpreter.store import open_store, upgrade
from interpreter.store import tables as t
from interpreter.store.database import _alembic_config, normalize_url
from interpreter.store.memory import MemoryStore
from tests.integration.store._factories import T0, at, create, step


def test_0012_counts_the_runs_and_days_already_stored(db_url: str) -> None:
    engine = create_engine(normalize_url(db_url))
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0011")
    started = [(f"r{n}", at(n * 5 * 3600)) for n in range(12)]  # over three days
    runs = [
        {
            "id": run_id,
            "workflow_id": "drip",
            "workflow_hash": "h1",
            "status": "completed",
            "state": {},
            "created_at": created,
            "updated_at": created,
        }
        for run_id, created in started
    ]
    rows = [
        asdict(step(run_id, "offer", kind="split", output={"path": "a"})) for run_id, _ in started
    ]
    with engine.begin() as connection:  # 0011's triggers count the steps, not the runs
        connection.execute(t.runs.insert(), runs)
        connection.execute(t.steps.insert(), rows)
    engine.dispose()
    upgrade(db_url)
    twin = MemoryStore()
    for run_id, created in started:
        with twin.transaction() as tx:
            assert create(tx, run_id, "drip", now=created)
            tx.record_steps([step(run_id, "offer", kind="split", output={"path": "a"})])
    day = T0.replace(hour=0, minute=0, second=0, microsecond=0)
    with open_store(db_url) as store:
        for since, until in [(None, None), (at(600), None), (day.replace(day=6), at(40 * 3600))]:
            assert store.count_runs("drip", since, until) == twin.count_runs("drip", since, until)
            assert store.goal_figures("drip", since, until) == twin.goal_figures(
                "drip", since, until
            )
        assert store.count_runs("drip", None, None) == 12
        with store.transaction() as tx:  # and the trigger counts the runs started after
            assert create(tx, "new", "drip", now=at(100))
        assert store.count_runs("drip", None, None) == 13
