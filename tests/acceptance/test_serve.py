"""``flow serve`` as a user runs it: real processes, real signals, SQLite files
and a real PostgreSQL, loopback only. Every process is killed in a finally."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from interpreter.daemon.clock import RealClock
from interpreter.daemon.setup import load_campaigns, open_engine
from interpreter.store.database import normalize_url, open_store
from tests._loopback import FLOW, Served, flow_serve, wait_for

STEPS = """
id: steps
on: {event: steps/go}
steps:
  - id: one
    action: log
    with: {message: "one ${ event.data.n }"}
  - id: two
    action: log
    with: {message: two}
  - id: nap
    sleep: 1s
  - id: three
    action: log
    with: {message: three}
"""
WAITS = """
id: waits
on: {event: waits/start}
steps:
  - id: wait_for_go
    wait_for_event:
      event: waits/go
      if: async.data.n == event.data.n
      timeout: 1d
  - id: done
    action: log
    with: {message: done}
"""
LATER = """
id: later
on: {event: later/go}
steps:
  - id: hello
    action: log
    with: {message: hello}
"""
BROKEN = """
id: broken
on: {event: broken/go}
steps:
  - id: oops
    action: no.such.action
"""


@contextmanager
def serving(
    db_url: str, workflows: Path, log: Path, *options: str, lease: str = "60"
) -> Iterator[Served]:
    env = {**os.environ, "FLOW_LEASE_SECONDS": lease}
    arguments = ("--db", db_url, "--workflows", str(workflows), "--log-format", "json", *options)
    with flow_serve(*arguments, cwd=workflows.parent, env=env, log=log) as daemon:
        yield daemon


def flow(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOW, *arguments], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def statuses(db_url: str) -> Counter[str]:
    with open_store(db_url) as store:
        return Counter(r.status for r in store.list_runs(limit=10_000))


def step_counts(db_url: str) -> list[Counter[str]]:
    with open_store(db_url) as store:
        return [
            Counter(s.step_id for s in store.get_run(r.id).steps)
            for r in store.list_runs(limit=10_000)
        ]


def steps_recorded(db_url: str) -> int:
    """One COUNT(*), cheap enough to poll while the daemons work."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM steps")).scalar_one())
    finally:
        engine.dispose()


def ingest(db_url: str, workflows: Path, name: str, runs: int) -> None:
    engine = open_engine(load_campaigns([workflows]), db_url=db_url, clock=RealClock())
    for n in range(runs):
        engine.ingest(name, {"n": n})
    engine.store.close()


