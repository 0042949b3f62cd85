"""The ``email.send`` action and the transports it hands messages to."""

from __future__ import annotations

from interpreter.actions.email.send import EmailSendAction
from interpreter.actions.email.transport import (
    CapturingTransport,
    EmailTransport,
    OutboxTransport,
    SentEmail,
)

__all__ = [
    "CapturingTransport",
    "EmailSendAction",
    "EmailTransport",
    "OutboxTransport",
    "SentEmail",
]
