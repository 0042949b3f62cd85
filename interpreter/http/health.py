"""``GET /healthz`` and ``GET /metrics``. Both read the database, so both are
plain functions, which Starlette runs in its thread pool off the event loop."""

from __future__ import annotations

import hmac
import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from interpreter.errors import StoreError
from interpreter.http.context import app_context
from interpreter.http.rejection import Rejected

log = logging.getLogger("flow.http")


def healthz(request: Request) -> Response:
    """200 when the database answers a cheap indexed read, 503 otherwise."""
    try:
        app_context(request).engine.store.next_wake_at()
    except StoreError as error:
        log.warning("healthz: %s", error)
        return JSONResponse(
            {"status": "unavailable", "error": "the database does not answer"}, status_code=503
        )
    return JSONResponse({"status": "ok"})


def metrics_text(request: Request) -> Response:
    """The Prometheus text. With a metrics token (``FLOW_METRICS_TOKEN``, else
    ``FLOW_DASHBOARD_TOKEN``) a scrape must send it as a bearer token; without
    one, metrics are served only on a loopback bind, like the dashboard."""
    context = app_context(request)
    token = context.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise Rejected(
                401,
                "GET /metrics needs Authorization: Bearer <FLOW_METRICS_TOKEN>",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not context.settings.on_loopback:
        raise Rejected(
            403,
            "GET /metrics is served off loopback only with FLOW_METRICS_TOKEN "
            "(or FLOW_DASHBOARD_TOKEN) set",
        )
    return Response(generate_latest(context.metrics.registry), media_type=CONTENT_TYPE_LATEST)
