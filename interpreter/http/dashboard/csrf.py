"""CSRF tokens bound to the browser: an HMAC of the session's nonce (or, with no
token configured, of a random ``flow_csrf`` cookie), checked on every POST."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "flow_csrf"
CSRF_FIELD = "csrf"


def new_seed() -> str:
    return secrets.token_urlsafe(18)


def csrf_token(key: bytes, seed: str) -> str:
    return hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(key: bytes, seed: str | None, token: str | None) -> bool:
    if not seed or not token:
        return False
    return hmac.compare_digest(csrf_token(key, seed), token)
