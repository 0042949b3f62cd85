"""The dashboard's settings: its access token and the address the server binds."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from interpreter.http.settings import is_loopback


@dataclass(frozen=True)
class DashboardSettings:
    """``token`` (``FLOW_DASHBOARD_TOKEN``) guards the dashboard; with none, it is
    served only when ``host`` is a loopback address. ``page_size`` rows per list page."""

    host: str = "127.0.0.1"
    token: str | None = None
    session_seconds: int = 12 * 3600
    page_size: int = 50
    # Signs sessions and CSRF tokens: derived from the token, so sessions outlive
    # a restart and end when the token changes; random per process without one.
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def from_environ(
        cls, host: str = "127.0.0.1", environ: Mapping[str, str] | None = None
    ) -> DashboardSettings:
        env = os.environ if environ is None else environ
        return cls.with_token(host, env.get("FLOW_DASHBOARD_TOKEN", "").strip() or None)

    @classmethod
    def with_token(cls, host: str, token: str | None) -> DashboardSettings:
        if token is None:
            return cls(host=host)
        key = hmac.new(b"flow-dashboard-session", token.encode(), hashlib.sha256).digest()
        return cls(host=host, token=token, key=key)

    @property
    def open_to_loopback_only(self) -> bool:
        return self.token is None

    @property
    def refused(self) -> bool:
        """No token and a non-loopback bind: every page answers 403."""
        return self.token is None and not is_loopback(self.host)
