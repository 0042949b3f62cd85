"""Where a built email goes.

A transport takes a finished message and the step's idempotency key, and either
accepts it or raises ``ActionError`` saying whether a retry could help. SMTP and
provider APIs plug in here later; the outbox is the zero-set-up default and the
capturing transport is for tests and ``flow test``.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Protocol

from interpreter.errors import ActionError


class EmailTransport(Protocol):
    def send(self, message: EmailMessage, idempotency_key: str) -> None: ...


class OutboxTransport:
    """Writes each message as ``<outbox>/<message id>.eml``.

    The write is atomic (a temp file renamed into place), so a crash leaves
    either no file or a whole one, and a retried send replaces its own file.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, message: EmailMessage) -> Path:
        message_id = str(message["Message-ID"] or "").strip("<> ")
        stem = re.sub(r"[^A-Za-z0-9._@-]", "_", message_id) or "message"
        return self.directory / f"{stem}.eml"

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        target = self.path_for(message)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(message.as_bytes(policy=SMTP))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp_name, target)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
            _fsync_directory(self.directory)
        except OSError as error:
            # A full disk or a permissions slip may be fixed while the run waits.
            raise ActionError(
                f"email.send: cannot write to the outbox {self.directory}:"
                f" {error.strerror or error}",
                retryable=True,
            ) from None


def _fsync_directory(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class SentEmail:
    message: EmailMessage
    idempotency_key: str


class CapturingTransport:
    """Keeps every message in ``sent``, in order, instead of delivering it."""

    def __init__(self) -> None:
        self.sent: list[SentEmail] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        with self._lock:
            self.sent.append(SentEmail(message, idempotency_key))
