"""Cron triggers: ticks in the campaign's time zone, exactly one run per tick
across racing schedulers, and a restart that catches up the missed tick. The
schedulers are handed ``now``: no real minutes pass."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.cron import CronScheduler, recent_ticks
from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import CRON_EVENT
from interpreter.language.definitions import CronTrigger, Location, Workflow
from interpreter.language.loader import load_workflow_text
from interpreter.store import Store
from interpreter.store.database import open_store

START = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)  # a Monday
HOURLY = """
id: hourly
on: {cron: "0 * * * *"}
steps:
  - id: say
    action: log
    with: {message: "tick ${ event.data.tick }"}
"""


def campaign(tmp_path: Path, text: str = HOURLY) -> Workflow:
    workflow, problems = load_workflow_text(text, str(tmp_path / "c.yaml"), base_dir=tmp_path)
    assert workflow is not None, [p.as_text() for p in problems]
    return workflow


def scheduler(
    store: Store, workflow: Workflow, clock: VirtualClock, catch_up: int = 1
) -> CronScheduler:
    engine = Engine(store, Campaigns(store, [workflow]), clock, data_dir=Path("."))
    return CronScheduler(engine, catch_up=catch_up)


def cron_runs(store: Store) -> Counter[str]:
    """How many runs each tick started."""
    ticks: Counter[str] = Counter()
    for record in store.list_runs(limit=1000):
        event = store.get_event(str(record.trigger_event_id))
        assert event.name == CRON_EVENT
        ticks[event.data["tick"]] += 1
    return ticks


def test_ticks_fall_in_the_campaigns_time_zone() -> None:
    trigger = CronTrigger(
        cron="0 9 * * 1", timezone="Europe/Paris", location=Location("c.yaml", 1, 1)
    )
    winter = recent_ticks(trigger, START - timedelta(days=8), START + timedelta(days=1), 5)
    assert winter == [datetime(2025, 12, 29, 8, tzinfo=UTC), datetime(2026, 1, 5, 8, tzinfo=UTC)]
    summer = datetime(2026, 7, 7, tzinfo=UTC)
    assert recent_ticks(trigger, summer - timedelta(days=7), summer, 5) == [
        datetime(2026, 7, 6, 7, tzinfo=UTC)
    ]


def test_two_racing_schedulers_start_exactly_one_run_per_tick(db_url: str, tmp_path: Path) -> None:
    workflow = campaign(tmp_path)
    clock = VirtualClock(START)
    with open_store(db_url) as first, open_store(db_url) as second:
        schedulers = [scheduler(first, workflow, clock), scheduler(second, workflow, clock)]
        for scheduler_ in schedulers:
            assert scheduler_.fire_due(START) == []  # never fired: counts from now
        moments = [START + timedelta(minutes=10 * step) for step in range(1, 19)]  # 3 hours
        barrier = threading.Barrier(2)
        failures: list[BaseException] = []

        def race(scheduler_: CronScheduler) -> None:
            try:
                for moment in moments:
                    barrier.wait(timeout=30)
                    scheduler_.fire_due(moment)
            except BaseException as error:  # reported by the main thread
                failures.append(error)
                barrier.abort()

        threads = [threading.Thread(target=race, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, failures
        assert cron_runs(first) == {
            "2026-01-05T09:00:00+00:00": 1,
            "2026-01-05T10:00:00+00:00": 1,
            "2026-01-05T11:00:00+00:00": 1,
        }


def test_a_restart_catches_up_the_latest_missed_tick_only(db_url: str, tmp_path: Path) -> None:
    workflow = campaign(tmp_path)
    clock = VirtualClock(START)
    with open_store(db_url) as store:
        before = scheduler(store, workflow, clock)
        before.fire_due(START)
        fired = before.fire_due(START + timedelta(minutes=31))
        assert [(f.tick.hour, f.run_id is not None) for f in fired] == [(9, True)]
        # Down from 09:01 until 11:30: the 10:00 and 11:00 ticks were missed.
        after = scheduler(store, workflow, clock)
        fired = after.fire_due(START + timedelta(hours=3))
        assert [f.tick.hour for f in fired] == [11]
        assert after.fire_due(START + timedelta(hours=3, minutes=5)) == []
        assert sorted(cron_runs(store)) == [
            "2026-01-05T09:00:00+00:00",
            "2026-01-05T11:00:00+00:00",
        ]


def test_catch_up_may_fire_several_missed_ticks(sqlite_url: str, tmp_path: Path) -> None:
    workflow = campaign(tmp_path)
    clock = VirtualClock(START)
    with open_store(sqlite_url) as store:
        before = scheduler(store, workflow, clock)
        before.fire_due(START)
        before.fire_due(START + timedelta(minutes=31))
        after = scheduler(store, workflow, clock, catch_up=5)
        fired = after.fire_due(START + timedelta(hours=3))
        assert [f.tick.hour for f in fired] == [10, 11]


def test_a_cron_run_completes_with_its_tick_in_the_event(sqlite_url: str, tmp_path: Path) -> None:
    workflow = campaign(tmp_path)
    clock = VirtualClock(START)
    with open_store(sqlite_url) as store:
        cron = scheduler(store, workflow, clock)
        cron.fire_due(START)
        clock.advance_to(START + timedelta(minutes=30))
        (fired,) = cron.fire_due(clock.now())
        assert fired.run_id is not None
        cron.engine.run_virtual(clock, until=clock.now())
        detail = store.get_run(fired.run_id)
        assert detail.run.status == "completed"
        assert detail.run.state["event"]["data"] == {
            "campaign": "hourly",
            "tick": "2026-01-05T09:00:00+00:00",
        }
