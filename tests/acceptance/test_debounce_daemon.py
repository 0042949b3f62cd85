"""Debounce on a real daemon: events sent to ``POST /e/{key}`` build a burst,
``flow serve`` is stopped (SIGTERM) before the burst is due, and the restarted
daemon starts its one run, with the latest event, when the burst goes quiet
on the real clock."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from interpreter.store import open_store

FLOW = str(Path(sys.executable).with_name("flow"))
PERIOD = 6  # seconds: long enough to stop the daemon inside it on a loaded machine
CAMPAIGN = f"""
id: carts
on: {{event: shop/cart.updated}}
debounce: {{key: event.data.cart, period: {PERIOD}s}}
steps:
  - {{id: hello, action: log, with: {{message: "${{ event.data.n }}"}}}}
"""


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return value


def serve(project: Path, db: str, log: Path, nth: int) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [FLOW, "serve", "--port", "0", "--db", db, "--workflows", "workflows"],
            cwd=project,
            env={**os.environ, "FLOW_LEASE_SECONDS": "5"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(lambda: log.read_text().count("flow serve on") >= nth, "flow serve", 60)
    return process


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def runs(project: Path, db: str) -> list[dict[str, Any]]:
    # Read in-process (a `flow runs list` costs seconds on a loaded machine).
    with open_store(db) as store:
        return [
            {"id": run.id, "status": run.status, "event": run.state.get("event")}
            for run in store.list_runs(workflow_id="carts")
        ]


def test_a_burst_survives_a_restart_and_starts_one_run(tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "carts.yaml").write_text(CAMPAIGN)
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    log = tmp_path / "serve.log"
    first = serve(tmp_path, db, log, 1)
    try:
        url = re.search(r"flow serve on (http://\S+)", log.read_text())
        assert url is not None
        began = time.monotonic()
        for n in (1, 2, 3):  # three requests: each event extends the burst
            event = {"name": "shop/cart.updated", "data": {"cart": "c-1", "n": n}}
            answer = httpx.post(f"{url[1]}/e/test", json=event, timeout=30)
            assert answer.status_code == 200, answer.text
        last_sent = time.monotonic()
        assert stop(first) == 0
        stopped = time.monotonic()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # The burst was due PERIOD s after the last send; the daemon was stopped before.
    assert stopped - began < PERIOD, "too slow to stop inside the period"
    assert runs(tmp_path, db) == []

    second = serve(tmp_path, db, log, 2)
    try:
        started = wait_for(lambda: runs(tmp_path, db), "the burst's run", 30)
        completed = wait_for(
            lambda: [r for r in runs(tmp_path, db) if r["status"] == "completed"], "the run", 30
        )
        fired = time.monotonic()
        time.sleep(1)  # a second claim would have started a second run by now
        assert len(runs(tmp_path, db)) == 1
    finally:
        assert stop(second) == 0
    assert fired - last_sent >= PERIOD - 0.5  # not before the burst went quiet
    (run,) = completed
    assert run["id"] == started[0]["id"]
    assert run["event"]["data"] == {"cart": "c-1", "n": 3}
