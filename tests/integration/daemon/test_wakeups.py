"""Wake-ups: a commit that makes a run due rings this process's workers, and
on PostgreSQL a LISTEN connection hears other processes' commits."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import RealClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.recovery import retry_run
from interpreter.daemon.wakeups import NotifyListener, Wakeup
from interpreter.language.loader import load_workflow_text
from interpreter.store import Store
from interpreter.store.database import open_store

FAILING = """
id: fails
on: {event: fails/go}
steps:
  - id: boom
    action: log
    with: {message: "${ event.data.missing.field }"}
"""
CAMPAIGN = """
id: wake
on: {event: wake/up}
steps:
  - id: say
    action: log
    with: {message: hello}
"""


def engine_on(store: Store, tmp_path: Path, campaign: str = CAMPAIGN) -> Engine:
    workflow, problems = load_workflow_text(campaign, str(tmp_path / "c.yaml"), base_dir=tmp_path)
    assert workflow is not None, problems
    return Engine(store, Campaigns(store, [workflow]), RealClock(), data_dir=tmp_path)


def failed_run(engine: Engine) -> str:
    """A run that failed at its step, as ``flow runs retry`` finds one."""
    [run_id] = engine.ingest("fails/go", {}).started
    assert engine.drive_run(run_id)
    assert engine.store.get_run(run_id).run.status == "failed"
    return run_id


def test_a_waiter_keeps_a_wake_up_rung_while_it_was_busy() -> None:
    wakeup = Wakeup()
    wait = wakeup.waiter()
    wakeup.ring()
    assert wait(30) is True  # rung before the wait began: returns at once
    assert wait(0.01) is False


def test_a_commit_that_makes_a_run_due_rings_local_waiters(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        engine = engine_on(store, tmp_path)
        rings: list[int] = []
        store.on_wakeup.append(lambda: rings.append(1))
        engine.ingest("nobody/listens", {})
        assert rings == []
        engine.ingest("wake/up", {})
        assert rings == [1]


def test_retrying_a_failed_run_rings_local_waiters(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        engine = engine_on(store, tmp_path, FAILING)
        run_id = failed_run(engine)
        rings: list[int] = []
        store.on_wakeup.append(lambda: rings.append(1))
        retry_run(engine, run_id, drive=False)  # as `flow runs retry` with a worker running
        assert rings == [1]


@pytest.mark.postgres
def test_listen_hears_a_retried_run(postgres_url: str, tmp_path: Path) -> None:
    stop = threading.Event()
    wakeup = Wakeup()
    wait = wakeup.waiter()
    listener = NotifyListener(postgres_url, wakeup, stop)
    with open_store(postgres_url) as store:
        engine = engine_on(store, tmp_path, FAILING)
        run_id = failed_run(engine)
        listener.start()
        try:
            assert listener.listening.wait(30), "LISTEN never connected"
            wait(0)  # the ring that follows connecting
            retry_run(engine, run_id, drive=False)
            assert wait(30), "no NOTIFY arrived for the retried run"
        finally:
            stop.set()
            listener.join(timeout=10)


@pytest.mark.postgres
def test_listen_hears_a_commit_from_another_connection(postgres_url: str, tmp_path: Path) -> None:
    stop = threading.Event()
    wakeup = Wakeup()
    wait = wakeup.waiter()
    listener = NotifyListener(postgres_url, wakeup, stop)
    with open_store(postgres_url) as store:
        listener.start()
        try:
            assert listener.listening.wait(30), "LISTEN never connected"
            wait(0)  # the ring that follows connecting
            engine_on(store, tmp_path).ingest("wake/up", {})
            assert wait(30), "no NOTIFY arrived"
        finally:
            stop.set()
            listener.join(timeout=10)
    assert not listener.is_alive()


@pytest.mark.postgres
def test_listen_keeps_retrying_a_server_it_cannot_reach() -> None:
    stop = threading.Event()
    wakeup = Wakeup()
    listener = NotifyListener("postgresql://postgres@127.0.0.1:1/nowhere", wakeup, stop)
    listener.start()
    try:
        assert not listener.listening.wait(1.0)
        assert listener.is_alive()
    finally:
        stop.set()
        listener.join(timeout=40)
    assert not listener.is_alive()
