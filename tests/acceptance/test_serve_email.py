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
from pathlib import Path
from typing import Any

import httpx

from interpreter.store.database import open_store
from tests._loopback import FLOW, flow_serve, wait_for
from tests.integration.email._email_servers import free_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"


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


# The polls read the database in-process (a `flow runs show` per poll would
# cost an interpreter start each); what is asserted comes from `flow runs show`.
def status(db: str, run_id: str) -> str:
    with open_store(db) as store:
        return store.get_run(run_id).run.status


def steps(db: str, run_id: str) -> list[str]:
    with open_store(db) as store:
        return [step.step_id for step in store.get_run(run_id).steps]


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
        # A fixed port, because FLOW_PUBLIC_URL (the tracked links) must name it.
        arguments = ("--db", db, "--workflows", "workflows")
        with flow_serve(*arguments, cwd=project, env=env, log=log, port=port) as daemon:
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
            wait_for(lambda: status(db, run_id) == "waiting", "the wait")
            assert run_json(project, db, run_id)["status"] == "waiting"

            click = httpx.get(tracked[0], follow_redirects=False)
            assert click.status_code == 302
            assert click.headers["location"] == "https://acme.example/start"

            def past_the_wait() -> bool:
                return status(db, run_id) == "sleeping" and "route" in steps(db, run_id)

            wait_for(past_the_wait, "the click to resolve the wait")
            detail = run_json(project, db, run_id)
            assert detail["status"] == "sleeping"
            route = next(e for e in detail["timeline"] if e["step"] == "route")
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

            wait_for(lambda: "welcome_email" in steps(db, second), "the second welcome email step")
            step = next(
                e for e in run_json(project, db, second)["timeline"] if e["step"] == "welcome_email"
            )
            assert step["output"]["skipped"] == "suppressed"
            assert len(mailbox.messages) == 1
            daemon.process.send_signal(signal.SIGTERM)
            assert daemon.process.wait(timeout=30) == 0, log.read_text()[-3000:]
