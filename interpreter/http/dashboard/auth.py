"""Who may see the dashboard: a signed session cookie (set by the login form),
``Authorization: Bearer <token>`` for scripts, or anyone on a loopback bind
when no token is configured."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from interpreter.http.dashboard.csrf import CSRF_COOKIE
from interpreter.http.dashboard.settings import DashboardSettings
from interpreter.http.same_site import host_is_loopback

SESSION_COOKIE = "flow_session"


@dataclass(frozen=True)
class Access:
    """How a request got in; ``seed`` binds its CSRF token (None for bearer,
    which a browser never sends by itself and so needs none)."""

    via: Literal["bearer", "session", "loopback"]
    seed: str | None


@dataclass(frozen=True)
class Denied:
    """Why not: ``login`` (send a browser to the form), ``bad_token`` (a wrong
    bearer), ``refused`` (no token and not on loopback) or ``foreign_host``
    (no token and a ``Host`` that is not loopback: DNS rebinding)."""

    reason: Literal["login", "bad_token", "refused", "foreign_host"]


def check_access(settings: DashboardSettings, request: Request) -> Access | Denied:
    if settings.refused:
        return Denied("refused")
    if settings.token is None:
        if not host_is_loopback(request):
            return Denied("foreign_host")
        return Access("loopback", request.cookies.get(CSRF_COOKIE))
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and _same(given.strip(), settings.token):
            return Access("bearer", None)
        return Denied("bad_token")
    nonce = session_nonce(settings, request.cookies.get(SESSION_COOKIE))
    if nonce is not None:
        return Access("session", nonce)
    return Denied("login")


def token_matches(settings: DashboardSettings, given: str) -> bool:
    return settings.token is not None and _same(given.strip(), settings.token)


def new_session(settings: DashboardSettings, now: float | None = None) -> str:
    """A cookie value: expiry, nonce, and their HMAC."""
    expires = int((time.time() if now is None else now) + settings.session_seconds)
    body = f"{expires}.{secrets.token_urlsafe(18)}"
    return f"{body}.{_sign(settings.key, body)}"


def session_nonce(
    settings: DashboardSettings, cookie: str | None, now: float | None = None
) -> str | None:
    """The nonce of a valid, unexpired session cookie, else None."""
    if not cookie or cookie.count(".") != 2:
        return None
    body, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(_sign(settings.key, body), signature):
        return None
    expires, _, nonce = body.partition(".")
    if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
        return None
    return nonce


def _sign(key: bytes, body: str) -> str:
    return hmac.new(key, f"session:{body}".encode(), hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
