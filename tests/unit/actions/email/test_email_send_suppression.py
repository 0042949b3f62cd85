"""email.send with the suppression list, unsubscribe links and tracking switches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.email import CapturingTransport, EmailSendAction
from interpreter.errors import ActionError

LINKS = {"FLOW_PUBLIC_URL": "https://flow.example/", "FLOW_SECRET_KEY": "k"}
HTML = "<p>Hi <a href='https://acme.example/'>go</a></p>"


def _context(tmp_path: Path) -> ActionContext:
    return ActionContext(
        run_id="run_1",
        workflow_id="wf",
        step_id="s",
        attempt=1,
        idempotency_key="run_1:s:1",
        data_dir=tmp_path,
    )


def _blocked(*addresses: str) -> Callable[[Sequence[str]], set[str]]:
    def check(candidates: Sequence[str]) -> set[str]:
        return {a.lower() for a in candidates} & set(addresses)

    return check


def test_a_suppressed_recipient_is_skipped_and_nothing_is_sent(tmp_path: Path) -> None:
    mail = CapturingTransport()
    action = EmailSendAction(transport=mail, environ={}, suppressed=_blocked("ada@example.com"))
    output = action(
        {"to": "Ada <ADA@example.com>", "subject": "Hi", "text": "x"}, _context(tmp_path)
    )
    assert output["skipped"] == "suppressed"
    assert output["to"] == "ADA@example.com"
    assert output["id"].startswith("em_")
    assert mail.sent == []


def test_suppressed_recipients_are_dropped_from_a_list(tmp_path: Path) -> None:
    mail = CapturingTransport()
    action = EmailSendAction(transport=mail, environ={}, suppressed=_blocked("b@example.com"))
    output = action(
        {"to": ["a@example.com", "b@example.com"], "subject": "Hi", "text": "x"}, _context(tmp_path)
    )
    assert output["to"] == ["a@example.com"]
    (sent,) = mail.sent
    assert sent.message["To"] == "a@example.com"


def test_templates_see_the_unsubscribe_url_and_track_false_keeps_links(tmp_path: Path) -> None:
    mail = CapturingTransport()
    action = EmailSendAction(transport=mail, environ=LINKS)
    html = HTML + "<a href='{{ unsubscribe_url }}'>unsubscribe</a>"
    action(
        {"to": "a@example.com", "subject": "Hi", "html": html, "track": False}, _context(tmp_path)
    )
    (sent,) = mail.sent
    body = sent.message.get_body(("html",))
    assert body is not None
    content = body.get_content()
    assert "href='https://acme.example/'" in content and "/t/o/" not in content
    unsubscribe = str(sent.message["List-Unsubscribe"]).strip("<>")
    assert f"href='{unsubscribe}'" in content
    assert unsubscribe.startswith("https://flow.example/unsubscribe/")


def test_without_a_public_url_there_are_no_links_to_rewrite(tmp_path: Path) -> None:
    mail = CapturingTransport()
    EmailSendAction(transport=mail, environ={})(
        {"to": "a@example.com", "subject": "Hi", "html": HTML}, _context(tmp_path)
    )
    (sent,) = mail.sent
    assert sent.message["List-Unsubscribe"] is None
    body = sent.message.get_body(("html",))
    assert body is not None and "/t/c/" not in body.get_content()


def test_a_public_url_without_a_secret_key_is_refused(tmp_path: Path) -> None:
    action = EmailSendAction(
        transport=CapturingTransport(), environ={"FLOW_PUBLIC_URL": "https://flow.example"}
    )
    with pytest.raises(ActionError, match="FLOW_SECRET_KEY") as caught:
        action({"to": "a@example.com", "subject": "Hi", "text": "x"}, _context(tmp_path))
    assert not caught.value.retryable
