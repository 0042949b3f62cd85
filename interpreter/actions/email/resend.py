"""Sending through Resend's HTTP API (``POST /emails``).

The step's idempotency key goes out as ``Idempotency-Key``, so a send retried
after a crash is accepted once by Resend. 429, 5xx and network failures are
transient; any other 4xx is not. Resend's id for the email is returned and
lands in the step's output as ``provider_id``. The API key is sent only in the
``Authorization`` header and never appears in an error.
"""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from typing import Any

import httpx

from interpreter.errors import ActionError

DEFAULT_URL = "https://api.resend.com"
# Built from the message itself, or set by Resend: not passed on as custom headers.
_OWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)


class ResendTransport:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_URL,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._api_key = api_key
        self._url = base_url.rstrip("/") + "/emails"
        self._client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def send(self, message: Message, idempotency_key: str) -> str:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Idempotency-Key": idempotency_key,
            "User-Agent": "flow",
        }
        try:
            response = self._client.post(self._url, json=resend_payload(message), headers=headers)
        except httpx.TransportError as error:
            raise ActionError(
                f"email.send: Resend unreachable: {type(error).__name__}", retryable=True
            ) from None
        status = response.status_code
        if status >= 300:
            raise ActionError(
                f"email.send: Resend answered {status}: {_problem(response)}",
                retryable=status == 429 or status >= 500,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        provider_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(provider_id, str):
            # Accepted, so it will be sent: a retry would only send it twice.
            return ""
        return provider_id


def resend_payload(message: Message) -> dict[str, Any]:
    """The JSON body for ``POST /emails`` from a built MIME message."""
    payload: dict[str, Any] = {
        "from": _decoded(message["From"]),
        "to": [address for _, address in getaddresses([str(message["To"] or "")])],
        "subject": _decoded(message["Subject"]),
    }
    parts = message.walk() if message.is_multipart() else iter([message])
    for part in parts:
        if part.is_multipart():
            continue
        raw = part.get_payload(decode=True)
        if not isinstance(raw, bytes):
            continue
        body = raw.decode(part.get_content_charset() or "utf-8", "replace")
        subtype = part.get_content_subtype()
        if subtype in ("html", "plain"):
            payload["html" if subtype == "html" else "text"] = body
    extra = {
        name: str(value) for name, value in message.items() if name.lower() not in _OWN_HEADERS
    }
    if extra:
        payload["headers"] = extra
    return payload


def _decoded(value: object) -> str:
    return str(make_header(decode_header(str(value or ""))))


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    text = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(text or response.reason_phrase or "error").split())[:200]
