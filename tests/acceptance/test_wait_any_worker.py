"""A wait with ``any`` carried by a real `flow worker` process: `flow send`
resolves one run's wait with a click and another's with a subscription, and
the losing entry's event that follows wakes nobody."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

FLOW = str(Path(sys.executable).with_name("flow"))
ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ["--workflows", "workflows/welcome-engagement.yaml"]


def flow(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOW, *arguments], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def shown_when(run_id: str, cwd: Path, status: str) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    deadline = time.monotonic() + 90  # each `flow` call starts a fresh interpreter
    while time.monotonic() < deadline:
        shown = json.loads(flow("runs", "show", run_id, "--format", "json", cwd=cwd).stdout)
        if shown["status"] == status:
            return shown
        assert shown["status"] not in ("failed", "cancelled"), shown.get("error")
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} is {shown.get('status')}, not {status}")


def signup(user_id: int, cwd: Path) -> str:
    user = {"id": user_id, "email": f"u{user_id}@example.com", "first_name": "U"}
    data = json.dumps({"user": user})
    sent = flow(
        "send", "app/signup.completed", "--data", data, "--format", "json", *CAMPAIGN, cwd=cwd
    )
    assert sent.returncode == 0, sent.stderr
    [run_id] = json.loads(sent.stdout)["started"]
    return str(run_id)


def send(name: str, data: dict[str, Any], cwd: Path) -> str:
    sent = flow("send", name, "--data", json.dumps(data), *CAMPAIGN, cwd=cwd)
    assert sent.returncode == 0, sent.stderr
    return sent.stdout


def test_a_worker_resolves_each_wait_by_whichever_event_came_first(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    clicker, subscriber = signup(5, tmp_path), signup(6, tmp_path)
    worker = subprocess.Popen([FLOW, "worker", "--quiet", *CAMPAIGN], cwd=tmp_path)
    try:
        state = shown_when(clicker, tmp_path, "waiting")["state"]
        shown_when(subscriber, tmp_path, "waiting")
        email_id = state["steps"]["welcome"]["output"]["id"]
        assert "woke 1 waiting run" in send(
            "resend/email.clicked", {"email_id": email_id}, tmp_path
        )
        assert "woke 1 waiting run" in send("app/subscription.created", {"user_id": 6}, tmp_path)
        clicked = shown_when(clicker, tmp_path, "completed")
        subscribed = shown_when(subscriber, tmp_path, "completed")
        # The losing entries' events come later and find no wait.
        assert "woke 0 waiting run" in send("app/subscription.created", {"user_id": 5}, tmp_path)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    assert clicked["state"]["steps"]["engagement"]["output"]["index"] == 0
    assert "tips" in clicked["state"]["steps"] and "thanks" not in clicked["state"]["steps"]
    output = subscribed["state"]["steps"]["engagement"]["output"]
    assert output["index"] == 1 and output["name"] == "app/subscription.created"
    assert "thanks" in subscribed["state"]["steps"] and "tips" not in subscribed["state"]["steps"]
