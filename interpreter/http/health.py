"""``GET /healthz`` and ``GET /metrics``. Both read the database, so both are
plain functions, which Starlette runs in its thread pool off the event loop."""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from interpreter.errors import StoreError
from interpreter.http.context import app_context

log = logging.getLogger("flow.http")


def healthz(request: Request) -> Response:
    """200 when the database answers a cheap indexed read, 503 otherwise."""
    try:
        app_context(request).engine.store.next_wake_at()
    except StoreError as error:
        log.warning("healthz: %s", error)
        return JSONResponse({"status": "unavailable", "error": "the database does not answer"},
                            status_code=503)  # fmt: skip
    return JSONResponse({"status": "ok"})


def metrics_text(request: Request) -> Response:
    registry = app_context(request).metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
