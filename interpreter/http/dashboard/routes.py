"""``dashboard_routes``: the dashboard as Starlette routes for ``create_app``'s
``extra_routes``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from interpreter.daemon.engine import Engine
from interpreter.http.dashboard import actions, campaign_page, pages
from interpreter.http.dashboard.guard import Dashboard, Handler, guarded
from interpreter.http.dashboard.login import login_endpoints, logout
from interpreter.http.dashboard.rendering import TEMPLATES
from interpreter.http.dashboard.settings import DashboardSettings

_CSS = TEMPLATES / "dashboard.css"


def dashboard_routes(engine: Engine, settings: DashboardSettings) -> list[BaseRoute]:
    """The dashboard at ``/``; ``settings`` usually from
    ``DashboardSettings.from_environ(host=<the bound address>)``."""
    board = Dashboard(engine, settings)
    show_login, submit_login = login_endpoints(board)
    css = _CSS.read_bytes()

    async def stylesheet(request: Request) -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    def get(path: str, handler: Handler) -> Route:
        return Route(path, guarded(board, handler), methods=["GET"])

    def post(path: str, handler: Handler) -> Route:
        return Route(path, guarded(board, handler, post=True), methods=["POST"])

    return [
        Route("/dashboard.css", stylesheet, methods=["GET"]),
        Route("/login", show_login, methods=["GET"]),
        Route("/login", submit_login, methods=["POST"]),
        post("/logout", logout),
        get("/", pages.campaigns),
        get("/campaigns/{campaign_id}", campaign_page.campaign),
        post("/campaigns/{campaign_id}/tick", actions.run_tick),
        get("/runs", pages.runs),
        get("/runs/{run_id}", pages.run),
        post("/runs/{run_id}/cancel", actions.cancel),
        post("/runs/{run_id}/retry", actions.retry),
        get("/events", pages.events),
        post("/events/test", actions.send_event),
        get("/suppressions", pages.suppressions),
    ]
