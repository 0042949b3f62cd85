"""``create_app``: flow's HTTP surface as a plain ASGI app (Starlette).

It never opens a socket: ``flow serve`` hands it to uvicorn, and tests drive
it through a real uvicorn on loopback or in-process. Handlers are thin: parse,
call the engine, and map errors to status codes here, at the edge, always as a
JSON body ``{"error": ...}`` and never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from interpreter.daemon.engine import Engine
from interpreter.daemon.ingest import EventIn, IngestResult
from interpreter.daemon.metrics import Metrics
from interpreter.errors import StoreError
from interpreter.http.context import AppContext
from interpreter.http.events import post_events
from interpreter.http.health import healthz, metrics_text
from interpreter.http.intake import Intake
from interpreter.http.rejection import Rejected, error_response, store_error_status
from interpreter.http.settings import HttpSettings, check_settings
from interpreter.http.webhooks import post_resend

log = logging.getLogger("flow.http")

AfterIngest = Callable[[Sequence[IngestResult]], None]


def create_app(
    engine: Engine,
    settings: HttpSettings,
    *,
    metrics: Metrics | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    after_ingest: AfterIngest | None = None,
) -> Starlette:
    """The app serving ``engine``'s database.

    ``settings`` usually comes from ``HttpSettings.from_environ(host=...)`` with
    the address the server binds; ``check_settings`` runs here and raises
    ``UsageError`` for settings the server must not start with. Pass the
    ``Metrics`` the worker also updates, or a fresh one is made. ``extra_routes``
    come after flow's own (tracking links, unsubscribe, a dashboard).
    ``after_ingest`` is called in a worker thread after each committed batch
    (for instance to wake an in-process worker).
    """
    check_settings(settings)
    shared = metrics or Metrics()
    shared.watch_runs(engine.store, engine.clock)

    def ingest(events: Sequence[EventIn]) -> list[IngestResult]:
        results = engine.ingest_many(events)
        if after_ingest is not None:
            try:
                after_ingest(results)
            except Exception:  # the events are committed; the answer must say so
                log.exception("after_ingest failed")
        return results

    routes: list[BaseRoute] = [
        Route("/e/{event_key}", post_events, methods=["POST"]),
        Route("/webhooks/resend", post_resend, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
        *extra_routes,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            Rejected: _rejected,
            StoreError: _store_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    intake = Intake(ingest, max_batch_events=max(settings.max_events_per_request, 1000))
    app.state.flow = AppContext(engine, settings, shared, intake)
    return app


async def _rejected(request: Request, error: Exception) -> Response:
    assert isinstance(error, Rejected)
    return error.response()


async def _store_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StoreError)
    status, message = store_error_status(error)
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, error)
    return error_response(status, message)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code in (204, 304):
        return Response(status_code=error.status_code, headers=error.headers)
    return JSONResponse(
        {"error": error.detail}, status_code=error.status_code, headers=error.headers
    )


async def _internal_error(request: Request, error: Exception) -> Response:
    log.error("%s %s: internal error", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal error")
