"""Quiet hours on a real daemon: ``flow serve`` defers a signup's welcome email,
``flow runs show`` says until when in the user's zone and why that zone, the
deferral survives the daemon being stopped, and ``flow worker`` sends the email
when quiet hours end on the real clock.

The real clock cannot be set to 22:30 in Paris, so the campaign's quiet hours
are placed around the moment the test runs: they began 90 minutes ago and end
at the next whole minute at least 40 s away (on a loaded machine starting
`flow serve` and `flow send` and seeing the deferral has taken over 20 s), the
shape of a 22:30 signup in 21:00-08:00 brought within two minutes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from interpreter.store.database import open_store
from tests._loopback import FLOW, flow_serve, wait_for

PARIS = ZoneInfo("Europe/Paris")
CAMPAIGN = """
id: welcome
on: {event: app/signup.completed}
timezone: ${ event.data.user.timezone }
quiet_hours: {from: "%s", to: "%s"}
steps:
  - id: welcome_email
    action: email.send
    with: {to: "${ event.data.user.email }", subject: Welcome, text: hello}
"""


def flow(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOW, *arguments], cwd=project, capture_output=True, text=True, timeout=60, check=False
    )


def statuses(db: str) -> list[str]:
    with open_store(db) as store:
        return [run.status for run in store.list_runs(limit=10)]


def test_a_deferred_welcome_waits_for_the_end_of_quiet_hours_across_a_restart(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    ends = (now + timedelta(seconds=100)).replace(second=0, microsecond=0)
    began = (now - timedelta(minutes=90)).astimezone(PARIS)
    local_end = ends.astimezone(PARIS)
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "welcome.yaml").write_text(CAMPAIGN % (f"{began:%H:%M}", f"{local_end:%H:%M}"))
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    env = {**os.environ, "FLOW_LEASE_SECONDS": "5"}
    env.pop("FLOW_SMTP_URL", None)  # the outbox under .flow/, so the test reads the .eml

    log = tmp_path / "serve.log"
    with flow_serve(
        "--db", db, "--workflows", "workflows", cwd=tmp_path, env=env, log=log
    ) as serve:
        user = {"id": 1, "email": "amelie@example.com", "timezone": "Europe/Paris"}
        sent = flow(
            tmp_path,
            "send",
            "app/signup.completed",
            "--data",
            json.dumps({"user": user}),
            "--db",
            db,
        )
        assert sent.returncode == 0, sent.stderr

        # The polls read the database in-process (a `flow runs` per poll would
        # cost an interpreter start each); what is asserted comes from `flow runs`.
        wait_for(lambda: statuses(db) == ["sleeping"], "the run to be deferred", 60)
        [run] = json.loads(flow(tmp_path, "runs", "list", "--db", db, "--format", "json").stdout)
        assert run["status"] == "sleeping"
        assert datetime.fromisoformat(run["wake_at"].replace("Z", "+00:00")) == ends
        serve.process.send_signal(signal.SIGTERM)
        assert serve.process.wait(timeout=60) == 0

    shown = flow(tmp_path, "runs", "show", run["id"], "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert "timezone      Europe/Paris, from the event" in shown.stdout
    until = f"deferred by quiet hours until {local_end:%Y-%m-%d %H:%M} Europe/Paris"
    assert until in shown.stdout, shown.stdout
    assert not list(tmp_path.glob(".flow/**/*.eml"))  # nothing sent in quiet hours

    worker = subprocess.Popen(
        [FLOW, "worker", "--db", db, "--workflows", "workflows"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: list(tmp_path.glob(".flow/**/*.eml")), "the welcome email", 150)
        assert datetime.now(UTC) >= ends
        wait_for(lambda: statuses(db) == ["completed"], "the run to complete", 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    document = json.loads(
        flow(tmp_path, "runs", "show", run["id"], "--db", db, "--format", "json").stdout
    )
    assert document["status"] == "completed"
    kinds = [(entry["kind"], entry["attempt"]) for entry in document["timeline"]]
    assert kinds == [("quiet_hours", 0), ("email.send", 1)]
    sent_at = datetime.fromisoformat(document["timeline"][1]["at"].replace("Z", "+00:00"))
    assert sent_at >= ends
    assert len(list(tmp_path.glob(".flow/**/*.eml"))) == 1
