"""The web dashboard: server-rendered pages over the store, and the actions
``flow runs`` also offers (cancel, retry, send an event)."""

from __future__ import annotations

from interpreter.http.dashboard.routes import dashboard_routes
from interpreter.http.dashboard.settings import DashboardSettings

__all__ = ["DashboardSettings", "dashboard_routes"]
