"""Click, open and unsubscribe links: opaque tokens and the HTML rewrite.

A token is one URL-safe base64 string (no padding) of a version byte (2), a
12-byte nonce and an AES-256-GCM ciphertext with its 16-byte tag. The sealed
plaintext is compact JSON: ``k`` the kind (``c`` click, ``o`` open, ``u``
unsubscribe, ``p`` the preferences page), ``e`` the email id, ``t`` the
recipient (or list of them), for a click ``u`` the link and, for an
unsubscribe, ``g`` the email's category (the topic the one-click leaves). So
a link carries no personal data: proxy logs and referrers see random-looking
bytes, and only a server with the key can read or make one. The keys come from
``FLOW_SECRET_KEY`` through HKDF-SHA256.

Tokens are derived, not random: a retried send builds the same bytes. The
nonce is an HMAC of the plaintext under a key of its own (a synthetic IV, as
AES-SIV does), so the same link always seals to the same token and two
different ones reuse a nonce with probability 2^-96.

A token that does not open is worth nothing: the HTTP side answers 404 and
records nothing, and a click redirects only to the link sealed inside, so a
token cannot be turned into an open redirect.

Tokens of the first format (``<payload>.<signature>``: readable base64 JSON
with a 16-byte HMAC-SHA256) are still opened, so the links in emails already
sent (their unsubscribe links above all) keep working; nothing seals them any more.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import re
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TokenKind = Literal["click", "open", "unsubscribe", "preferences"]
_CODES: dict[TokenKind, str] = {"click": "c", "open": "o", "unsubscribe": "u", "preferences": "p"}
_KINDS: dict[str, TokenKind] = {code: kind for kind, code in _CODES.items()}
_PATHS: dict[TokenKind, str] = {
    "click": "/t/c/",
    "open": "/t/o/",
    "unsubscribe": "/unsubscribe/",
    "preferences": "/u/",
}
_VERSION = b"\x02"
_NONCE_BYTES = 12
_TAG_BYTES = 16
# Bound to every ciphertext, so a token opens only as a flow tracking token.
_ASSOCIATED = b"flow tracking token"
_LEGACY_SIGNATURE_BYTES = 16
_MAX_TOKEN = 4096
_WEB_LINK = re.compile(r"^https?://", re.IGNORECASE)
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class TrackingToken:
    """What an opened token says."""

    kind: TokenKind
    email_id: str
    to: str | list[str]
    link: str | None = None
    # An unsubscribe token's topic: its one-click POST leaves that category
    # only. None (tokens of emails without a category): the whole list.
    category: str | None = None

    @property
    def addresses(self) -> list[str]:
        return [self.to] if isinstance(self.to, str) else list(self.to)


class TokenSigner:
    """Seals and opens tokens with one secret key."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a tracking token needs a non-empty secret key")
        keys = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=None, info=b"flow tracking tokens v2"
        ).derive(secret_key.encode())
        self._cipher = AESGCM(keys[:32])
        self._nonce_key = keys[32:]
        # For the preferences page's CSRF field: a key of its own, never a token key.
        self.csrf_key = hmac.new(secret_key.encode(), b"flow preferences csrf", "sha256").digest()
        # The first format's HMAC key, to open the tokens in emails already sent.
        self._legacy_key = hmac.new(
            secret_key.encode(), b"flow tracking tokens v1", "sha256"
        ).digest()

    def seal(self, token: TrackingToken) -> str:
        payload: dict[str, object] = {"k": _CODES[token.kind], "e": token.email_id, "t": token.to}
        if token.link is not None:
            payload["u"] = token.link
        if token.category is not None:
            payload["g"] = token.category
        plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        nonce = hmac.new(self._nonce_key, plain, hashlib.sha256).digest()[:_NONCE_BYTES]
        return _b64(_VERSION + nonce + self._cipher.encrypt(nonce, plain, _ASSOCIATED))

    def open(self, text: str) -> TrackingToken | None:
        """The token's content, or None for anything forged, altered or malformed."""
        if len(text) > _MAX_TOKEN:
            return None
        if "." in text:
            return self._open_legacy(text)
        try:
            sealed = _unb64(text)
        except (binascii.Error, ValueError):
            return None
        if len(sealed) < 1 + _NONCE_BYTES + _TAG_BYTES or sealed[:1] != _VERSION:
            return None
        nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            plain = self._cipher.decrypt(nonce, ciphertext, _ASSOCIATED)
            payload = json.loads(plain)
        except (InvalidTag, ValueError):
            return None
        return _token_from(payload)

    def url(self, public_url: str, token: TrackingToken) -> str:
        return f"{public_url.rstrip('/')}{_PATHS[token.kind]}{self.seal(token)}"

    def _open_legacy(self, text: str) -> TrackingToken | None:
        """A first-format token, ``<payload>.<signature>``."""
        if text.count(".") != 1:
            return None
        encoded, signature = text.split(".")
        try:
            given = _unb64(signature)
        except (binascii.Error, ValueError):
            return None
        expected = hmac.new(
            self._legacy_key, encoded.encode("ascii", "replace"), hashlib.sha256
        ).digest()[:_LEGACY_SIGNATURE_BYTES]
        if not hmac.compare_digest(given, expected):
            return None
        try:
            payload = json.loads(_unb64(encoded))
        except (binascii.Error, ValueError):
            return None
        return _token_from(payload)


def _token_from(payload: object) -> TrackingToken | None:
    if not isinstance(payload, dict):
        return None
    kind = _KINDS.get(str(payload.get("k")))
    email_id, to, link = payload.get("e"), payload.get("t"), payload.get("u")
    category = payload.get("g")
    if kind is None or not isinstance(email_id, str):
        return None
    if category is not None and not isinstance(category, str):
        return None
    if not (isinstance(to, str) or (isinstance(to, list) and all(isinstance(a, str) for a in to))):
        return None
    if kind == "click":
        if not isinstance(link, str) or not _WEB_LINK.match(link):
            return None
        return TrackingToken(kind, email_id, to, link)
    return TrackingToken(kind, email_id, to, category=category)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not URL-safe base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def track_html(
    body: str,
    *,
    signer: TokenSigner,
    public_url: str,
    email_id: str,
    to: str | list[str],
    skip: frozenset[str] = frozenset(),
) -> str:
    """``body`` with every http(s) ``<a href>`` sent through the click endpoint
    (except the links in ``skip``, such as the unsubscribe link) and a 1x1 open
    pixel before ``</body>``."""

    def rewrite(match: re.Match[str]) -> str:
        link = html.unescape(match.group(3)).strip()
        if not _WEB_LINK.match(link) or link in skip:
            return match.group(0)
        url = signer.url(public_url, TrackingToken("click", email_id, to, link))
        return f"{match.group(1)}{match.group(2)}{html.escape(url)}{match.group(2)}"

    tracked = _HREF.sub(rewrite, body)
    pixel_url = html.escape(signer.url(public_url, TrackingToken("open", email_id, to)))
    pixel = (
        f'<img src="{pixel_url}" width="1" height="1" alt=""'
        ' style="border:0;width:1px;height:1px;overflow:hidden">'
    )
    ends = list(_BODY_END.finditer(tracked))
    if not ends:
        return tracked + pixel
    at = ends[-1].start()
    return tracked[:at] + pixel + tracked[at:]
