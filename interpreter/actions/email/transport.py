"""Where a built email goes.

A transport takes a finished message and the step's idempotency key, and either
accepts it or raises ``ActionError`` saying whether a retry could help. The
outbox is the zero-set-up default and the
capturing transport is for tests and ``flow test``. SMTP lives in ``smtp.py``
and Resend's API in ``resend.py``.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import Compat32
from email.policy import default as default_policy
from pathlib import Path
from typing import Protocol

from interpreter.errors import ActionError


class _WirePolicy(Compat32):
    """compat32 with a short cut for the common header: one short line of
    printable ASCII, which compat32's folding (``email.header.Header``, ~25 µs
    a header) gives back unchanged. Anything else takes compat32's own path."""

    def fold_binary(self, name: str, value: str) -> bytes:
        limit = self.max_line_length
        if name in _ONE_LINE:
            limit = _MAX_LINE  # a long link list stays whole on its line, as senders do
        if (
            isinstance(value, str)
            and limit
            and len(name) + len(value) + 2 <= limit
            and value.isascii()
            and value.isprintable()
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        folded: bytes = super().fold_binary(name, value)
        return folded


_ONE_LINE = frozenset({"List-Unsubscribe"})
_MAX_LINE = 998  # RFC 5322's limit on a line, without its CRLF

# The bytes on the wire: CRLF line ends, headers as built. compat32 writes the
# headers it is given; the modern SMTP policy would re-parse and re-fold every
# one of them, which costs more than building the message.
WIRE = _WirePolicy(linesep="\r\n")
_LINE_ENDS = re.compile(r"\r\n|\r|\n")


def wire_bytes(message: Message) -> bytes:
    """``message.as_bytes(policy=WIRE)``, byte for byte, written directly for
    the messages ``build_message`` makes (7bit or base64 text parts, alone or
    in a multipart without preamble or epilogue). ``email.generator`` clones
    a policy and a generator per part and buffers each level; this costs a
    fraction of that. Any other message goes through the generator."""
    fast = _wire_fast(message)
    return fast if fast is not None else message.as_bytes(policy=WIRE)


def _wire_fast(message: Message) -> bytes | None:
    maintype = message.get_content_maintype()
    body: bytes
    if maintype == "multipart":
        boundary = message.get_boundary()
        parts = message.get_payload()
        if (
            message.get_content_subtype() == "signed"
            or not boundary
            or not isinstance(parts, list)
            or message.preamble is not None
            or message.epilogue is not None
        ):
            return None
        written = [_wire_fast(part) if isinstance(part, Message) else None for part in parts]
        texts = [text for text in written if text is not None]
        if len(texts) != len(written):
            return None
        first = f"--{boundary}\r\n".encode("ascii")
        between = f"\r\n--{boundary}\r\n".encode("ascii")
        body = first + between.join(texts) + f"\r\n--{boundary}--\r\n".encode("ascii")
    elif maintype == "text":
        payload = message.get_payload()
        if not isinstance(payload, str) or not payload.isascii():
            return None
        body = _LINE_ENDS.sub("\r\n", payload).encode("ascii")
    else:
        return None
    headers = b"".join(WIRE.fold_binary(name, value) for name, value in message.raw_items())
    return headers + b"\r\n" + body


class EmailTransport(Protocol):
    """``send`` returns the provider's id for the email, when it has one."""

    def send(self, message: Message, idempotency_key: str) -> str | None: ...


class OutboxTransport:
    """Writes each message as ``<outbox>/<message id>.eml``.

    The write is atomic (a temp file renamed into place), so a crash leaves
    either no file or a whole one, and a retried send replaces its own file.
    It is not fsynced: like the SQLite store (WAL, synchronous=NORMAL) it
    survives a crash of the process, which is what at-least-once delivery
    needs; surviving power loss would cost two fsyncs, about 3 ms, per email.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, message: Message) -> Path:
        message_id = str(message["Message-ID"] or "").strip("<> ")
        stem = re.sub(r"[^A-Za-z0-9._@-]", "_", message_id) or "message"
        return self.directory / f"{stem}.eml"

    def send(self, message: Message, idempotency_key: str) -> None:
        target = self.path_for(message)
        data = wire_bytes(message)
        try:
            try:
                temp_name = _write_new(self.directory, target.name, data)
            except FileNotFoundError:  # the first email: no outbox folder yet
                self.directory.mkdir(parents=True, exist_ok=True)
                temp_name = _write_new(self.directory, target.name, data)
            try:
                os.replace(temp_name, target)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
        except OSError as error:
            # A full disk or a permissions slip may be fixed while the run waits.
            raise ActionError(
                f"email.send: cannot write to the outbox {self.directory}:"
                f" {error.strerror or error}",
                retryable=True,
            ) from None


_TEMP_NUMBERS = itertools.count()


def _write_new(directory: Path, name: str, data: bytes) -> str:
    """Write ``data`` to a new hidden temp file next to ``name``; returns its path.

    The name is unique to this process (pid and a counter) and created with
    O_EXCL; a leftover from a crashed process with the same pid falls back to
    ``mkstemp``. Plain ``os`` calls: ``mkstemp``'s random names and a buffered
    file object cost more than the write itself.
    """
    temp_name = os.path.join(directory, f".{name}.{os.getpid()}-{next(_TEMP_NUMBERS)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(temp_name, flags, 0o600)
    except FileExistsError:
        fd, temp_name = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        Path(temp_name).unlink(missing_ok=True)
        raise
    os.close(fd)
    return temp_name


@dataclass(frozen=True)
class SentEmail:
    message: EmailMessage
    idempotency_key: str


class CapturingTransport:
    """Keeps every message in ``sent``, in order, instead of delivering it."""

    def __init__(self) -> None:
        self.sent: list[SentEmail] = []
        self._lock = threading.Lock()

    def send(self, message: Message, idempotency_key: str) -> None:
        # Kept as a reader would get it: parsed back from the bytes on the wire.
        parsed = message_from_bytes(message.as_bytes(policy=WIRE), policy=default_policy)
        assert isinstance(parsed, EmailMessage)  # guaranteed by policy=default
        with self._lock:
            self.sent.append(SentEmail(parsed, idempotency_key))
