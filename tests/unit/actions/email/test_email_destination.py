"""The line `flow serve` and `flow worker` start with: where email goes and
which setting chose it, never a credential (issue 17 item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from interpreter.daemon.email_setup import email_destination, email_transport

DATA = Path(".flow")


@pytest.mark.parametrize(
    ("environ", "shown"),
    [
        (
            {},
            "the outbox, .eml files under .flow/outbox/, none delivered"
            " (from no FLOW_SMTP_URL set)",
        ),
        (
            {"FLOW_EMAIL_PROVIDER": "outbox"},
            "the outbox, .eml files under .flow/outbox/, none delivered"
            " (from FLOW_EMAIL_PROVIDER=outbox)",
        ),
        (
            {"FLOW_SMTP_URL": "smtp://mail.example.com"},
            "SMTP mail.example.com:587 (STARTTLS when offered, from FLOW_SMTP_URL)",
        ),
        (
            {"FLOW_SMTP_URL": "smtp://ada:hunter2@mail.example.com:2525"},
            "SMTP mail.example.com:2525 (STARTTLS, required to log in, from FLOW_SMTP_URL)",
        ),
        (
            {"FLOW_SMTP_URL": "smtps://ada:hunter2@mail.example.com"},
            "SMTP mail.example.com:465 (TLS, from FLOW_SMTP_URL)",
        ),
        (
            {"FLOW_SMTP_URL": "smtp://127.0.0.1:1025?starttls=off"},
            "SMTP 127.0.0.1:1025 (no TLS, from FLOW_SMTP_URL)",
        ),
        (
            {
                "FLOW_SMTP_URL": "smtp://mail.example.com",
                "FLOW_EMAIL_PROVIDER": "resend",
                "RESEND_API_KEY": "re_hunter2",
            },
            "SMTP mail.example.com:587 (STARTTLS when offered, from FLOW_SMTP_URL;"
            " FLOW_EMAIL_PROVIDER=resend is ignored)",
        ),
        (
            {"FLOW_EMAIL_PROVIDER": "resend", "RESEND_API_KEY": "re_hunter2"},
            "Resend's API at https://api.resend.com (from FLOW_EMAIL_PROVIDER=resend)",
        ),
        (
            {
                "FLOW_EMAIL_PROVIDER": "Resend",
                "RESEND_API_KEY": "re_hunter2",
                "RESEND_API_URL": "http://127.0.0.1:9",
            },
            "Resend's API at http://127.0.0.1:9"
            " (from FLOW_EMAIL_PROVIDER=resend and RESEND_API_URL)",
        ),
    ],
)
def test_the_start_line_names_the_transport_and_its_setting(
    environ: dict[str, str], shown: str
) -> None:
    email_transport(environ)  # accepted, as at start
    where = email_destination(environ, DATA)
    assert where == shown
    assert "hunter2" not in where and "ada" not in where
