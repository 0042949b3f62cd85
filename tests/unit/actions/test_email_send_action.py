from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.email import CapturingTransport, EmailSendAction
from interpreter.errors import ActionError
from interpreter.language.policies import policies_from_text

MakeContext = Callable[..., ActionContext]

WELCOME = (Path(__file__).parents[3] / "workflows/templates/welcome.html").read_text()
SCOPE = {
    "event": {"data": {"user": {"email": "ada@example.com"}}},
    "vars": {"email": "ada@example.com", "first_name": "Ada"},
    "steps": {},
    "run": {"id": "run_1"},
}
FIXED_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def send(
    context: ActionContext, arguments: dict[str, Any] | None = None, **env: str
) -> tuple[dict[str, Any], Path]:
    action = EmailSendAction(environ=env, clock=lambda: FIXED_NOW)
    output = action(
        arguments
        or {
            "to": "ada@example.com",
            "subject": "Welcome to ACME",
            "template": "templates/welcome.html",
        },
        context,
    )
    return output, context.data_dir / "outbox"


def parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): str(part.get_content()) for part in message.iter_parts()}


def welcome_context(make_context: MakeContext, **overrides: Any) -> ActionContext:
    fields: dict[str, Any] = {"files": {"templates/welcome.html": WELCOME}, "render_scope": SCOPE}
    fields.update(overrides)
    return make_context(**fields)


def test_the_outbox_holds_one_multipart_alternative_message(make_context: MakeContext) -> None:
    output, outbox = send(welcome_context(make_context))
    [path] = outbox.glob("*.eml")
    message = parse(path)
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "ada@example.com"
    assert message["From"] == "flow@localhost"
    assert message["Subject"] == "Welcome to ACME"
    assert message["Message-ID"] == output["message_id"]
    assert message["Date"] == "Wed, 01 May 2024 12:00:00 +0000"
    assert message["X-Flow-Email-Id"] == output["id"]
    bodies = parts(message)
    assert "<h1>Welcome to ACME, Ada</h1>" in bodies["text/html"]
    assert "Welcome to ACME, Ada" in bodies["text/plain"]
    assert "Take the tour (https://acme.example/start)" in bodies["text/plain"]
    assert "<" not in bodies["text/plain"]
    assert output == {
        "id": output["id"],
        "message_id": output["message_id"],
        "to": "ada@example.com",
        "subject": "Welcome to ACME",
    }
    assert output["id"].startswith("em_")


def test_the_txt_twin_is_the_plain_part(make_context: MakeContext) -> None:
    files = {
        "templates/welcome.html": WELCOME,
        "templates/welcome.txt": "Hi {{ vars.first_name }} & co",
    }
    _, outbox = send(welcome_context(make_context, files=files))
    [path] = outbox.glob("*.eml")
    assert parts(parse(path))["text/plain"].strip() == "Hi Ada & co"


def test_variables_are_escaped_in_html_but_not_in_the_subject(make_context: MakeContext) -> None:
    scope = {**SCOPE, "vars": {"first_name": "<script>alert(1)</script> & Bob"}}
    output, outbox = send(
        welcome_context(make_context, render_scope=scope),
        {
            "to": "ada@example.com",
            "subject": "Hi {{ vars.first_name }}",
            "template": "templates/welcome.html",
        },
    )
    [path] = outbox.glob("*.eml")
    html = parts(parse(path))["text/html"]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Bob" in html
    assert output["subject"] == "Hi <script>alert(1)</script> & Bob"


def test_a_retried_send_overwrites_its_own_file(make_context: MakeContext) -> None:
    first, outbox = send(welcome_context(make_context, attempt=1))
    second, _ = send(welcome_context(make_context, attempt=2))
    assert first == second
    assert len(list(outbox.iterdir())) == 1


def test_another_visit_writes_another_message(make_context: MakeContext) -> None:
    first, outbox = send(welcome_context(make_context, idempotency_key="k1"))
    second, _ = send(welcome_context(make_context, idempotency_key="k2"))
    assert first["id"] != second["id"]
    assert first["message_id"] != second["message_id"]
    assert len(list(outbox.glob("*.eml"))) == 2


def test_from_comes_from_the_step_then_the_environment(make_context: MakeContext) -> None:
    context = welcome_context(make_context)
    arguments = {"to": ["a@x.example", "B <b@y.example>"], "subject": "s", "html": "<p>x</p>"}
    output, outbox = send(context, arguments, FLOW_EMAIL_FROM="ACME <hello@acme.example>")
    [path] = outbox.glob("*.eml")
    message = parse(path)
    assert message["From"] == "ACME <hello@acme.example>"
    assert output["message_id"].endswith("@acme.example>")
    assert output["to"] == ["a@x.example", "B <b@y.example>"]
    send(context, {**arguments, "from": "ops@acme.example"}, FLOW_EMAIL_FROM="x@y.example")
    assert parse(path)["From"] == "ops@acme.example"


