"""Sending over SMTP with the standard library, from ``FLOW_SMTP_URL``.

``smtp://user:pass@host:587`` speaks plain SMTP and upgrades with STARTTLS when
the server offers it; with credentials the upgrade is required, so a password
never crosses the network in clear (``?starttls=off`` allows it for a loopback
test server). ``smtps://host:465`` is TLS from the first byte.

Errors say whether a retry could help: a refused or dropped connection, a
timeout or a 4xx reply is transient; a 5xx reply (a rejected recipient, a
refused login) is not. The password never appears in an error message.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from interpreter.actions.email.transport import WIRE
from interpreter.errors import ActionError

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpSettings:
    implicit_tls: bool
    host: str
    port: int
    username: str | None
    password: str | None = None
    starttls: bool = True  # False only with ?starttls=off
    timeout: float = 30.0

    @property
    def where(self) -> str:
        """The server, for messages: never the credentials."""
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """The settings in ``url``; ``ValueError`` names what is wrong without echoing it."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError("FLOW_SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError("FLOW_SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ValueError("FLOW_SMTP_URL names no host")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["auto"])[-1].lower()
    if starttls not in ("auto", "on", "off"):
        raise ValueError("FLOW_SMTP_URL: starttls must be on or off")
    timeout = float(query.get("timeout", ["30"])[-1])
    return SmtpSettings(
        implicit_tls=scheme == "smtps",
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls != "off",
        timeout=timeout,
    )


class SmtpTransport:
    """One SMTP conversation per email: connect, (STARTTLS), (login), send, quit."""

    def __init__(self, settings: SmtpSettings, *, tls: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self._tls = tls

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        return cls(parse_smtp_url(url))

    def send(self, message: Message, idempotency_key: str) -> None:
        sender = parseaddr(str(message["From"] or ""))[1]
        recipients = [address for _, address in getaddresses([str(message["To"] or "")])]
        data = message.as_bytes(policy=WIRE)
        try:
            self._deliver(sender, recipients, data)
        except ActionError:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            transient = bool(codes) and all(400 <= code < 500 for code in codes)
            detail = "; ".join(
                f"{address}: {code} {_reply(reply)}"
                for address, (code, reply) in error.recipients.items()
            )
            raise self._error(f"recipient refused ({detail})", retryable=transient) from None
        except smtplib.SMTPAuthenticationError as error:
            raise self._error(
                f"login refused for user {self.settings.username!r} ({error.smtp_code})",
                retryable=400 <= error.smtp_code < 500,
            ) from None
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            raise self._error(
                f"{code} {_reply(error.smtp_error)}", retryable=not 500 <= code < 600
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise self._error(f"not supported: {_reply(str(error))}", retryable=False) from None
        except ssl.SSLCertVerificationError as error:
            raise self._error(
                f"TLS certificate not trusted: {error.verify_message}", retryable=False
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            # Refused, reset or timed-out connections and dropped sessions.
            detail = getattr(error, "strerror", None) or type(error).__name__
            raise self._error(f"cannot deliver: {detail}", retryable=True) from None

    def _deliver(self, sender: str, recipients: list[str], data: bytes) -> None:
        s = self.settings
        tls = self._tls or ssl.create_default_context()
        client: smtplib.SMTP
        if s.implicit_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=tls)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            client.ehlo()
            if not s.implicit_tls and s.starttls:
                if client.has_extn("starttls"):
                    client.starttls(context=tls)
                    client.ehlo()
                elif s.username:
                    raise self._error(
                        "the server does not offer STARTTLS; refusing to send the password"
                        " in clear (add ?starttls=off only for a loopback test server)",
                        retryable=False,
                    )
            if s.username:
                client.login(s.username, s.password or "")
            client.sendmail(sender, recipients, data)

    def _error(self, detail: str, *, retryable: bool) -> ActionError:
        return ActionError(f"email.send: SMTP {self.settings.where}: {detail}", retryable=retryable)


def _reply(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())[:200]
