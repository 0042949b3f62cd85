"""Click, open and unsubscribe links: signed tokens and the HTML rewrite.

A token is ``<payload>.<signature>``, both URL-safe base64 without padding.
The payload is compact JSON: ``k`` the kind (``c`` click, ``o`` open, ``u``
unsubscribe), ``e`` the email id, ``t`` the recipient (or list of them) and,
for a click, ``u`` the link. The signature is the first 16 bytes of an
HMAC-SHA256 over the encoded payload, keyed with a key derived from
``FLOW_SECRET_KEY``. A token that does not verify is worth nothing: the HTTP
side answers 404 and records nothing, and a click redirects only to the link
sealed inside, so a token cannot be turned into an open redirect.

Tokens are derived, not random: a retried send builds the same bytes.
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

TokenKind = Literal["click", "open", "unsubscribe"]
_CODES: dict[TokenKind, str] = {"click": "c", "open": "o", "unsubscribe": "u"}
_KINDS: dict[str, TokenKind] = {code: kind for kind, code in _CODES.items()}
_PATHS: dict[TokenKind, str] = {"click": "/t/c/", "open": "/t/o/", "unsubscribe": "/unsubscribe/"}
_SIGNATURE_BYTES = 16
_MAX_TOKEN = 4096
_WEB_LINK = re.compile(r"^https?://", re.IGNORECASE)
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class TrackingToken:
    """What a verified token says."""

    kind: TokenKind
    email_id: str
    to: str | list[str]
    link: str | None = None

    @property
    def addresses(self) -> list[str]:
        return [self.to] if isinstance(self.to, str) else list(self.to)


class TokenSigner:
    """Seals and opens tokens with one secret key."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a tracking token needs a non-empty secret key")
        # Derived, so that the key signs nothing but tracking tokens.
        self._key = hmac.new(secret_key.encode(), b"flow tracking tokens v1", "sha256").digest()

    def seal(self, token: TrackingToken) -> str:
        payload: dict[str, object] = {"k": _CODES[token.kind], "e": token.email_id, "t": token.to}
        if token.link is not None:
            payload["u"] = token.link
        encoded = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{encoded}.{_b64(self._sign(encoded))}"

    def open(self, text: str) -> TrackingToken | None:
        """The token's content, or None for anything forged, altered or malformed."""
        if len(text) > _MAX_TOKEN or text.count(".") != 1:
            return None
        encoded, signature = text.split(".")
        try:
            given = _unb64(signature)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(given, self._sign(encoded)):
            return None
        try:
            payload = json.loads(_unb64(encoded))
        except (binascii.Error, ValueError):
            return None
        return _token_from(payload)

    def url(self, public_url: str, token: TrackingToken) -> str:
        return f"{public_url.rstrip('/')}{_PATHS[token.kind]}{self.seal(token)}"

    def _sign(self, encoded: str) -> bytes:
        return hmac.new(self._key, encoded.encode("ascii", "replace"), hashlib.sha256).digest()[
            :_SIGNATURE_BYTES
        ]


def _token_from(payload: object) -> TrackingToken | None:
    if not isinstance(payload, dict):
        return None
    kind = _KINDS.get(str(payload.get("k")))
    email_id, to, link = payload.get("e"), payload.get("t"), payload.get("u")
    if kind is None or not isinstance(email_id, str):
        return None
    if not (isinstance(to, str) or (isinstance(to, list) and all(isinstance(a, str) for a in to))):
        return None
    if kind == "click":
        if not isinstance(link, str) or not _WEB_LINK.match(link):
            return None
        return TrackingToken(kind, email_id, to, link)
    return TrackingToken(kind, email_id, to)


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
