"""kill -9 a real `flow worker` in the middle of many runs, start another, and
check that every run completes with each step recorded exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from interpreter.daemon.clock import RealClock
from interpreter.daemon.setup import load_campaigns, open_engine
from interpreter.store.database import normalize_url, open_store

FLOW = str(Path(sys.executable).with_name("flow"))
RUNS = 300
CAMPAIGN = """
id: crash-test
on: {event: crash/test}
steps:
  - id: one
    action: log
    with: {message: "one ${ event.data.n }"}
  - id: two
    action: log
    with: {message: two}
  # Two seconds between a run's first steps and its last: the window in which
  # the kill must land, wide enough for a loaded machine's polling to hit it.
  - id: nap
    sleep: 2s
  - id: three
    action: log
    with: {message: three}
"""


def start_worker(db_url: str, campaign: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FLOW_LEASE_SECONDS": "2"}
    with log.open("ab") as output:
        return subprocess.Popen(
            [FLOW, "worker", "--db", db_url, "--workflows", str(campaign), "--quiet"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=campaign.parent,
        )


def steps_recorded(db_url: str) -> int:
    """One COUNT(*), so polling it is quick even while the worker writes: the
    earlier poll read every run's steps, took longer than the nap on a loaded
    machine, and saw all the work done before the kill."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM steps")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_killed_worker_loses_nothing_and_repeats_nothing(db_url: str, tmp_path: Path) -> None:
    campaign = tmp_path / "crash.yaml"
    campaign.write_text(CAMPAIGN)
    engine = open_engine(load_campaigns([campaign]), db_url=db_url, clock=RealClock())
    for n in range(RUNS):
        engine.ingest("crash/test", {"n": n})
    engine.store.close()

    log = tmp_path / "worker.log"
    first = start_worker(db_url, campaign, log)
    deadline = time.monotonic() + 60
    while steps_recorded(db_url) < RUNS and time.monotonic() < deadline:
        time.sleep(0.05)  # kill once some, not all, of the work is recorded
    first.send_signal(signal.SIGKILL)
    first.wait()
    recorded_at_kill = steps_recorded(db_url)
    assert 0 < recorded_at_kill < RUNS * 4, "the kill should land mid-way"

    second = start_worker(db_url, campaign, log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with open_store(db_url) as store:
                statuses = Counter(r.status for r in store.list_runs(limit=RUNS + 1))
            if statuses.get("completed") == RUNS:
                break
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, log.read_text()[-2000:]

    assert statuses == {"completed": RUNS}, log.read_text()[-2000:]
    with open_store(db_url) as store:
        for record in store.list_runs(limit=RUNS):
            steps = Counter(step.step_id for step in store.get_run(record.id).steps)
            assert steps == {"one": 1, "two": 1, "nap": 1, "three": 1}, record.id
