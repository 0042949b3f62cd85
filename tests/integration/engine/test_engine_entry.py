"""Entry rules and debounce through the engine: what a replaced run keeps,
bursts surviving a restart, and two workers on one PostgreSQL starting each
run once (SQLite files and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import EventIn
from interpreter.language.definitions import Workflow
from interpreter.store import Store, open_store
from tests.integration.engine._engine_harness import START, campaign_from_text

REPLACING = """\
id: replacing
on: {event: app/ping}
entry: {key: event.data.user, if_running: cancel}
cancel_on:
  - event: app/stop
    if: async.data.user == event.data.user
steps:
  - id: later
    wait_for_event: {event: app/pong, if: async.data.user == event.data.user, timeout: 1h}
  - {id: hello, action: log, with: {message: "${ event.data.n }"}}
"""
SKIPPING = REPLACING.replace("replacing", "skipping").replace(
    "if_running: cancel", "reentry_after: 1d"
)
DEBOUNCED = """\
id: debounced
on: {event: app/ping}
debounce: {key: event.data.user, period: 10m}
steps:
  - {id: hello, action: log, with: {message: "${ event.data.n }"}}
"""


def engine(store: Store, workflows: list[Workflow], clock: VirtualClock, owner: str) -> Engine:
    return Engine(store, Campaigns(store, workflows), clock, owner=owner)


def ping(user: str, n: int) -> EventIn:
    return EventIn("app/ping", {"user": user, "n": n})


def test_a_replaced_run_is_cancelled_with_its_waits_and_timer(db_url: str, tmp_path: Path) -> None:
    workflow = campaign_from_text(REPLACING, tmp_path)
    clock = VirtualClock(START)
    with open_store(db_url) as store:
        flow = engine(store, [workflow], clock, "w1")
        (first,) = flow.ingest_many([ping("u1", 1)])
        flow.run_virtual(clock, START)
        assert {w.purpose for w in store.list_waits(first.started[0])} == {"step", "cancel"}
        clock.advance_to(START + timedelta(minutes=5))
        second = flow.ingest("app/ping", {"user": "u1", "n": 2}, event_id="evt-2")
        old = store.get_run(first.started[0]).run
        assert (old.status, old.wake_at) == ("cancelled", None)
        assert old.state["error"] == {
            "step": "later",
            "message": "replaced by event evt-2",
            "cancelled": True,
        }
        assert store.list_waits(old.id) == []
        assert old.idempotency_key == f'"u1"~{old.id}'
        (new_id,) = second.started
        assert store.get_run(new_id).run.idempotency_key == '"u1"'
        flow.run_virtual(clock, clock.now())
        # The old run's waits are gone: a pong for u1 reaches the new run only.
        assert flow.ingest("app/pong", {"user": "u1"}).delivered == 1
        flow.run_virtual(clock)
        assert store.get_run(new_id).run.status == "completed"


def test_a_replace_takes_the_run_from_the_worker_holding_it(db_url: str, tmp_path: Path) -> None:
    workflow = campaign_from_text(REPLACING, tmp_path)
    clock = VirtualClock(START)
    with open_store(db_url) as store:
        flow = engine(store, [workflow], clock, "w1")
        (first,) = flow.ingest("app/ping", {"user": "u1", "n": 1}).started
        with store.transaction() as tx:
            assert tx.claim_due_runs(clock.now(), "busy-worker", 60, 10)
        (second,) = flow.ingest("app/ping", {"user": "u1", "n": 2}).started
        assert store.get_run(first).run.status == "cancelled"
        with store.transaction() as tx:
            # The worker's outcome is refused, as when a run is taken over.
            assert tx.save_runs("busy-worker", clock.now(), []) == set()
            assert not tx.record_steps_held("busy-worker", first, [])
        flow.run_virtual(clock)
        assert store.get_run(second).run.status == "completed"


def test_bursts_survive_a_restart(sqlite_url: str, tmp_path: Path) -> None:
    workflow = campaign_from_text(DEBOUNCED, tmp_path)
    clock = VirtualClock(START)
    with open_store(sqlite_url) as store:
        flow = engine(store, [workflow], clock, "w1")
        assert flow.ingest_many([ping("u1", 1), ping("u2", 2), ping("u1", 3)])[2].debounced == (
            "debounced",
        )
        assert flow.next_wake_at() == START + timedelta(minutes=10)
    clock.advance_to(START + timedelta(hours=1))
    with open_store(sqlite_url) as store:
        restarted = engine(store, [workflow], clock, "w2")
        restarted.run_virtual(clock)
        runs = store.list_runs(workflow_id="debounced")
        messages = sorted(run.state["event"]["data"]["n"] for run in runs)
        assert messages == [2, 3]
        assert store.pending_bursts() == [] and restarted.next_wake_at() is None


def _together(count: int, work: Callable[[int], None]) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def each(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=each, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_workers_starting_one_key_at_once_leave_one_run_going(db_url: str, tmp_path: Path) -> None:
    """Each thread has its own store, as separate daemons would."""
    replacing = campaign_from_text(REPLACING, tmp_path)
    skipping = campaign_from_text(SKIPPING, tmp_path)
    with open_store(db_url):
        pass  # migrated once, before the threads

    def send(n: int) -> None:
        with open_store(db_url) as own:
            flow = engine(own, [replacing, skipping], VirtualClock(START), f"w{n}")
            for round_ in range(5):
                flow.ingest("app/ping", {"user": "u1", "n": n * 10 + round_})

    _together(4, send)
    with open_store(db_url) as store:
        replaced = store.list_runs(workflow_id="replacing")
        skipped = store.list_runs(workflow_id="skipping")
    going = [run for run in replaced if run.status != "cancelled"]
    assert len(going) == 1 and going[0].idempotency_key == '"u1"'
    assert len(replaced) >= 2  # at least one replace happened under contention
    assert all(run.idempotency_key == f'"u1"~{run.id}' for run in replaced if run in going[1:])
    assert len(skipped) == 1


def test_workers_claiming_due_bursts_start_each_once(db_url: str, tmp_path: Path) -> None:
    workflow = campaign_from_text(DEBOUNCED, tmp_path)
    clock = VirtualClock(START)
    with open_store(db_url) as store:
        flow = engine(store, [workflow], clock, "sender")
        flow.ingest_many([ping(f"u{n:02}", n) for n in range(30)])
    later = START + timedelta(minutes=11)

    def drive(n: int) -> None:
        with open_store(db_url) as own:
            worker = engine(own, [workflow], VirtualClock(later), f"w{n}")
            while worker.drive_once():
                pass

    _together(3, drive)
    with open_store(db_url) as store:
        runs = store.list_runs(workflow_id="debounced")
        assert store.pending_bursts() == []
    started = sorted(run.trigger_event_id or "" for run in runs)
    assert len(started) == len(set(started)) == 30
    assert {run.status for run in runs} == {"completed"}
