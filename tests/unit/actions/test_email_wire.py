"""The bytes an email is written as: compat32's output, only faster."""

from __future__ import annotations

import email
import email.policy
import random
import string
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.mime.image import MIMEImage
from email.mime.text import MIMEText
from email.policy import compat32

import pytest

from interpreter.actions.email.message import Draft, build_message
from interpreter.actions.email.transport import WIRE, wire_bytes

COMPAT32_WIRE = compat32.clone(linesep="\r\n")
NAMES = ["Subject", "To", "From", "Content-Type", "X-Flow-Email-Id", "Message-ID"]


def _values() -> list[str]:
    generator = random.Random(5322)
    alphabet = string.ascii_letters + string.digits + " \t;=\"<>@,.:-_()'/?!é\r\n"
    values = ["", " ", "Welcome to ACME", " padded ", "=?utf-8?q?x?=", "a" * 90, "Ünïcode"]
    values += [
        "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 100)))
        for _ in range(3000)
    ]
    return values


@pytest.mark.parametrize("name", NAMES)
def test_headers_fold_exactly_as_compat32_folds_them(name: str) -> None:
    for value in _values():
        try:
            expected = COMPAT32_WIRE.fold_binary(name, value)
        except email.errors.HeaderParseError:
            with pytest.raises(email.errors.HeaderParseError):
                WIRE.fold_binary(name, value)
            continue
        assert WIRE.fold_binary(name, value) == expected, (name, value)


def _draft(**changes: object) -> Draft:
    fields: dict[str, object] = {
        "sender": "flow@localhost",
        "to": ["ada@example.com"],
        "subject": "Welcome",
        "html": "<p>Hi</p>",
        "text": "Hi",
        "message_id": "<abc@localhost>",
        "email_id": "em_1",
        "date": datetime(2024, 5, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return Draft(**fields)  # type: ignore[arg-type]  # the fields above match Draft


def test_the_boundary_is_stable_for_a_message_id() -> None:
    first = build_message(_draft()).as_bytes(policy=WIRE)
    again = build_message(_draft()).as_bytes(policy=WIRE)
    other = build_message(_draft(message_id="<other@localhost>")).as_bytes(policy=WIRE)
    assert first == again
    assert first != other


def test_a_body_that_holds_the_boundary_gets_another_one() -> None:
    boundary = build_message(_draft()).get_boundary()
    assert boundary is not None
    text = f"--{boundary}\nnot a part\n--{boundary}--\n"
    message = build_message(_draft(text=text, html=f"<p>{boundary}</p>"))
    assert message.get_boundary() != boundary
    parsed = email.message_from_bytes(message.as_bytes(policy=WIRE), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    bodies = [str(part.get_content()).replace("\r\n", "\n") for part in parsed.iter_parts()]
    assert bodies == [text, f"<p>{boundary}</p>"]


@pytest.mark.parametrize(("index", "subtype"), [(0, "plain"), (1, "html")])
def test_an_ascii_part_is_the_part_mimetext_builds(index: int, subtype: str) -> None:
    body = "Hello,\n\n<p>there</p>\n"
    parts = build_message(_draft(text=body, html=body)).get_payload()
    assert isinstance(parts, list)
    part = parts[index]
    assert isinstance(part, Message)
    expected = MIMEText(body, subtype, "us-ascii")
    assert part.as_bytes(policy=WIRE) == expected.as_bytes(policy=WIRE)
    assert part.get_payload(decode=True) == expected.get_payload(decode=True)
    assert part.get_content_charset() == "us-ascii"


BODIES = [
    "",
    "Hi",
    "Hi\n",
    "line one\nline two\r\nline three\rend",
    "trailing blank lines\n\n\n",
    "\n leading newline",
    "é non-ascii goes base64\n",
    "x" * 1200 + "\nlong line goes base64",
    "--=_notaboundary\n",
]


@pytest.mark.parametrize("text", BODIES)
@pytest.mark.parametrize("html", [None, "<p>Hi</p>\n", "<p>é</p>"])
def test_wire_bytes_are_the_generators_bytes(text: str, html: str | None) -> None:
    for subject in ("Welcome", "Ünïcode subject that is long enough to be folded " * 2):
        message = build_message(_draft(text=text, html=html, subject=subject))
        assert wire_bytes(message) == message.as_bytes(policy=WIRE)


def test_other_messages_go_through_the_generator() -> None:
    message = build_message(_draft())
    message.preamble = "This is a multipart message."
    assert wire_bytes(message) == message.as_bytes(policy=WIRE)
    image = MIMEImage(b"GIF89a", "gif")
    assert wire_bytes(image) == image.as_bytes(policy=WIRE)
