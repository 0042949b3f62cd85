"""Sending an event through a flow server's event API (``flow send --url``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from interpreter.errors import FlowError, UsageError

# The path needs a key; a server without FLOW_EVENT_KEYS (loopback) takes any.
NO_KEY = "local"


class SendFailed(FlowError):
    """The server did not record the event."""


def send_event(
    url: str,
    name: str,
    data: Any,
    *,
    key: str | None = None,
    event_id: str | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """POST one event to ``{url}/e/{key}``; returns what the server says it did
    (``IngestResult.as_json``: the id it recorded it under, the runs started and
    woken, each campaign's outcome). A server too old to say has only the id."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must start with http:// or https://, not {url!r}")
    event: dict[str, Any] = {"name": name, "data": data}
    if event_id is not None:
        event["id"] = event_id
    endpoint = f"{url.rstrip('/')}/e/{quote(key or NO_KEY, safe='')}"
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(endpoint, json=event)
    except httpx.HTTPError as error:  # the message names the server, never the key
        reason = str(error) or type(error).__name__
        raise SendFailed(f"{url.rstrip('/')}: {reason}") from None
    if not response.is_success:
        raise SendFailed(f"the server answered {response.status_code}: {_error_of(response)}")
    try:
        answer = response.json()
        sent_id = str(answer["ids"][0])
    except (ValueError, KeyError, IndexError, TypeError):
        raise SendFailed(f"the server's answer is not flow's: {response.text[:200]!r}") from None
    outcomes = answer.get("outcomes")
    if isinstance(outcomes, list) and outcomes and isinstance(outcomes[0], dict):
        return dict(outcomes[0])
    return {"id": sent_id}


def _error_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return " ".join(response.text.split())[:200] or response.reason_phrase