def test_lint_errors_refuse_to_start(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "broken.yaml").write_text(BROKEN)
    result = flow(
        "serve",
        "--port",
        "0",
        "--db",
        f"sqlite:///{tmp_path / 'f.db'}",
        "--workflows",
        str(workflows),
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "broken.yaml:6:" in result.stderr
    assert "fix the lint errors" in result.stderr


def test_serve_help_has_an_example(tmp_path: Path) -> None:
    result = flow("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Example" in result.stdout and "--concurrency" in result.stdout


def test_sqlite_daemon_with_send_runs_reload_and_sigterm(tmp_path: Path) -> None:
    """On one SQLite file: the daemon, `flow send` and `flow runs` from other
    processes; SIGHUP picks up a new campaign and refuses a broken one; SIGTERM
    mid-load exits 0 with nothing left leased, and every step is recorded once."""
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "steps.yaml").write_text(STEPS)
    db_url = f"sqlite:///{tmp_path / 'flow.db'}"
    runs = 150
    ingest(db_url, workflows, "steps/go", runs)
    log = tmp_path / "serve.log"
    with serving(db_url, workflows, log, "--concurrency", "2") as daemon:
        wait_for(lambda: steps_recorded(db_url) > 0, "some steps")
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0, daemon.output()[-3000:]
    with open_store(db_url) as store:
        assert all(r.lease_owner is None for r in store.list_runs(limit=runs + 1)), (
            "SIGTERM left a run leased"
        )

    with serving(db_url, workflows, log, "--concurrency", "2") as daemon:
        assert daemon.get("/healthz") == 200
        wait_for(lambda: statuses(db_url) == {"completed": runs}, "every run to complete")
        assert all(c == {"one": 1, "two": 1, "nap": 1, "three": 1} for c in step_counts(db_url))

        (workflows / "later.yaml").write_text(LATER)
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "reloaded 2 campaign(s)" in daemon.output(), "the reload")
        sent = flow(
            "send",
            "later/go",
            "--data",
            "{}",
            "--db",
            db_url,
            "--workflows",
            str(workflows),
            cwd=tmp_path,
        )
        assert sent.returncode == 0, sent.stderr
        wait_for(lambda: statuses(db_url)["completed"] == runs + 1, "the new campaign's run")
        request = urllib.request.Request(
            f"http://127.0.0.1:{daemon.port}/e/any-key",
            method="POST",
            data=json.dumps({"name": "later/go", "data": {}, "id": "over-http"}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["ids"] == ["over-http"]
        wait_for(lambda: statuses(db_url)["completed"] == runs + 2, "the run sent over HTTP")
        listed = flow("runs", "list", "--db", db_url, "--format", "json", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "later" in listed.stdout

        (workflows / "broken.yaml").write_text(BROKEN)
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in daemon.output(), "the refusal")
        assert "no.such.action" in daemon.output() or "broken.yaml" in daemon.output()
        assert daemon.get("/healthz") == 200
        (workflows / "broken.yaml").unlink()
        sent = flow(
            "send",
            "later/go",
            "--data",
            "{}",
            "--db",
            db_url,
            "--workflows",
            str(workflows),
            cwd=tmp_path,
        )
        wait_for(lambda: statuses(db_url)["completed"] == runs + 3, "the kept campaigns' run")
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0, daemon.output()[-3000:]
    assert "Traceback" not in log.read_text()


@pytest.mark.postgres
def test_listen_notify_resumes_a_waiting_run_without_polling(
    postgres_url: str, tmp_path: Path
) -> None:
    """With a five-minute poll interval, only a NOTIFY can wake the workers."""
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "waits.yaml").write_text(WAITS)
    log = tmp_path / "serve.log"
    with serving(postgres_url, workflows, log, "--poll", "300") as daemon:
        wait_for(lambda: "listening for wake-ups" in daemon.output(), "LISTEN")
        send = ("--db", postgres_url, "--workflows", str(workflows))
        started = flow("send", "waits/start", "--data", '{"n": 1}', *send, cwd=tmp_path)
        assert started.returncode == 0, started.stderr
        wait_for(lambda: statuses(postgres_url) == {"waiting": 1}, "the run to wait", 90)
        resumed = flow("send", "waits/go", "--data", '{"n": 1}', *send, cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        wait_for(lambda: statuses(postgres_url) == {"completed": 1}, "the run to resume", 90)
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=60) == 0, daemon.output()[-3000:]


@pytest.mark.postgres
@pytest.mark.slow
def test_two_daemons_one_killed_every_step_recorded_once(postgres_url: str, tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "steps.yaml").write_text(STEPS)
    runs = 300
    with (
        serving(postgres_url, workflows, tmp_path / "a.log", lease="2") as first,
        serving(postgres_url, workflows, tmp_path / "b.log", lease="2") as second,
    ):
        ingest(postgres_url, workflows, "steps/go", runs)
        wait_for(lambda: steps_recorded(postgres_url) > 0, "some steps")
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        recorded = steps_recorded(postgres_url)
        assert recorded < runs * 4, "the kill should land mid-way"
        wait_for(lambda: statuses(postgres_url) == {"completed": runs}, "every run", 120)
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(timeout=60) == 0, second.output()[-3000:]
    counts = step_counts(postgres_url)
    assert len(counts) == runs
    assert all(c == {"one": 1, "two": 1, "nap": 1, "three": 1} for c in counts), [
        c for c in counts if c != {"one": 1, "two": 1, "nap": 1, "three": 1}
    ][:3]
