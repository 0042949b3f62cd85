"""The email set-up a deployment configures through its environment.

- ``FLOW_SMTP_URL`` set: SMTP (``smtp://user:pass@host:587``, ``smtps://...``).
- else ``FLOW_EMAIL_PROVIDER=resend`` with ``RESEND_API_KEY``: Resend's API
  (``RESEND_API_URL`` overrides its base URL, for tests).
- else the outbox: ``.eml`` files under the data directory.

``FLOW_PUBLIC_URL`` turns on unsubscribe links and click and open tracking and
needs ``FLOW_SECRET_KEY`` to sign them. Mistakes are reported when the engine
is opened, before any email is attempted, and never echo a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from interpreter.actions.base import Action
from interpreter.actions.email.resend import DEFAULT_URL, ResendTransport
from interpreter.actions.email.smtp import SmtpTransport, parse_smtp_url
from interpreter.actions.email.transport import EmailTransport
from interpreter.actions.registry import build_actions
from interpreter.daemon.caps import reserve_send
from interpreter.daemon.suppressions import suppressed_among
from interpreter.errors import FlowError
from interpreter.store import Store


class EmailSettingsError(FlowError):
    """The email settings in the environment are not usable."""


def email_transport(environ: Mapping[str, str]) -> EmailTransport | None:
    """The configured transport; None means the outbox under the data directory."""
    smtp_url = environ.get("FLOW_SMTP_URL", "").strip()
    if smtp_url:
        try:
            return SmtpTransport(parse_smtp_url(smtp_url))
        except ValueError as error:
            raise EmailSettingsError(str(error)) from None
    provider = environ.get("FLOW_EMAIL_PROVIDER", "").strip().lower()
    if provider == "resend":
        api_key = environ.get("RESEND_API_KEY", "").strip()
        if not api_key:
            raise EmailSettingsError("FLOW_EMAIL_PROVIDER=resend needs RESEND_API_KEY")
        base_url = environ.get("RESEND_API_URL", "").strip() or DEFAULT_URL
        return ResendTransport(api_key, base_url=base_url)
    if provider not in ("", "outbox", "smtp"):
        raise EmailSettingsError(
            f"FLOW_EMAIL_PROVIDER={provider!r} is not known (resend, or set FLOW_SMTP_URL)"
        )
    if provider == "smtp":
        raise EmailSettingsError("FLOW_EMAIL_PROVIDER=smtp needs FLOW_SMTP_URL")
    return None


def email_destination(environ: Mapping[str, str], data_dir: Path) -> str:
    """Where email goes and which setting says so, for the line ``flow serve``
    and ``flow worker`` print at start; call it once ``email_transport`` has
    accepted ``environ``. Names the server, never a credential."""
    smtp_url = environ.get("FLOW_SMTP_URL", "").strip()
    provider = environ.get("FLOW_EMAIL_PROVIDER", "").strip().lower()
    if smtp_url:
        smtp = parse_smtp_url(smtp_url)
        if smtp.implicit_tls:
            tls = "TLS"
        elif not smtp.starttls:
            tls = "no TLS"
        else:  # as SmtpTransport upgrades
            tls = "STARTTLS, required to log in" if smtp.username else "STARTTLS when offered"
        ignored = f"; FLOW_EMAIL_PROVIDER={provider} is ignored" if provider == "resend" else ""
        return f"SMTP {smtp.where} ({tls}, from FLOW_SMTP_URL{ignored})"
    if provider == "resend":
        base_url = environ.get("RESEND_API_URL", "").strip()
        source = "FLOW_EMAIL_PROVIDER=resend" + (" and RESEND_API_URL" if base_url else "")
        return f"Resend's API at {base_url or DEFAULT_URL} (from {source})"
    source = "FLOW_EMAIL_PROVIDER=outbox" if provider == "outbox" else "no FLOW_SMTP_URL set"
    return f"the outbox, .eml files under {data_dir / 'outbox'}/, none delivered (from {source})"


def check_links(environ: Mapping[str, str]) -> None:
    """Unsubscribe and tracking links need a public http(s) URL and a signing key."""
    public_url = environ.get("FLOW_PUBLIC_URL", "").strip()
    if not public_url:
        return
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EmailSettingsError(
            "FLOW_PUBLIC_URL must be an http(s) URL such as https://flow.example.com"
        )
    if not environ.get("FLOW_SECRET_KEY"):
        raise EmailSettingsError(
            "FLOW_PUBLIC_URL is set but FLOW_SECRET_KEY is not: tracking and unsubscribe"
            " links must be signed (use a long random value)"
        )


def configured_actions(
    store: Store, environ: Mapping[str, str] | None = None, *, deliver: bool = True
) -> Mapping[str, Action]:
    """The built-in actions, sending email the way the environment says and
    skipping recipients on ``store``'s suppression list and counting sends
    against the frequency caps in it. ``deliver=False``
    writes every email to the outbox whatever the environment configures: a
    rehearsal (``flow run --simulate``) must never reach a real inbox."""
    environ = os.environ if environ is None else environ
    check_links(environ)
    return build_actions(
        email_transport=email_transport(environ) if deliver else None,
        environ=environ,
        suppressed=lambda addresses, category: suppressed_among(store, addresses, category),
        reserve_send=lambda holder, to, category, now: reserve_send(
            store, holder, to, category, now
        ),
    )
