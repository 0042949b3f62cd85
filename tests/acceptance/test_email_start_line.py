"""`flow serve` and `flow worker` say at start which email transport they will
use and which setting chose it (issue 17 item 3): the installed command in a
subprocess, as an operator starts it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from tests._loopback import FLOW, flow_serve, wait_for
from tests.integration.email._email_servers import smtp_server

ROOT = Path(__file__).resolve().parents[2]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
EMAIL_SETTINGS = ("FLOW_SMTP_URL", "FLOW_EMAIL_PROVIDER", "RESEND_API_KEY", "RESEND_API_URL")


def environment(**settings: str) -> dict[str, str]:
    """The test's environment without any email setting of its own, plus ``settings``."""
    kept = {k: v for k, v in os.environ.items() if k not in EMAIL_SETTINGS}
    return {**kept, "APP_DATABASE_URL": APP_DB, **settings}


def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "workflows" / "signup-drip.yaml", tmp_path / "signup-drip.yaml")
    shutil.copytree(ROOT / "workflows" / "templates", tmp_path / "templates")
    return tmp_path


def worker_start(tmp_path: Path, env: dict[str, str]) -> str:
    """What `flow worker` prints before its first batch; it is stopped by SIGTERM."""
    err = tmp_path / "worker.err"
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    with err.open("wb") as output:
        worker = subprocess.Popen(
            [FLOW, "worker", "--db", db, "--workflows", "signup-drip.yaml"],
            cwd=tmp_path,
            env=env,
            stderr=output,
        )
    try:
        wait_for(lambda: "email: " in err.read_text(), "the worker's email line")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, err.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    return err.read_text()


def email_line(output: str) -> str:
    [line] = [line for line in output.splitlines() if "email: " in line]
    return line[line.index("email: ") :]


def test_flow_worker_names_its_smtp_server_or_resend(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with smtp_server() as (smtp_url, _):
        where = smtp_url.removeprefix("smtp://")
        shown = worker_start(folder, environment(FLOW_SMTP_URL=smtp_url))
        assert (
            email_line(shown) == f"email: SMTP {where} (STARTTLS when offered, from FLOW_SMTP_URL)"
        )
    resend = environment(FLOW_EMAIL_PROVIDER="resend", RESEND_API_KEY="re_secret_value")
    shown = worker_start(folder, resend)
    assert email_line(shown) == (
        "email: Resend's API at https://api.resend.com (from FLOW_EMAIL_PROVIDER=resend)"
    )
    assert "re_secret_value" not in shown


def test_flow_serve_says_email_stays_in_the_outbox_without_settings(tmp_path: Path) -> None:
    folder = project(tmp_path)
    db = f"sqlite:///{folder / 'flow.db'}"
    arguments = ("--db", db, "--workflows", "signup-drip.yaml")
    log = folder / "serve.log"
    with flow_serve(*arguments, cwd=folder, env=environment(), log=log) as daemon:
        line = wait_for(lambda: "email: " in daemon.output() and daemon.output(), "the line")
        assert email_line(line) == (
            "email: the outbox, .eml files under .flow/outbox/, none delivered"
            " (from no FLOW_SMTP_URL set)"
        )
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=30) == 0
