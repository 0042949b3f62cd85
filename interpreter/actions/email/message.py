"""Building one well-formed ``EmailMessage`` from an email step.

The ids are derived, not random: the same step visit (same run, step and
idempotency key) always yields the same ``Message-ID`` and email id, so a send
retried after a crash can be recognised as a duplicate downstream, and the
outbox overwrites its file instead of writing a second one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, parseaddr

from interpreter.errors import ActionError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDR_SPEC = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class Draft:
    """What one email consists of, before it becomes a MIME message."""

    sender: str
    to: Sequence[str]
    subject: str
    html: str | None
    text: str | None
    message_id: str
    email_id: str
    date: datetime


def email_id_for(idempotency_key: str) -> str:
    """The stable id tracking events carry as ``email_id``."""
    return "em_" + hashlib.sha256(f"email\0{idempotency_key}".encode()).hexdigest()[:20]


def message_id_for(run_id: str, step_id: str, idempotency_key: str, sender: str) -> str:
    digest = hashlib.sha256(f"{run_id}\0{step_id}\0{idempotency_key}".encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "flow.localhost"
    return f"<{digest}@{domain}>"


def check_address(value: str, role: str) -> str:
    """One mailbox, as ``a@b.example`` or ``Name <a@b.example>``; anything else is refused.

    A line break would let a value add headers of its own, and a comma would
    quietly add recipients, so both are refused before the email library sees them.
    """
    if _CONTROL.search(value):
        raise ActionError(f"email.send: '{role}' contains a line break", retryable=False)
    name, addr = parseaddr(value)
    if not addr or not _ADDR_SPEC.match(addr) or ("," in value and not name):
        raise ActionError(
            f"email.send: '{role}' is not an email address: {value!r}", retryable=False
        )
    try:
        # Re-rendered so a display name with a comma is quoted, not split in two.
        return str(Address(display_name=name, addr_spec=addr))
    except (ValueError, IndexError):
        raise ActionError(
            f"email.send: '{role}' is not an email address: {value!r}", retryable=False
        ) from None


def check_subject(subject: str) -> str:
    if _CONTROL.search(subject.replace("\t", " ")):
        raise ActionError("email.send: the subject contains a line break", retryable=False)
    if not subject.strip():
        raise ActionError("email.send: the subject is empty", retryable=False)
    return subject.strip()


def build_message(draft: Draft) -> EmailMessage:
    message = EmailMessage(policy=default_policy)
    message["Message-ID"] = draft.message_id
    message["Date"] = format_datetime(draft.date)
    message["From"] = draft.sender
    message["To"] = ", ".join(draft.to)
    message["Subject"] = draft.subject
    message["MIME-Version"] = "1.0"
    message["X-Flow-Email-Id"] = draft.email_id
    if draft.html is None:
        message.set_content(draft.text or "", subtype="plain")
        return message
    # Clients show the last alternative they understand, so plain text goes first.
    message.set_content(draft.text or "", subtype="plain")
    message.add_alternative(draft.html, subtype="html")
    return message
