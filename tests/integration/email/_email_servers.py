"""Real servers on loopback for the email tests: an SMTP server (aiosmtpd) that
keeps what it receives, and uvicorn serving a Starlette app."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import VirtualClock
from interpreter.daemon.email_setup import configured_actions
from interpreter.daemon.engine import Engine
from interpreter.daemon.setup import load_campaigns
from interpreter.store import Store

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "workflows" / "signup-drip.yaml"
APP_DB = f"sqlite:///{ROOT / 'workflows' / 'demo' / 'app.db'}"
SECRET_KEY = "test-secret-key-0123456789"


class Mailbox:
    """The SMTP handler: keeps each accepted message; refuses any recipient
    whose local part starts with ``reject`` with a 550."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self._lock = threading.Lock()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.startswith("reject"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            envelopes = list(self.envelopes)
        parsed = []
        for envelope in envelopes:
            content = envelope.original_content or b""
            message = message_from_bytes(content, policy=default_policy)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[str, Mailbox]]:
    """An SMTP server on 127.0.0.1; yields its ``smtp://`` URL and mailbox."""
    mailbox = Mailbox()
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()


def email_engine(
    store: Store,
    clock: VirtualClock,
    data_dir: Path,
    environ: dict[str, str],
    campaign: Path = SEED,
) -> Engine:
    """An engine on the seed campaign (or ``campaign``) sending email as
    ``environ`` configures it, checking ``store``'s suppression list."""
    return Engine(
        store,
        Campaigns(store, load_campaigns([campaign])),
        clock,
        secrets={"APP_DATABASE_URL": APP_DB},
        data_dir=data_dir,
        actions=configured_actions(store, environ),
    )
