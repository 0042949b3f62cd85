"""The outbox transport's file handling: folder on first use, atomic replace, no leftovers."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from interpreter.actions.email import transport
from interpreter.actions.email.message import Draft, build_message
from interpreter.actions.email.transport import WIRE, OutboxTransport


def _message(subject: str = "Welcome") -> Message:
    return build_message(
        Draft(
            sender="flow@localhost",
            to=["ada@example.com"],
            subject=subject,
            html="<p>Hi</p>",
            text="Hi",
            message_id="<m1@localhost>",
            email_id="em_1",
            date=datetime(2024, 5, 1, tzinfo=UTC),
        )
    )


def test_the_first_send_creates_the_folder_and_a_retry_replaces_the_file(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "deep" / "outbox")
    first, second = _message("First"), _message("Second")
    outbox.send(first, "k")
    outbox.send(second, "k")
    files = sorted(os.listdir(tmp_path / "deep" / "outbox"))
    assert files == ["m1@localhost.eml"]
    written = (tmp_path / "deep" / "outbox" / files[0]).read_bytes()
    assert written == second.as_bytes(policy=WIRE)


def test_a_leftover_temp_file_with_the_same_name_is_left_alone(tmp_path: Path) -> None:
    outbox_dir = tmp_path / "outbox"
    outbox_dir.mkdir()
    number = next(transport._TEMP_NUMBERS) + 1
    leftover = outbox_dir / f".m1@localhost.eml.{os.getpid()}-{number}.tmp"
    leftover.write_bytes(b"from a crashed process")
    OutboxTransport(outbox_dir).send(_message(), "k")
    assert leftover.read_bytes() == b"from a crashed process"
    assert sorted(p.name for p in outbox_dir.iterdir() if not p.name.startswith(".")) == [
        "m1@localhost.eml"
    ]
    assert len(list(outbox_dir.iterdir())) == 2  # the message and the untouched leftover
