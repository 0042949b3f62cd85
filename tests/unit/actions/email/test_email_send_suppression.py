"""email.send with the suppression list, unsubscribe links and tracking switches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.email import CapturingTransport, EmailSendAction
from interpreter.actions.email.send import SuppressionCheck
from interpreter.actions.email.tracking import TokenSigner
from interpreter.errors import ActionError
from interpreter.language.policies import NO_POLICIES, Policies, policies_from_text

LINKS = {"FLOW_PUBLIC_URL": "https://flow.example/", "FLOW_SECRET_KEY": "k"}
HTML = "<p>Hi <a href='https://acme.example/'>go</a></p>"


def _context(tmp_path: Path, policies: Policies = NO_POLICIES) -> ActionContext:
    return ActionContext(
        run_id="run_1",
        workflow_id="wf",
        step_id="s",
        attempt=1,
        idempotency_key="run_1:s:1",
        data_dir=tmp_path,
        policies=policies,
    )


TOPICS, _ = policies_from_text(
    "default_category: marketing\n"
    "categories: {marketing: {}, tips: {}, receipts: {transactional: true}}\n",
    "policies.yaml",
)


def _left(address: str, topic: str) -> SuppressionCheck:
    """The list as the store keeps it: ``address`` left ``topic`` only."""

    def check(candidates: Sequence[str], category: str | None) -> dict[str, str | None]:
        hit = category == topic
        return {a.lower(): topic for a in candidates if hit and a.lower() == address}

    return check


def _blocked(*addresses: str) -> SuppressionCheck:
    def check(candidates: Sequence[str], category: str | None) -> dict[str, str | None]:
        return {a.lower(): None for a in candidates if a.lower() in addresses}

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


def test_a_topic_left_skips_its_emails_only(tmp_path: Path) -> None:
    mail = CapturingTransport()
    action = EmailSendAction(
        transport=mail, environ={}, suppressed=_left("ada@example.com", "tips")
    )
    email = {"to": "ada@example.com", "subject": "Hi", "text": "x"}
    skipped = action({**email, "category": "tips"}, _context(tmp_path, TOPICS))
    assert (skipped["skipped"], skipped["category"]) == ("unsubscribed", "tips")
    assert mail.sent == []
    sent = action({**email, "category": "marketing"}, _context(tmp_path, TOPICS))
    assert sent["category"] == "marketing" and "skipped" not in sent
    assert len(mail.sent) == 1


def test_a_transactional_email_has_no_unsubscribe_and_is_not_checked_by_topic(
    tmp_path: Path,
) -> None:
    seen: list[str | None] = []

    def check(candidates: Sequence[str], category: str | None) -> dict[str, str | None]:
        seen.append(category)
        return {}

    mail = CapturingTransport()
    action = EmailSendAction(transport=mail, environ=LINKS, suppressed=check)
    email = {"to": "ada@example.com", "subject": "Receipt", "html": HTML, "category": "receipts"}
    action(email, _context(tmp_path, TOPICS))
    assert seen == [None]  # only the whole list may stop a receipt
    (sent,) = mail.sent
    assert sent.message["List-Unsubscribe"] is None
    assert sent.message["List-Unsubscribe-Post"] is None
    body = sent.message.get_body(("html",))
    assert body is not None and "/u/" not in body.get_content()


def test_a_categorised_email_unsubscribes_from_its_topic_and_links_the_preferences(
    tmp_path: Path,
) -> None:
    mail = CapturingTransport()
    action = EmailSendAction(transport=mail, environ=LINKS)
    action(
        {"to": "ada@example.com", "subject": "Tips", "html": HTML, "category": "tips"},
        _context(tmp_path, TOPICS),
    )
    (sent,) = mail.sent
    signer = TokenSigner("k")
    unsubscribe = str(sent.message["List-Unsubscribe"]).strip("<>")
    token = signer.open(unsubscribe.rsplit("/", 1)[1])
    assert token is not None and (token.kind, token.category) == ("unsubscribe", "tips")
    html = sent.message.get_body(("html",))
    text = sent.message.get_body(("plain",))
    assert html is not None and text is not None
    assert "https://flow.example/u/" in html.get_content()  # a footer the template did not write
    assert "Email preferences (https://flow.example/u/" in text.get_content()  # from the HTML
    link = html.get_content().split("https://flow.example/u/")[1].split('"')[0]
    opened = signer.open(link)
    assert opened is not None and opened.kind == "preferences"
    assert opened.addresses == ["ada@example.com"]
