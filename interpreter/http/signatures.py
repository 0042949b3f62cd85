"""Standard Webhooks (Svix) signatures, as Resend sends them.

``svix-signature`` holds space-separated ``v1,<base64>`` entries (several
during a secret rotation); one must equal base64(HMAC-SHA256(key,
"{svix-id}.{svix-timestamp}.{body}")). The timestamp must lie within the
tolerance of now, both ways, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from interpreter.http.rejection import Rejected


def sign(key: bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """The ``v1`` signature of a message (base64, without the ``v1,`` prefix)."""
    content = f"{message_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def verify(
    key: bytes, headers: Mapping[str, str], body: bytes, now: datetime, tolerance_seconds: int
) -> str:
    """Check a delivery's signature; returns its ``svix-id``, or raises ``Rejected`` (401)."""
    message_id = headers.get("svix-id", "").strip()
    timestamp = headers.get("svix-timestamp", "").strip()
    signatures = headers.get("svix-signature", "").strip()
    if not (message_id and timestamp and signatures):
        raise Rejected(401, "missing svix-id, svix-timestamp or svix-signature header")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Rejected(401, "svix-timestamp is not a Unix time in seconds")
    skew = now.timestamp() - int(timestamp)
    if skew > tolerance_seconds:
        raise Rejected(401, "svix-timestamp is too old")
    if skew < -tolerance_seconds:
        raise Rejected(401, "svix-timestamp is in the future")
    expected = sign(key, message_id, timestamp, body).encode()
    matched = False
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1":
            matched |= hmac.compare_digest(expected, signature.encode())
    if not matched:
        raise Rejected(401, "no valid signature")
    return message_id
