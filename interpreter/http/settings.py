"""The HTTP surface's settings: event keys, the webhook secret, request limits
and the address it is bound to, read from the environment once at start."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from interpreter.errors import UsageError
from interpreter.http.body import BODY_TIMEOUT_SECONDS

log = logging.getLogger("flow.http")

MiB = 1024 * 1024


@dataclass(frozen=True)
class HttpSettings:
    """``host`` is the address the server binds: with no event keys configured,
    any key is accepted only on loopback."""

    host: str = "127.0.0.1"
    event_keys: tuple[str, ...] = ()
    resend_webhook_secret: str | None = None
    max_events_per_request: int = 5000
    max_event_bytes: int = 3 * MiB
    max_body_bytes: int = 16 * MiB
    webhook_tolerance_seconds: int = 300
    body_timeout_seconds: float = BODY_TIMEOUT_SECONDS
    # Guards GET /metrics (bearer); without one it answers on a loopback bind only.
    metrics_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_environ(
        cls, host: str = "127.0.0.1", environ: Mapping[str, str] | None = None
    ) -> HttpSettings:
        """Read ``FLOW_EVENT_KEYS`` (comma-separated), ``FLOW_RESEND_WEBHOOK_SECRET``,
        ``FLOW_MAX_EVENTS_PER_REQUEST``, ``FLOW_MAX_EVENT_BYTES``, ``FLOW_MAX_BODY_BYTES``,
        ``FLOW_BODY_TIMEOUT_SECONDS`` and ``FLOW_METRICS_TOKEN`` (else
        ``FLOW_DASHBOARD_TOKEN``: whoever may see the dashboard may see its metrics)."""
        env = os.environ if environ is None else environ
        keys = tuple(k.strip() for k in env.get("FLOW_EVENT_KEYS", "").split(",") if k.strip())
        return cls(
            host=host,
            event_keys=keys,
            resend_webhook_secret=env.get("FLOW_RESEND_WEBHOOK_SECRET") or None,
            max_events_per_request=_positive(env, "FLOW_MAX_EVENTS_PER_REQUEST", 5000),
            max_event_bytes=_positive(env, "FLOW_MAX_EVENT_BYTES", 3 * MiB),
            max_body_bytes=_positive(env, "FLOW_MAX_BODY_BYTES", 16 * MiB),
            body_timeout_seconds=_positive(
                env, "FLOW_BODY_TIMEOUT_SECONDS", int(BODY_TIMEOUT_SECONDS)
            ),
            metrics_token=(
                env.get("FLOW_METRICS_TOKEN", "").strip()
                or env.get("FLOW_DASHBOARD_TOKEN", "").strip()
                or None
            ),
        )

    @property
    def on_loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def webhook_key(self) -> bytes | None:
        """The Resend signing secret's key bytes (base64 after ``whsec_``)."""
        if self.resend_webhook_secret is None:
            return None
        return webhook_key(self.resend_webhook_secret)


def check_settings(settings: HttpSettings) -> None:
    """Refuse settings the server must not start with (a ``UsageError`` naming
    the fix), and warn about an open event API on loopback. ``create_app`` calls it."""
    if settings.max_body_bytes < settings.max_event_bytes:
        raise UsageError(
            f"FLOW_MAX_BODY_BYTES ({settings.max_body_bytes}) is smaller than "
            f"FLOW_MAX_EVENT_BYTES ({settings.max_event_bytes})"
        )
    if settings.resend_webhook_secret is not None:
        webhook_key(settings.resend_webhook_secret)
    if settings.event_keys:
        return
    if not settings.on_loopback:
        raise UsageError(
            f"refusing to serve the event API on {settings.host} with no event keys: "
            "set FLOW_EVENT_KEYS (comma-separated), or bind to 127.0.0.1"
        )
    log.warning(
        "FLOW_EVENT_KEYS is not set: POST /e/{key} accepts any key (bound to loopback %s only)",
        settings.host,
    )


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def webhook_key(secret: str) -> bytes:
    """Standard Webhooks secrets are ``whsec_`` then base64; the key is the decoded bytes."""
    text = secret.strip().removeprefix("whsec_")
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise UsageError("FLOW_RESEND_WEBHOOK_SECRET must be whsec_ followed by base64")
    return key


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"{name} must be a positive whole number, not {text!r}")
    return value
