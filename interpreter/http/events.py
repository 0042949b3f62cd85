"""``POST /e/{event_key}``: the event API, in Inngest's wire format.

Parse and check the whole body, record its events in one transaction (shared
with concurrent requests: group commit), answer ``{"ids": [...], "status": 200}``
with the ids in request order. A duplicate id is answered with its id and
triggers nothing. ``outcomes`` (flow's own, beside Inngest's keys) says per
event which runs it started and woke and, per campaign its name triggers, why
one did not start.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from interpreter.http.body import read_body
from interpreter.http.context import app_context
from interpreter.http.event_batch import parse_events
from interpreter.http.rejection import Rejected
from interpreter.http.same_site import check_loopback_host, check_origin, require_json

# Bodies past this are parsed in a thread, not on the event loop.
_PARSE_INLINE_BYTES = 256 * 1024


async def post_events(request: Request) -> Response:
    context = app_context(request)
    settings = context.settings
    check_event_key(request.path_params["event_key"], settings.event_keys)
    check_origin(request)
    if not settings.event_keys:
        check_loopback_host(request, "FLOW_EVENT_KEYS")
    require_json(request)
    body = await read_body(request, settings.max_body_bytes, timeout=settings.body_timeout_seconds)
    limits = {
        "max_events": settings.max_events_per_request,
        "max_event_bytes": settings.max_event_bytes,
    }
    if len(body) > _PARSE_INLINE_BYTES:
        events = await run_in_threadpool(lambda: parse_events(body, **limits))
    else:
        events = parse_events(body, **limits)
    results = await context.intake.submit(events)
    context.metrics.event_received("api", len(results))
    return JSONResponse(
        {
            "ids": [result.event_id for result in results],
            "status": 200,
            "outcomes": [result.as_json() for result in results],
        }
    )


def check_event_key(given: str, keys: tuple[str, ...]) -> None:
    """With keys configured, ``given`` must be one of them, compared in constant
    time. With none, any key passes (``check_settings`` allows that on loopback only)."""
    if not keys:
        return
    encoded = given.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(encoded, key.encode())
    if not matched:
        raise Rejected(401, "unknown event key")
