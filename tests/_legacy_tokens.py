"""Tracking tokens in the first format (readable base64 JSON and an HMAC), as
the emails flow sent before tokens were encrypted carry them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from interpreter.actions.email.tracking import TrackingToken


def legacy_seal(secret_key: str, token: TrackingToken) -> str:
    """A token as flow sealed them before they were encrypted (the first format),
    written out here as the emails already sent carry it."""
    key = hmac.new(secret_key.encode(), b"flow tracking tokens v1", "sha256").digest()
    payload: dict[str, object] = {"k": token.kind[0], "e": token.email_id, "t": token.to}
    if token.link is not None:
        payload["u"] = token.link
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    encoded = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    signature = hmac.new(key, encoded.encode(), hashlib.sha256).digest()[:16]
    return f"{encoded}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
