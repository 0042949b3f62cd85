"""Whose name the unsubscribe and preferences pages carry, from the settings."""

from __future__ import annotations

import pytest

from interpreter.http.reader_page import sender_name


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"FLOW_SENDER_NAME": "Acme", "FLOW_EMAIL_FROM": "Other <a@b.example>"}, "Acme"),
        ({"FLOW_EMAIL_FROM": '"Acme, Inc." <news@acme.example>'}, "Acme, Inc."),
        ({"FLOW_EMAIL_FROM": "news@acme.example"}, "acme.example"),
        ({"FLOW_SENDER_NAME": "  ", "FLOW_EMAIL_FROM": ""}, None),
        ({}, None),
    ],
)
def test_the_sender_is_the_setting_or_the_from_display_name_or_its_domain(
    environ: dict[str, str], name: str | None
) -> None:
    assert sender_name(environ) == name
