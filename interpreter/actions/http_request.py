"""The ``http.request`` action, on one pooled ``httpx.Client``.

Whether a failure is worth retrying follows from what the server said: a 5xx,
a 429 or a 408 may pass, any other 4xx will not; a network error or timeout may
pass. The client (or only its transport) can be injected, so tests talk to a
real local server or an ``httpx.MockTransport`` without patching anything.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from interpreter.actions._arguments import (
    optional_mapping,
    optional_positive_number,
    optional_str,
    reject_unknown,
    require_str,
)
from interpreter.actions.base import JSON, ActionContext
from interpreter.errors import ActionError

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 30.0
# An hour: past it a request is stuck, not slow; and a float past time_t
# cannot be a socket timeout at all.
MAX_TIMEOUT = 3600.0
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_ARGUMENTS = frozenset({"method", "url", "headers", "json", "body", "timeout"})


class HttpRequestAction:
    """``with: {method?, url, headers?, json? | body?, timeout?}`` -> ``{status, headers, body}``.

    ``body`` in the output is the parsed JSON when the response says it is JSON,
    else text, cut at ``max_body_bytes`` (then ``truncated: true`` is added).
    """

    name: str = "http.request"

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self._client = client
        self._transport = transport
        self._max_body_bytes = max_body_bytes
        self._lock = threading.Lock()

    def _get_client(self) -> httpx.Client:
        # Created on first use, so building the registry opens no connections.
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    transport=self._transport,
                    follow_redirects=True,
                    headers={"User-Agent": "flow"},
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        request = _build_request(arguments, context.idempotency_key)
        timeout = optional_positive_number(
            arguments, "timeout", self.name, DEFAULT_TIMEOUT, maximum=MAX_TIMEOUT
        )
        where = f"{request.method} {_safe_url(request.url)}"
        client = self._get_client()
        try:
            with client.stream(
                request.method,
                request.url,
                headers=request.headers,
                content=request.content,
                timeout=timeout,
            ) as response:
                raw, truncated = _read_bounded(response, self._max_body_bytes)
        except httpx.TimeoutException:
            raise ActionError(
                f"http.request: {where} timed out after {timeout:g}s", retryable=True
            ) from None
        except (httpx.UnsupportedProtocol, httpx.TooManyRedirects) as error:
            raise ActionError(
                f"http.request: {where}: {_one_line(error)}", retryable=False
            ) from None
        except httpx.TransportError as error:
            raise ActionError(
                f"http.request: {where}: {type(error).__name__}: {_one_line(error)}",
                retryable=True,
            ) from None
        return _outcome(response, raw, truncated, where)


@dataclass(frozen=True)
class _Request:
    method: str
    url: httpx.URL
    headers: dict[str, str]
    content: bytes | None


def _build_request(arguments: Mapping[str, JSON], idempotency_key: str) -> _Request:
    reject_unknown(arguments, _ARGUMENTS, "http.request")
    method = (optional_str(arguments, "method", "http.request") or "GET").upper()
    if method not in _METHODS:
        raise ActionError(f"http.request: unsupported method {method!r}", retryable=False)
    url = _parse_url(require_str(arguments, "url", "http.request"))

    headers: dict[str, str] = {}
    for key, value in (optional_mapping(arguments, "headers", "http.request") or {}).items():
        if isinstance(value, Mapping | list) or value is None:
            raise ActionError(f"http.request: header {key!r} must be a string", retryable=False)
        text = value if isinstance(value, str) else json.dumps(value)
        if any(c in text or c in key for c in "\r\n\0"):
            raise ActionError(
                f"http.request: header {key!r} contains a line break", retryable=False
            )
        headers[key] = text
    lowered = {key.lower() for key in headers}
    if "idempotency-key" not in lowered:
        headers["Idempotency-Key"] = idempotency_key

    content: bytes | None = None
    if "json" in arguments and arguments.get("json") is not None:
        if arguments.get("body") is not None:
            raise ActionError("http.request: give 'json' or 'body', not both", retryable=False)
        content = json.dumps(arguments["json"], separators=(",", ":")).encode()
        if "content-type" not in lowered:
            headers["Content-Type"] = "application/json"
    elif arguments.get("body") is not None:
        body = arguments["body"]
        if not isinstance(body, str):
            raise ActionError(
                "http.request: 'body' must be a string (use 'json' for structured data)",
                retryable=False,
            )
        content = body.encode()
    return _Request(method, url, headers, content)


def _parse_url(raw: str) -> httpx.URL:
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        raise ActionError("http.request: 'url' is not a valid URL", retryable=False) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ActionError(
            f"http.request: only http:// and https:// URLs are allowed, not {url.scheme or raw!r}",
            retryable=False,
        )
    return url


def _safe_url(url: httpx.URL) -> str:
    # Errors end up in the run's record: never copy credentials or query tokens there.
    return str(url.copy_with(username=None, password=None, query=None, fragment=None))


def _read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False


def _outcome(response: httpx.Response, raw: bytes, truncated: bool, where: str) -> JSON:
    status = response.status_code
    if status >= 400:
        retryable = status >= 500 or status in _RETRYABLE_STATUS
        snippet = _one_line(raw[:200].decode(response.encoding or "utf-8", errors="replace"))
        detail = f": {snippet}" if snippet else ""
        raise ActionError(
            f"http.request: {where} answered {status} {response.reason_phrase}{detail}",
            retryable=retryable,
        )
    body: JSON = raw.decode(response.encoding or "utf-8", errors="replace")
    if not truncated and _is_json(response) and raw.strip():
        # A server that mislabels its body still gets its text returned.
        with contextlib.suppress(ValueError):
            body = json.loads(raw)
    output: dict[str, JSON] = {
        "status": status,
        "headers": {key: ", ".join(response.headers.get_list(key)) for key in response.headers},
        "body": body,
    }
    if truncated:
        output["truncated"] = True
    return output


def _is_json(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text[:300]
