"""Issue 6's promise, end to end through `flow serve`: the seed campaign sends its
welcome email to a real SMTP server; a real HTTP request on the tracked link
moves the run on towards the power-user tips; an unsubscribe stops every later
email to that address."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.integration.email._email_servers import free_port, smtp_server

FLOW = str(Path(sys.executable).with_name("flow"))
ROOT = Path(__file__).resolve().parents[2]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


def run_json(project: Path, db: str, run_id: str) -> dict[str, Any]:
    shown = subprocess.run(
        [FLOW, "runs", "show", run_id, "--db", db, "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    document: dict[str, Any] = json.loads(shown.stdout)
    return document


def signup(base: str, user_id: int) -> str:
    answer = httpx.post(
        f"{base}/e/test-key",
        json={
            "name": "app/signup.completed",
            "data": {"user": {"id": user_id, "email": "ada@example.com", "first_name": "Ada"}},
        },
    )
    assert answer.status_code == 200, answer.text
    event_id: str = answer.json()["ids"][0]
    return event_id


def test_smtp_send_tracked_click_and_unsubscribe_through_flow_serve(tmp_path: Path) -> None:
    project = tmp_path
    shutil.copytree(
        ROOT / "workflows", project / "workflows", ignore=shutil.ignore_patterns("*.test.yaml")
    )
    db = f"sqlite:///{project / 'flow.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with smtp_server() as (smtp_url, mailbox):
        env = {
            **os.environ,
            "FLOW_SMTP_URL": smtp_url,
            "FLOW_PUBLIC_URL": base,
            "FLOW_SECRET_KEY": "an acceptance-test secret",
            "APP_DATABASE_URL": APP_DB,
            "FLOW_EMAIL_FROM": "ACME <hello@acme.test>",
        }
        log = project / "serve.log"
        with log.open("wb") as output:
            daemon = subprocess.Popen(
                [FLOW, "serve", "--port", str(port), "--db", db, "--workflows", "workflows"],
                cwd=project,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(lambda: _healthy(base) or daemon.poll() is not None, "flow serve")
            assert daemon.poll() is None, log.read_text()

            signup(base, 1)
            [welcome] = wait_for(lambda: mailbox.messages, "the welcome email")
            assert welcome["Subject"] == "Welcome to ACME"
            assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert welcome.get_content_type() == "multipart/alternative"
            html = welcome.get_body(preferencelist=("html",))
            assert html is not None
            tracked = re.findall(rf'href="({re.escape(base)}/t/c/[^"]+)"', html.get_content())
            assert tracked, html.get_content()

            runs = json.loads(
                subprocess.run(
                    [FLOW, "runs", "list", "--db", db, "--format", "json"],
                    cwd=project,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            run_id = runs[0]["id"]
            wait_for(lambda: run_json(project, db, run_id)["status"] == "waiting", "the wait")

            click = httpx.get(tracked[0], follow_redirects=False)
            assert click.status_code == 302
            assert click.headers["location"] == "https://acme.example/start"

            def past_the_wait() -> bool:
                detail = run_json(project, db, run_id)
                steps = [entry["step"] for entry in detail["timeline"]]
                return detail["status"] == "sleeping" and "route" in steps

            wait_for(past_the_wait, "the click to resolve the wait")
            route = next(
                e for e in run_json(project, db, run_id)["timeline"] if e["step"] == "route"
            )
            assert route["output"] == {"next": None}  # clicked: on towards the tips

            unsubscribe = re.search(r"<(https?://[^>]+)>", welcome["List-Unsubscribe"])
            assert unsubscribe is not None
            assert httpx.post(unsubscribe.group(1)).status_code == 200
            listed = subprocess.run(
                [FLOW, "suppressions", "list", "--db", db, "--format", "json"],
                cwd=project,
                capture_output=True,
                text=True,
                check=True,
            )
            assert "ada@example.com" in listed.stdout

            signup(base, 2)  # a second account with the same address
            runs = json.loads(
                subprocess.run(
                    [FLOW, "runs", "list", "--db", db, "--format", "json"],
                    cwd=project,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            second = next(r["id"] for r in runs if r["id"] != run_id)

            def welcome_skipped() -> bool:
                timeline = run_json(project, db, second)["timeline"]
                return any(e["step"] == "welcome_email" for e in timeline)

            wait_for(welcome_skipped, "the second welcome email step")
            step = next(
                e for e in run_json(project, db, second)["timeline"] if e["step"] == "welcome_email"
            )
            assert step["output"]["skipped"] == "suppressed"
            assert len(mailbox.messages) == 1
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=30) == 0, log.read_text()[-3000:]


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
