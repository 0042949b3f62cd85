"""``POST /webhooks/resend``: Resend's deliveries, recorded as events.

A payload ``{type, created_at, data}`` becomes the event ``resend/<type>``
with ``data`` as sent and the ``svix-id`` as its id, so a redelivery is stored
once. Nothing is stored unless the signature verifies.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from interpreter.daemon.ingest import EventIn
from interpreter.daemon.suppressions import suppress_from_provider_event
from interpreter.http.body import read_body
from interpreter.http.context import app_context
from interpreter.http.event_batch import MAX_ID_CHARS, MAX_NAME_CHARS, parse_json, parse_time
from interpreter.http.rejection import Rejected
from interpreter.http.signatures import verify

PREFIX = "resend/"


async def post_resend(request: Request) -> Response:
    context = app_context(request)
    settings = context.settings
    key = settings.webhook_key
    if key is None:
        raise Rejected(
            503,
            "Resend webhooks are not configured: set FLOW_RESEND_WEBHOOK_SECRET "
            "to the endpoint's signing secret (whsec_...)",
        )
    body = await read_body(
        request, settings.max_event_bytes, "webhook body", settings.body_timeout_seconds
    )
    message_id = verify(
        key, request.headers, body, context.engine.clock.now(), settings.webhook_tolerance_seconds
    )
    event = resend_event(body, message_id)
    # Suppress before recording: if recording fails the provider redelivers and
    # suppressing again is harmless, while the other order could lose it to
    # the redelivery's deduplication.
    await run_in_threadpool(
        suppress_from_provider_event,
        context.engine.store,
        event.name,
        event.data,
        context.engine.clock.now(),
    )
    results = await context.intake.submit([event])
    context.metrics.event_received("webhook", len(results))
    return JSONResponse({"ids": [result.event_id for result in results], "status": 200})


def resend_event(body: bytes, message_id: str) -> EventIn:
    payload = parse_json(body, "the webhook body")
    if not isinstance(payload, dict):
        raise Rejected(400, "the webhook body must be an object {type, created_at, data}")
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise Rejected(400, "type must be a non-empty string", field="type")
    if len(PREFIX) + len(kind) > MAX_NAME_CHARS:
        raise Rejected(400, "type is too long", field="type")
    data = payload.get("data")
    if data is None:
        data = {}
    elif not isinstance(data, dict):
        raise Rejected(400, "data must be an object", field="data")
    if len(message_id) > MAX_ID_CHARS:
        raise Rejected(400, "svix-id is too long", field="svix-id")
    created = payload.get("created_at")
    ts = parse_time(created) if isinstance(created, str) else None
    return EventIn(PREFIX + kind, data, message_id, ts)
