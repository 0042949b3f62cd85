"""The whole HTTP surface ``flow serve`` runs: flow's own routes, the tracking
links and unsubscribe pages, and the dashboard, composed here in the surface
layer so the daemon below never imports it."""

from __future__ import annotations

from starlette.types import ASGIApp

from interpreter.daemon.engine import Engine
from interpreter.daemon.metrics import Metrics
from interpreter.http.app import create_app
from interpreter.http.dashboard import DashboardSettings, dashboard_routes
from interpreter.http.settings import HttpSettings
from interpreter.http.tracking import tracking_routes


def serve_app(engine: Engine, host: str, metrics: Metrics) -> ASGIApp:
    """The event API, webhooks, health, metrics, tracking links and the dashboard.
    ``check_settings`` refuses settings the server must not start with."""
    routes = [
        *tracking_routes(engine),
        *dashboard_routes(engine, DashboardSettings.from_environ(host=host)),
    ]
    return create_app(
        engine, HttpSettings.from_environ(host=host), metrics=metrics, extra_routes=routes
    )
