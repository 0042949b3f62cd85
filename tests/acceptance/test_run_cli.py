"""The installed `flow` command as a user types it, in a subprocess: the main
job, and a run carried by `flow send`, a `flow worker` process and `flow runs`.
The behaviour of each command is tested in-process (tests/integration/cli)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from interpreter.store.database import open_store
from tests._loopback import FLOW, wait_for

ROOT = Path(__file__).resolve().parents[2]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"


def flow(*arguments: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOW, *arguments],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "APP_DATABASE_URL": APP_DB},
    )


def status(project: Path, run_id: str) -> str:
    """The run's status in the project's default database (.flow/flow.db)."""
    if not (project / ".flow" / "flow.db").exists():
        return ""
    with open_store(f"sqlite:///{project / '.flow' / 'flow.db'}") as store:
        return store.get_run(run_id).run.status


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


def test_the_main_job_runs_the_seed_campaign_in_virtual_time(project: Path) -> None:
    result = flow(
        "run",
        "workflows/signup-drip.yaml",
        "--event",
        "@workflows/events/signup-completed.event.json",
        "--secret",
        f"APP_DATABASE_URL={APP_DB}",
        "--simulate",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["AT", "STEP", "KIND", "STATUS", "WHAT", "HAPPENED"]
    assert [line.split()[:2] for line in lines[2:7]] == [
        ["+0s", "welcome_email"],
        ["+3d", "wait_for_engagement"],
        ["+3d", "route"],
        ["+3d", "check_plan"],
        ["+3d", "trial_offer_email"],
    ]
    assert lines[-2:] == [
        "completed after 3d",
        "2 emails written to .flow/outbox/, none delivered (--deliver sends them)",
    ]
    assert len(list((project / ".flow" / "outbox").glob("*.eml"))) == 2
    assert not (project / ".flow" / "flow.db").exists(), "simulation must not touch the real db"


def test_send_worker_and_runs_carry_a_run_through_a_click(project: Path) -> None:
    signup = '{"user": {"id": 3, "email": "linus@example.com", "first_name": "Linus"}}'
    sent = flow("send", "app/signup.completed", "--data", signup, "--format", "json", cwd=project)
    assert sent.returncode == 0, sent.stderr
    [run_id] = json.loads(sent.stdout)["started"]

    worker = subprocess.Popen(
        [FLOW, "worker", "--quiet"], cwd=project, env={**os.environ, "APP_DATABASE_URL": APP_DB}
    )
    try:
        # Polled in-process (a `flow runs show` a poll would cost an interpreter
        # start each); the state asserted is what `flow runs show` then prints.
        wait_for(lambda: status(project, run_id) == "waiting", "the run to wait")
        shown = json.loads(flow("runs", "show", run_id, "--format", "json", cwd=project).stdout)
        assert shown["status"] == "waiting"
        state = shown["state"]
        assert isinstance(state, dict)
        email_id = state["steps"]["welcome_email"]["output"]["id"]
        clicked = flow(
            "send",
            "resend/email.clicked",
            "--data",
            json.dumps({"email_id": email_id}),
            cwd=project,
        )
        assert "woke 1 waiting run" in clicked.stdout
        wait_for(lambda: status(project, run_id) == "sleeping", "the run to sleep")
        shown = json.loads(flow("runs", "show", run_id, "--format", "json", cwd=project).stdout)
        assert shown["status"] == "sleeping"  # a day before the power-user tips
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0

    listed = flow("runs", "list", cwd=project)
    assert run_id in listed.stdout and "sleeping" in listed.stdout
    cancelled = flow("runs", "cancel", run_id, cwd=project)
    assert cancelled.returncode == 0 and f"run {run_id} cancelled" in cancelled.stdout
    again = flow("runs", "cancel", run_id, cwd=project)
    assert again.returncode == 1 and "already cancelled" in again.stderr


def test_simulate_a_paris_signup_at_2230_gets_its_welcome_at_0800(project: Path) -> None:
    result = flow(
        "run",
        "workflows/trial-expiry.yaml",
        "--event",
        "@workflows/events/trial-started-paris.event.json",
        "--simulate",
        "--start",
        "2026-01-05T22:30:00+01:00",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == "timezone Europe/Paris, from the event"
    deferred, sent = lines[3].split(), lines[4].split()
    # The KIND column is the step's kind; what befell it is in WHAT HAPPENED.
    assert deferred[:3] == ["+0s", "welcome_email", "email.send"]
    assert " ".join(deferred[4:]) == "deferred by quiet hours until 2026-01-06 08:00 Europe/Paris"
    assert sent[:3] == ["+9h30m", "welcome_email", "email.send"]  # 08:00 Paris
    as_json = flow(
        "run",
        "workflows/trial-expiry.yaml",
        "--event",
        "@workflows/events/trial-started-paris.event.json",
        "--simulate",
        "--format",
        "json",
        "--start",
        "2026-01-05T22:30:00+01:00",
        cwd=project,
    )
    *entries, _ = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert entries[1]["step"] == "welcome_email" and entries[1]["at"] == "2026-01-06T07:00:00Z"
    assert entries[3]["output"] == {"opened_at": "2026-01-19T09:00:00+01:00"}


def test_start_needs_simulate_and_an_offset(project: Path) -> None:
    for extra, message in (([], "it needs --simulate"), (["--simulate"], "with an offset")):
        result = flow(
            "run",
            "workflows/trial-expiry.yaml",
            "--event",
            "@workflows/events/trial-started-paris.event.json",
            "--start",
            "2026-01-05T22:30:00" if extra else "2026-01-05T22:30:00+01:00",
            *extra,
            cwd=project,
        )
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
