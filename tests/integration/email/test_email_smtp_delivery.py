"""email.send over SMTP to a real server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.email import EmailSendAction
from interpreter.actions.email.smtp import SmtpTransport, parse_smtp_url
from interpreter.daemon.clock import VirtualClock
from interpreter.errors import ActionError
from interpreter.store import open_store
from tests.integration.email._email_servers import SECRET_KEY, email_engine, free_port, smtp_server

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
CAMPAIGN = """\
id: one-email
on:
  event: app/hello
retry: {attempts: 3, initial_delay: 10s}
steps:
  - id: hello
    action: email.send
    with:
      to: ${ event.data.to }
      subject: Hello
      html: "<p>Hi <a href='https://example.com/x?a=1&amp;b=2'>there</a></p>"
  - id: after
    action: log
    with:
      message: sent
"""


def _context(tmp_path: Path) -> ActionContext:
    return ActionContext(
        run_id="run_1",
        workflow_id="wf",
        step_id="welcome",
        attempt=1,
        idempotency_key="run_1:welcome:1",
        data_dir=tmp_path,
    )


def _campaign(tmp_path: Path) -> Path:
    path = tmp_path / "one-email.yaml"
    path.write_text(CAMPAIGN)
    return path


def test_a_message_arrives_as_multipart_alternative_with_its_headers(tmp_path: Path) -> None:
    environ = {
        "FLOW_PUBLIC_URL": "https://flow.example",
        "FLOW_SECRET_KEY": SECRET_KEY,
        "FLOW_UNSUBSCRIBE_MAILTO": "unsubscribe@acme.example",
    }
    with smtp_server() as (url, mailbox):
        action = EmailSendAction(transport=SmtpTransport.from_url(url), environ=environ)
        output = action(
            {
                "to": "Ada Lovelace <ada@example.com>",
                "from": "ACME <hello@acme.example>",
                "subject": "Welcome, Ada",
                "html": "<p>Hi <a href='https://acme.example/'>go</a></p>",
            },
            _context(tmp_path),
        )
        (envelope,) = mailbox.envelopes
        (message,) = mailbox.messages
    assert envelope.mail_from == "hello@acme.example"
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == output["message_id"]
    assert message["From"] == "ACME <hello@acme.example>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "Welcome, Ada"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    targets = [t.strip().strip("<>") for t in str(message["List-Unsubscribe"]).split(",")]
    assert targets[0].startswith("https://flow.example/unsubscribe/")
    assert targets[1] == "mailto:unsubscribe@acme.example?subject=unsubscribe"
    html = message.get_body(("html",))
    assert html is not None
    assert "https://flow.example/t/c/" in html.get_content()
    assert "https://flow.example/t/o/" in html.get_content()
    text = message.get_body(("plain",))
    assert text is not None
    assert "https://acme.example/" in text.get_content()  # the reader's link, untracked


def test_credentials_require_starttls_and_never_show_the_password(tmp_path: Path) -> None:
    with smtp_server() as (url, mailbox):
        secured = url.replace("smtp://", "smtp://mailer:s3cr%2Ft@")
        action = EmailSendAction(transport=SmtpTransport.from_url(secured), environ={})
        with pytest.raises(ActionError) as caught:
            action({"to": "ada@example.com", "subject": "Hi", "text": "Hi"}, _context(tmp_path))
        assert mailbox.envelopes == []
    assert not caught.value.retryable
    assert "STARTTLS" in str(caught.value)
    assert "s3cr" not in str(caught.value)


def test_settings_parse_from_the_url() -> None:
    settings = parse_smtp_url("smtps://user%40acme:p%40ss@mail.acme.example?timeout=5")
    assert (settings.implicit_tls, settings.host, settings.port) == (True, "mail.acme.example", 465)
    assert (settings.username, settings.password, settings.timeout) == ("user@acme", "p@ss", 5.0)
    assert parse_smtp_url("smtp://127.0.0.1:2525?starttls=off").starttls is False
    assert parse_smtp_url("smtp://mail.example").port == 587
    with pytest.raises(ValueError, match="smtp://"):
        parse_smtp_url("http://mail.example")


def test_smtp_down_then_up_costs_retries_but_sends_exactly_once(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet: connection refused
    clock = VirtualClock(START)
    environ = {"FLOW_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    with open_store(f"sqlite:///{tmp_path / 'flow.db'}") as store:
        engine = email_engine(store, clock, tmp_path, environ, _campaign(tmp_path))
        (run_id,) = engine.ingest("app/hello", {"to": "ada@example.com"}).started
        engine.drive_once()
        first = store.get_run(run_id)
        assert first.run.status == "running"
        assert first.run.wake_at is not None and first.run.wake_at > START  # a retry is due
        assert [(s.attempt, s.status, s.error["retryable"]) for s in first.steps] == [
            (1, "error", True)
        ]
        assert "refused" in first.steps[0].error["message"].lower()
        with smtp_server(port) as (_, mailbox):
            engine.run_virtual(clock)
            delivered = mailbox.envelopes
        detail = store.get_run(run_id)
    assert detail.run.status == "completed"
    hello = [(s.attempt, s.status) for s in detail.steps if s.step_id == "hello"]
    assert hello == [(1, "error"), (2, "ok")]
    assert len(delivered) == 1
    assert delivered[0].rcpt_tos == ["ada@example.com"]


def test_a_550_rejection_fails_the_step_without_retry(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    with smtp_server() as (url, mailbox), open_store(f"sqlite:///{tmp_path / 'f.db'}") as store:
        engine = email_engine(store, clock, tmp_path, {"FLOW_SMTP_URL": url}, _campaign(tmp_path))
        (run_id,) = engine.ingest("app/hello", {"to": "reject-me@example.com"}).started
        engine.run_virtual(clock)
        detail = store.get_run(run_id)
        assert mailbox.envelopes == []
    assert detail.run.status == "failed"
    (step,) = detail.steps
    assert (step.attempt, step.status, step.error["retryable"]) == (1, "error", False)
    assert "550" in step.error["message"]
