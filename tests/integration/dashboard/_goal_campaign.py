"""A campaign with a conversion goal for the dashboard tests, and runs of it
through a real engine: sends, opens, clicks, a split recorded as the split
step records it, and conversions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow_text
from interpreter.store.records import StepRecord
from tests.integration.dashboard._dashboard_live import LiveDashboard

TRIAL = """
id: trial
name: Trial
on: {event: app/trial.started}
goal:
  event: app/subscription.created
  if: async.data.user_id == event.data.user.id
steps:
  - id: welcome
    action: email.send
    with: {to: "${ event.data.user.email }", subject: Hi, html: "<p>hi</p>"}
  - id: wait
    sleep: 1d
  - id: reminder
    action: email.send
    with: {to: "${ event.data.user.email }", subject: Again, html: "<p>again</p>"}
"""


def trial_campaign(tmp_path: Path) -> Workflow:
    workflow, problems = load_workflow_text(TRIAL, str(tmp_path / "trial.yaml"))
    assert workflow is not None, [p.as_text() for p in problems]
    return workflow


def play_trial(board: LiveDashboard) -> list[str]:
    """Four trial runs: 0 and 1 take path ``a``, 2 and 3 path ``b``; all get the
    welcome email, 0 and 2 open it, 0 clicks; 0 and 1 (path ``a``) convert and their runs end."""
    engine = board.engine
    runs: list[str] = []
    for n in range(4):
        data = {"user": {"id": n, "email": f"user{n}@example.com"}}
        runs += engine.ingest("app/trial.started", data).started
    while engine.drive_once():
        pass
    now = datetime.now(UTC)
    with engine.store.transaction() as tx:
        tx.record_steps(
            [
                StepRecord(
                    run,
                    "offer",
                    1,
                    1,
                    "split",
                    "ok",
                    None,
                    {"path": "a" if n < 2 else "b", "bucket": n},
                    None,
                    now,
                    now,
                )
                for n, run in enumerate(runs)
            ]
        )
    ids = []
    for run in runs:
        (welcome,) = [s for s in engine.store.get_run(run).steps if s.step_id == "welcome"]
        assert isinstance(welcome.output, dict)
        ids.append(welcome.output["id"])
    engine.ingest("email.opened", {"email_id": ids[0], "to": "user0@example.com"})
    engine.ingest("email.opened", {"email_id": ids[2], "to": "user2@example.com"})
    engine.ingest(
        "email.clicked", {"email_id": ids[0], "link": "https://x", "to": "user0@example.com"}
    )
    for n in (0, 1):
        engine.ingest("app/subscription.created", {"user_id": n})
    while engine.drive_once():
        pass
    return runs
