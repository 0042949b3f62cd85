"""`flow runs cancel` through the installed command: a cancel executes nothing
of the run, not even a start still queued ahead of it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

FLOW = str(Path(sys.executable).with_name("flow"))
ROOT = Path(__file__).resolve().parents[2]
# The outbox and nothing else: no real delivery from the environment.
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "RESEND"))},
    "NO_COLOR": "1",
    "APP_DATABASE_URL": f"sqlite:///{ROOT}/workflows/demo/app.db",
}


def flow(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOW, *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=ENV,
    )


def test_a_run_cancelled_before_any_worker_sends_nothing(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "workflows", tmp_path / "workflows", ignore=shutil.ignore_patterns("*.db")
    )
    db = ["--db", f"sqlite:///{tmp_path / 'flow.db'}"]
    signup = {"user": {"id": 7, "email": "ada@example.com", "first_name": "Ada"}}
    sent = flow("send", "app/signup.completed", "--data", json.dumps(signup), *db, cwd=tmp_path)
    assert sent.returncode == 0, sent.stderr
    [run] = json.loads(flow("runs", "list", "--format", "json", *db, cwd=tmp_path).stdout)

    cancelled = flow("runs", "cancel", run["id"], *db, cwd=tmp_path)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == f"run {run['id']} cancelled"

    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [FLOW, "worker", *db], cwd=tmp_path, env=ENV, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while b"Ctrl-C to stop" not in (tmp_path / "worker.log").read_bytes():
            assert time.monotonic() < deadline and worker.poll() is None, "worker did not start"
            time.sleep(0.1)
        time.sleep(2)  # a worker polls every 0.5 s: several chances to run anything
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        log.close()
    shown = flow("runs", "show", run["id"], "--format", "json", *db, cwd=tmp_path)
    document = json.loads(shown.stdout)
    assert document["status"] == "cancelled"
    assert [entry for entry in document["timeline"] if entry.get("kind") == "email.send"] == []
    outbox = tmp_path / ".flow" / "outbox"
    assert not outbox.exists() or list(outbox.iterdir()) == []
    again = flow("runs", "cancel", run["id"], *db, cwd=tmp_path)
    assert again.returncode != 0 and "already cancelled" in again.stderr
