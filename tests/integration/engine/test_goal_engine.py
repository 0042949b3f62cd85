"""Conversion goals through the engine, on SQLite and PostgreSQL: a finished
run converts inside its window (its event goes to no inbox: the ingest hands
it to the core), once; a closed window's subscription is swept; an event that
arrived before the run's goal subscription was stored still converts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.store.database import open_store
from tests.integration.engine._engine_harness import campaign_from_text

CAMPAIGN = """
id: trial
on: {event: app/trial.started}
goal:
  event: app/subscription.created
  if: async.data.user_id == event.data.user.id
  within: 2d
steps:
  - id: note
    action: log
    with: {message: hi}
"""
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _engine(url: str, tmp_path: Path, clock: VirtualClock, text: str = CAMPAIGN) -> Engine:
    store = open_store(url)
    workflow = campaign_from_text(text, tmp_path)
    return Engine(store, Campaigns(store, [workflow]), clock, data_dir=tmp_path)


def test_a_finished_run_converts_inside_its_window_once(db_url: str, tmp_path: Path) -> None:
    clock = VirtualClock(T0)
    engine = _engine(db_url, tmp_path, clock)
    try:
        runs = [
            engine.ingest("app/trial.started", {"user": {"id": n}}).started[0] for n in range(3)
        ]
        engine.run_virtual(clock)
        assert {engine.store.get_run(r).run.status for r in runs} == {"completed"}
        assert [w.purpose for w in engine.store.list_waits(runs[0])] == ["goal"]
        clock.advance_to(T0 + timedelta(days=1))
        engine.ingest("app/subscription.created", {"user_id": 0})
        engine.ingest("app/subscription.created", {"user_id": 0})  # converts once
        engine.ingest("app/subscription.created", {"user_id": 99})  # nobody's
        (conversion,) = engine.store.list_conversions(runs)
        assert conversion.run_id == runs[0] and conversion.after_finish
        assert conversion.converted_at == T0 + timedelta(days=1)
        assert engine.store.get_run(runs[0]).run.status == "completed"
        assert engine.store.list_waits(runs[0]) == []
        clock.advance_to(T0 + timedelta(days=2, seconds=1))
        engine.ingest("app/subscription.created", {"user_id": 1})  # past the window
        assert engine.store.count_conversions() == 1
        # The next batch a worker saves sweeps the closed windows' subscriptions.
        engine.ingest("app/trial.started", {"user": {"id": 3}})
        engine.run_virtual(clock)
        assert engine.store.list_waits(runs[1]) == engine.store.list_waits(runs[2]) == []
    finally:
        engine.store.close()


def test_an_event_before_the_goal_subscription_was_stored_converts(
    db_url: str, tmp_path: Path
) -> None:
    slow = CAMPAIGN.replace("steps:\n", "steps:\n  - id: pause\n    sleep: 1d\n")
    clock = VirtualClock(T0)
    engine = _engine(db_url, tmp_path, clock, slow)
    try:
        started = [
            engine.ingest("app/trial.started", {"user": {"id": n}}).started[0] for n in (7, 8)
        ]
        clock.advance_to(T0 + timedelta(seconds=5))
        # The runs have not been driven yet: no goal subscription exists.
        assert engine.ingest("app/subscription.created", {"user_id": 7}).delivered == 0
        engine.drive_once()  # stores the subscriptions and finds the event
        engine.run_virtual(clock)
        statuses = [engine.store.get_run(run_id).run.status for run_id in started]
        assert statuses == ["converted", "completed"]
        (conversion,) = engine.store.list_conversions(started)
        assert conversion.run_id == started[0] and not conversion.after_finish
    finally:
        engine.store.close()


def test_a_run_that_finishes_in_its_first_batch_still_gets_an_earlier_event(
    db_url: str, tmp_path: Path
) -> None:
    clock = VirtualClock(T0)
    engine = _engine(db_url, tmp_path, clock)
    try:
        (run_id,) = engine.ingest("app/trial.started", {"user": {"id": 7}}).started
        clock.advance_to(T0 + timedelta(seconds=5))
        engine.ingest("app/subscription.created", {"user_id": 7})
        engine.run_virtual(clock)
        # It finished before it could see the event: completed, and converted after.
        assert engine.store.get_run(run_id).run.status == "completed"
        (conversion,) = engine.store.list_conversions([run_id])
        assert conversion.after_finish
    finally:
        engine.store.close()
