"""Transport selection from the environment, and the suppression list on the
in-memory store, including provider bounces and complaints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interpreter.actions.email.resend import ResendTransport
from interpreter.actions.email.smtp import SmtpTransport
from interpreter.daemon.email_setup import EmailSettingsError, check_links, email_transport
from interpreter.daemon.suppressions import (
    list_suppressions,
    suppress,
    suppress_from_provider_event,
    suppressed_among,
    unsuppress,
)
from interpreter.store import Store
from interpreter.store.memory import MemoryStore

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_the_transport_follows_the_environment() -> None:
    assert email_transport({}) is None  # the outbox
    smtp = email_transport(
        {"FLOW_SMTP_URL": "smtp://u:p@mail.example:2525", "FLOW_EMAIL_PROVIDER": "resend"}
    )
    assert isinstance(smtp, SmtpTransport) and smtp.settings.port == 2525
    resend = email_transport({"FLOW_EMAIL_PROVIDER": "resend", "RESEND_API_KEY": "re_x"})
    assert isinstance(resend, ResendTransport)
    resend.close()


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"FLOW_EMAIL_PROVIDER": "resend"}, "RESEND_API_KEY"),
        ({"FLOW_EMAIL_PROVIDER": "mailgun"}, "not known"),
        ({"FLOW_SMTP_URL": "http://u:hunter2@mail.example"}, "smtp://"),
    ],
)
def test_unusable_settings_are_refused_without_echoing_secrets(
    environ: dict[str, str], complaint: str
) -> None:
    with pytest.raises(EmailSettingsError, match=complaint) as caught:
        email_transport(environ)
    assert "hunter2" not in str(caught.value)


def test_links_need_an_http_url_and_a_secret_key() -> None:
    check_links({})
    check_links({"FLOW_PUBLIC_URL": "https://flow.example", "FLOW_SECRET_KEY": "k"})
    with pytest.raises(EmailSettingsError, match="FLOW_SECRET_KEY"):
        check_links({"FLOW_PUBLIC_URL": "https://flow.example"})
    with pytest.raises(EmailSettingsError, match="http"):
        check_links({"FLOW_PUBLIC_URL": "flow.example", "FLOW_SECRET_KEY": "k"})


@pytest.fixture
def store() -> Store:
    return MemoryStore()


def test_suppressions_are_case_insensitive_and_added_once(store: Store) -> None:
    assert suppress(store, ["Ada@Example.com"], "manual", NOW) == ["ada@example.com"]
    assert suppress(store, ["ada@example.com"], "unsubscribed", NOW) == []
    among = suppressed_among(store, ["ADA@example.com", "bob@example.com"])
    assert among == {"ada@example.com": None}
    (entry,) = list_suppressions(store)
    assert (entry.address, entry.reason) == ("ada@example.com", "manual")
    assert unsuppress(store, "ADA@example.com") is True
    assert unsuppress(store, "ada@example.com") is False
    assert suppressed_among(store, ["ada@example.com"]) == {}


def test_permanent_bounces_and_complaints_suppress_transient_bounces_do_not(
    store: Store,
) -> None:
    transient = {"to": ["a@example.com"], "bounce": {"type": "Transient"}}
    assert suppress_from_provider_event(store, "resend/email.bounced", transient, NOW) == []
    permanent = {"email_id": "re_1", "to": ["a@example.com"], "bounce": {"type": "Permanent"}}
    assert suppress_from_provider_event(store, "resend/email.bounced", permanent, NOW) == [
        "a@example.com"
    ]
    complaint = {"to": ["b@example.com"]}
    assert suppress_from_provider_event(store, "email.complained", complaint, NOW) == [
        "b@example.com"
    ]
    assert suppress_from_provider_event(store, "resend/email.clicked", complaint, NOW) == []
    reasons = {(s.address, s.reason, s.detail) for s in list_suppressions(store)}
    assert reasons == {("a@example.com", "bounced", "re_1"), ("b@example.com", "complained", None)}
