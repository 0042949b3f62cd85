"""`flow` sending email as the environment configures, in-process through
``main(argv)``: SMTP to a real server on loopback, the suppression list, bad settings."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests._cli import APP_DB, ROOT, Ran, run_flow

RUN = (
    "run",
    "workflows/signup-drip.yaml",
    "--event",
    "@workflows/events/signup-completed.event.json",
    "--secret",
    f"APP_DATABASE_URL={APP_DB}",
)


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def flow(*arguments: str, cwd: Path, **environ: str) -> Ran:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FLOW_", "RESEND_"))}
    return run_flow(arguments, cwd=cwd, env={**clean, **environ})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


@pytest.fixture
def smtp() -> Iterator[tuple[str, _Inbox]]:
    inbox = _Inbox()
    with socket.socket() as probe:  # aiosmtpd's controller cannot take port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def test_a_simulation_never_reaches_a_real_inbox(project: Path, smtp: tuple[str, _Inbox]) -> None:
    url, inbox = smtp
    result = flow(
        *RUN,
        "--simulate",
        cwd=project,
        FLOW_SMTP_URL=url,
        FLOW_EMAIL_FROM="ACME <hello@acme.example>",
    )
    assert result.returncode == 0, result.stderr
    assert inbox.envelopes == []
    assert len(list((project / ".flow" / "outbox").glob("*.eml"))) == 2
    assert result.stdout.splitlines()[-1] == (
        "2 emails written to .flow/outbox/, none delivered (--deliver sends them)"
    )
    # Nor through Resend: its API here is a closed port, so a send would fail the run.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    resend = flow(
        *RUN,
        "--simulate",
        "--format",
        "json",
        cwd=project,
        FLOW_EMAIL_PROVIDER="resend",
        RESEND_API_KEY="re_test",
        RESEND_API_URL=closed,
    )
    assert resend.returncode == 0, resend.stderr
    assert "2 emails written to .flow/outbox/" in resend.stderr
    assert len(list((project / ".flow" / "outbox").glob("*.eml"))) == 4


def test_deliver_goes_with_simulate(project: Path) -> None:
    result = flow(*RUN, "--deliver", cwd=project)
    assert result.returncode == 2
    assert "--deliver goes with --simulate" in result.stderr


def test_flow_run_simulate_deliver_sends_through_the_configured_smtp_server(
    project: Path, smtp: tuple[str, _Inbox]
) -> None:
    url, inbox = smtp
    result = flow(
        *RUN,
        "--simulate",
        "--deliver",
        cwd=project,
        FLOW_SMTP_URL=url,
        FLOW_EMAIL_FROM="ACME <hello@acme.example>",
        FLOW_PUBLIC_URL="https://flow.example",
        FLOW_SECRET_KEY="k",
    )
    assert result.returncode == 0, result.stderr
    assert [e.rcpt_tos for e in inbox.envelopes] == [["ada@example.com"], ["ada@example.com"]]
    assert all(e.mail_from == "hello@acme.example" for e in inbox.envelopes)
    assert b"List-Unsubscribe: <https://flow.example/unsubscribe/" in (
        inbox.envelopes[0].original_content or b""
    )
    assert not (project / ".flow" / "outbox").exists()
    where = url.removeprefix("smtp://")
    assert result.stdout.splitlines()[-1] == (
        f"2 emails handed to SMTP {where} (STARTTLS when offered, from FLOW_SMTP_URL)"
    )


def test_a_suppressed_address_gets_no_email_and_the_run_completes(project: Path) -> None:
    db = f"sqlite:///{project / 'flow.db'}"
    added = flow("suppressions", "add", "Ada@Example.com", "--db", db, cwd=project)
    assert added.returncode == 0, added.stderr
    listed = flow("suppressions", "list", "--format", "json", "--db", db, cwd=project)
    assert [(s["address"], s["reason"]) for s in json.loads(listed.stdout)] == [
        ("ada@example.com", "manual")
    ]
    result = flow(*RUN, "--simulate", "--db", db, "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    *entries, _ = [json.loads(line) for line in result.stdout.splitlines()]
    sends = [e for e in entries if e["kind"] == "email.send"]
    assert sends and all(e["output"]["skipped"] == "suppressed" for e in sends)
    assert not list((project / ".flow" / "outbox").glob("*.eml"))

    removed = flow("suppressions", "remove", "ada@example.com", "--db", db, cwd=project)
    assert removed.returncode == 0
    again = flow("suppressions", "remove", "ada@example.com", "--db", db, cwd=project)
    assert again.returncode == 1 and "not suppressed" in again.stderr


def test_a_public_url_without_a_secret_key_stops_before_any_run(project: Path) -> None:
    result = flow(*RUN, "--simulate", cwd=project, FLOW_PUBLIC_URL="https://flow.example")
    assert result.returncode == 1
    assert "FLOW_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_suppressions_help_shows_examples(project: Path) -> None:
    result = flow("suppressions", "--help", cwd=project)
    assert result.returncode == 0
    assert "flow suppressions add ada@example.com" in result.stdout
