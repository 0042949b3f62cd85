"""Tracking tokens and the HTML rewrite."""

from __future__ import annotations

import base64
import re

import pytest

from interpreter.actions.email.tracking import TokenSigner, TrackingToken, track_html
from tests._legacy_tokens import legacy_seal

CLICK = TrackingToken("click", "em_1", "ada@example.com", "https://acme.example/a?b=1&c=2")


def test_a_sealed_token_opens_to_what_was_sealed() -> None:
    signer = TokenSigner("key")
    for token in (
        CLICK,
        TrackingToken("open", "em_1", ["a@x.example", "b@x.example"]),
        TrackingToken("unsubscribe", "em_2", "ada@example.com"),
    ):
        text = signer.seal(token)
        assert signer.open(text) == token
        assert text == signer.seal(token)  # derived: a retried send builds the same link


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_token_carries_no_personal_data() -> None:
    signer = TokenSigner("key")
    for token in (CLICK, TrackingToken("unsubscribe", "em_2", ["ada@example.com", "bo@x.example"])):
        text = signer.seal(token)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", text)
        decoded = _unb64(text)
        for secret in ("ada@example.com", "ada", "em_", "acme", '"t"', "example"):
            assert secret not in text and secret.encode() not in decoded
        # The first format carried the address in readable base64 JSON.
        legacy = legacy_seal("key", token)
        assert b"ada@example.com" in _unb64(legacy.split(".")[0])


def test_tokens_in_emails_already_sent_still_open() -> None:
    signer = TokenSigner("key")
    for token in (CLICK, TrackingToken("unsubscribe", "em_2", "ada@example.com")):
        assert signer.open(legacy_seal("key", token)) == token
        assert TokenSigner("other key").open(legacy_seal("key", token)) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tag altered
        lambda t: t[:20] + ("A" if t[20] != "A" else "B") + t[21:],  # ciphertext altered
        lambda t: "AQ" + t[2:],  # another version byte
        lambda t: t[:30],  # cut short
        lambda t: t + ".x",  # a second part
        lambda t: t + "!",  # not base64
        lambda t: "",
        lambda t: legacy_seal("key", CLICK)[:-2] + "AB",  # a first-format token, altered
        lambda t: legacy_seal("key", CLICK).replace(".", ".!"),
    ],
)
def test_an_altered_token_opens_to_nothing(mangle: object) -> None:
    signer = TokenSigner("key")
    assert callable(mangle)
    assert signer.open(mangle(signer.seal(CLICK))) is None


def test_a_token_from_another_key_opens_to_nothing() -> None:
    assert TokenSigner("key").open(TokenSigner("other key").seal(CLICK)) is None


def test_a_signed_click_must_still_point_at_a_web_link() -> None:
    signer = TokenSigner("key")
    sneaky = TrackingToken("click", "em_1", "ada@example.com", "javascript:alert(1)")
    assert signer.open(signer.seal(sneaky)) is None


def test_links_are_rewritten_and_a_pixel_added_before_the_body_ends() -> None:
    body = (
        '<html><body><a href="https://acme.example/a?b=1&amp;c=2">A</a>'
        "<a href='mailto:x@acme.example'>M</a><a href=\"#top\">T</a>"
        '<a class="u" href="https://flow.example/unsubscribe/x">U</a></body></html>'
    )
    signer = TokenSigner("key")
    out = track_html(
        body,
        signer=signer,
        public_url="https://flow.example",
        email_id="em_1",
        to="ada@example.com",
        skip=frozenset({"https://flow.example/unsubscribe/x"}),
    )
    token = out.split('href="https://flow.example/t/c/')[1].split('"')[0]
    assert signer.open(token) == CLICK  # the entity-escaped href, unescaped
    assert "href='mailto:x@acme.example'" in out and 'href="#top"' in out
    assert 'href="https://flow.example/unsubscribe/x"' in out
    assert out.count("/t/o/") == 1
    assert out.index("/t/o/") < out.index("</body>")
