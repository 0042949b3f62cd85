"""kill -9 a real `flow worker` in the middle of a 20,000-item fan-out, start
another, and check that exactly 20,000 child runs exist, none started twice
(SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from interpreter.daemon.clock import RealClock
from interpreter.daemon.setup import load_campaigns, open_engine

FLOW = str(Path(sys.executable).with_name("flow"))
ITEMS = 20_000
BROADCAST = """
id: broadcast
on: {event: go}
steps:
  - id: fan_out
    for_each:
      items: ${ event.data.people }
      event: person/due
      data: {n: "${ index }", who: "${ item }"}
"""
CHILD = """
id: child
on: {event: person/due}
steps:
  - id: hello
    action: log
    with: {message: "hi ${ event.data.who }"}
"""
_PROGRESS = text("SELECT coalesce(max(done), 0) FROM fan_outs")
_CHILDREN = text(
    "SELECT count(*), count(DISTINCT trigger_event_id),"
    " sum(CASE WHEN status = 'completed' THEN 1 ELSE 0 END)"
    " FROM runs WHERE workflow_id = 'child'"
)


def start_worker(db_url: str, folder: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FLOW_LEASE_SECONDS": "2"}
    with log.open("ab") as output:
        return subprocess.Popen(
            [FLOW, "worker", "--db", db_url, "--workflows", str(folder), "--quiet"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=folder.parent,
        )


@pytest.mark.slow
def test_a_killed_fan_out_is_finished_by_the_next_worker_exactly_once(
    db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "broadcast.yaml").write_text(BROADCAST)
    (folder / "child.yaml").write_text(CHILD)
    engine = open_engine(load_campaigns([folder]), db_url=db_url, clock=RealClock())
    (run_id,) = engine.ingest("go", {"people": [f"p{i}" for i in range(ITEMS)]}).started
    engine.store.close()
    database = create_engine(db_url)
    log = tmp_path / "worker.log"

    first = start_worker(db_url, folder, log)
    try:
        deadline = time.monotonic() + 60
        done = 0
        while done < 1000 and time.monotonic() < deadline:
            time.sleep(0.01)  # kill once the first chunk is committed
            with database.connect() as connection:
                done = int(connection.execute(_PROGRESS).scalar_one())
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    with database.connect() as connection:
        at_kill = int(connection.execute(_PROGRESS).scalar_one())
        started_at_kill = connection.execute(_CHILDREN).one()[0]
    assert 1000 <= at_kill < ITEMS, f"the kill should land mid-way, at {at_kill}"
    assert started_at_kill == at_kill  # a chunk's runs commit with its cursor

    second = start_worker(db_url, folder, log)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with database.connect() as connection:
                total, distinct, completed = connection.execute(_CHILDREN).one()
            if completed == ITEMS:
                break
            time.sleep(0.5)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, log.read_text()[-2000:]
    database.dispose()
    assert (total, distinct, completed) == (ITEMS, ITEMS, ITEMS), log.read_text()[-2000:]
    with open_engine([], db_url=db_url, clock=RealClock()).store as store:
        run = store.get_run(run_id)
    assert run.run.status == "completed"
    assert run.run.state["steps"]["fan_out"]["output"] == {"count": ITEMS}
    assert [step.step_id for step in run.steps] == ["fan_out"]