def test_a_text_only_email_is_plain(make_context: MakeContext) -> None:
    transport = CapturingTransport()
    EmailSendAction(transport=transport, environ={})(
        {"to": "a@x.example", "subject": "s", "text": "Hello {{ vars.first_name }}"},
        make_context(render_scope=SCOPE),
    )
    [sent] = transport.sent
    assert sent.message.get_content_type() == "text/plain"
    assert sent.message.get_content().strip() == "Hello Ada"
    assert sent.idempotency_key == "run_1:welcome_email:1"


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"to": "not-an-address"}, "'to'"),
        ({"to": "a@x.example\nBcc: victim@y.example"}, "'to'"),
        ({"to": "a@x.example, b@y.example"}, "'to'"),
        ({"to": []}, "'to'"),
        ({"from": "x@y.example\r\nBcc: v@z.example"}, "'from'"),
        ({"subject": "Hi\nBcc: v@z.example"}, "subject"),
        ({"subject": "Hi {{ vars.nl }}"}, "subject"),
        ({"template": "templates/missing.html"}, "templates/missing.html"),
    ],
)
def test_bad_input_is_not_retryable_and_sends_nothing(
    make_context: MakeContext, arguments: dict[str, Any], fragment: str
) -> None:
    transport = CapturingTransport()
    base = {"to": "a@x.example", "subject": "s", "template": "templates/welcome.html"}
    context = welcome_context(make_context, render_scope={**SCOPE, "vars": {"nl": "a\nb"}})
    with pytest.raises(ActionError) as caught:
        EmailSendAction(transport=transport, environ={})({**base, **arguments}, context)
    assert caught.value.retryable is False
    assert fragment in str(caught.value)
    assert transport.sent == []


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ vars.__class__.__init__.__globals__ }}",
        "{% for x in range(10**9) %}{% endfor %}",
        "{% if %}",
        "{{ 1 / 0 }}",
        "{% include 'templates/nope.html' %}",
    ],
)
def test_template_errors_name_the_template_in_one_line(
    make_context: MakeContext, source: str
) -> None:
    transport = CapturingTransport()
    context = make_context(files={"templates/evil.html": source}, render_scope=SCOPE)
    with pytest.raises(ActionError) as caught:
        EmailSendAction(transport=transport, environ={})(
            {"to": "a@x.example", "subject": "s", "template": "templates/evil.html"}, context
        )
    assert caught.value.retryable is False
    assert "templates/evil.html" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert transport.sent == []


def test_the_sandbox_hides_attributes_it_does_not_refuse(make_context: MakeContext) -> None:
    transport = CapturingTransport()
    context = make_context(files={"t.html": "[{{ ''.__class__ }}]"}, render_scope=SCOPE)
    EmailSendAction(transport=transport, environ={})(
        {"to": "a@x.example", "subject": "s", "template": "t.html"}, context
    )
    html = parts(transport.sent[0].message)["text/html"]
    assert "class" not in html
    assert "[]" in html


def test_templates_can_include_other_campaign_files(make_context: MakeContext) -> None:
    transport = CapturingTransport()
    files = {
        "templates/base.html": "<p>{% block body %}{% endblock %}</p>",
        "templates/mail.html": "{% extends 'templates/base.html' %}"
        "{% block body %}Hi {{ vars.first_name }}{% endblock %}",
    }
    EmailSendAction(transport=transport, environ={})(
        {"to": "a@x.example", "subject": "s", "template": "templates/mail.html"},
        make_context(files=files, render_scope=SCOPE),
    )
    assert "<p>Hi Ada</p>" in parts(transport.sent[0].message)["text/html"]


def test_a_display_name_with_a_comma_stays_one_recipient(make_context: MakeContext) -> None:
    transport = CapturingTransport()
    output = EmailSendAction(transport=transport, environ={})(
        {"to": '"Lovelace, Ada" <ada@example.com>', "subject": "s", "text": "x"},
        make_context(),
    )
    [address] = transport.sent[0].message["To"].addresses
    assert (address.display_name, address.addr_spec) == ("Lovelace, Ada", "ada@example.com")
    assert output["to"] == '"Lovelace, Ada" <ada@example.com>'


def test_the_category_comes_from_the_send_then_the_campaign_then_the_default(
    make_context: MakeContext,
) -> None:
    policies, problems = policies_from_text(
        "default_category: marketing\ncategories: {marketing: {}, tips: {}, receipts: {}}\n",
        "policies.yaml",
    )
    assert problems == []
    text = {"to": "ada@example.com", "subject": "Hi", "text": "Hi"}
    cases = [
        ({"category": "tips"}, "receipts", "tips"),
        ({}, "receipts", "receipts"),
        ({}, None, "marketing"),
    ]
    for extra, campaign, expected in cases:
        context = make_context(policies=policies, campaign_category=campaign)
        output, _ = send(context, {**text, **extra})
        assert output["category"] == expected
    # Without categories an email has none, as before policies.yaml existed.
    output, _ = send(make_context(), text)
    assert "category" not in output
    # A templated name that names no category fails for good rather than guess.
    with pytest.raises(ActionError, match="unknown category 'news'") as raised:
        send(make_context(policies=policies), {**text, "category": "news"})
    assert not raised.value.retryable
