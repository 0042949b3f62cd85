"""Quiet-hours deferrals and send windows are durable timers: they survive the
engine and its store being closed and opened again, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from interpreter.actions.email import CapturingTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.engine import Engine
from interpreter.language.definitions import Workflow
from interpreter.store.database import open_store
from tests.integration.engine._engine_harness import campaign_from_text

CAMPAIGN = """
id: welcome
on: {event: app/signup.completed}
timezone: ${ event.data.user.timezone }
quiet_hours: {from: "21:00", to: "08:00"}
steps:
  - id: welcome_email
    action: email.send
    with: {to: "${ event.data.user.email }", subject: Welcome, text: hello}
  - id: weekday_morning
    wait_for_window: {days: [mon, tue, wed, thu, fri], between: ["09:00", "11:30"]}
  - id: note
    action: log
    with: {message: "${ steps.weekday_morning.output.opened_at }"}
"""
SIGNUP = datetime(2026, 1, 9, 21, 30, tzinfo=UTC)  # Friday 22:30 in Paris
SATURDAY_8 = datetime(2026, 1, 10, 7, 0, tzinfo=UTC)  # Saturday 08:00 in Paris
MONDAY_9 = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris


def engine(
    url: str, workflow: Workflow, now: datetime, mail: CapturingTransport, data: Path
) -> Engine:
    store = open_store(url)
    actions = build_actions(email_transport=mail, environ={})
    return Engine(
        store, Campaigns(store, [workflow]), VirtualClock(now), data_dir=data, actions=actions
    )


def test_a_deferred_step_and_a_window_survive_restarts(db_url: str, tmp_path: Path) -> None:
    workflow = campaign_from_text(CAMPAIGN, tmp_path)
    mail = CapturingTransport()
    first = engine(db_url, workflow, SIGNUP, mail, tmp_path)
    try:
        user = {"id": 1, "email": "amelie@example.com", "timezone": "Europe/Paris"}
        (run_id,) = first.ingest("app/signup.completed", {"user": user}).started
        first.drive_once()
        record = first.store.get_run(run_id).run
        assert (record.status, record.wake_at) == ("sleeping", SATURDAY_8)
        assert record.state["timezone"] == "Europe/Paris"
        assert record.state["timezone_why"] == "from the event"
    finally:
        first.store.close()
    assert mail.sent == []

    # A new process, one second early: the deferral holds.
    second = engine(db_url, workflow, SATURDAY_8 - timedelta(seconds=1), mail, tmp_path)
    try:
        assert second.drive_once() == 0
        assert second.store.next_wake_at() == SATURDAY_8
        assert isinstance(second.clock, VirtualClock)
        second.clock.advance_to(SATURDAY_8)
        second.drive_once()
        assert [email.message["Subject"] for email in mail.sent] == ["Welcome"]
        detail = second.store.get_run(run_id)
        # Saturday: the window waits for Monday 09:00 Paris.
        assert (detail.run.status, detail.run.wake_at) == ("sleeping", MONDAY_9)
        rows = [(s.step_id, s.kind, s.attempt, s.finished_at) for s in detail.steps]
        assert rows == [
            ("welcome_email", "quiet_hours", 0, SIGNUP),
            ("welcome_email", "email.send", 1, SATURDAY_8),
        ]
    finally:
        second.store.close()

    third = engine(db_url, workflow, MONDAY_9, mail, tmp_path)
    try:
        third.drive_once()
        detail = third.store.get_run(run_id)
        assert detail.run.status == "completed"
        assert detail.steps[-1].input == {"message": "2026-01-12T09:00:00+01:00"}
        assert len(mail.sent) == 1  # the welcome was not sent again
    finally:
        third.store.close()
